"""Where the search index's files are, and how each is written: a classic script that
hands its JSON to the search page (see the package doc)."""
from __future__ import annotations

import json

INDEX_FILE = "search/index.js"
SEARCH_PAGE = "search/"


def json_text(value) -> str:
    """`value` as JSON that is also valid JavaScript (old engines reject raw U+2028/U+2029)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def shard_script(name: str, data) -> bytes:
    return f"SITEGEN_SEARCH_SHARD({json_text(name)},{json_text(data)});\n".encode("utf-8")
