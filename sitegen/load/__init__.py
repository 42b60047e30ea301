"""Load stage: read config, seeds and content from disk into plain dataclasses."""
