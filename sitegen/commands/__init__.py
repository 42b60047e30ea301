"""The verbs: `build`, `check`, `serve` and `new`, each a thin command over the stages
(sitegen.pipeline) and the engine (sitegen.engine); `sitegen.cli` parses the command line
and calls them."""
