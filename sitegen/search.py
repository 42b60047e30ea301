"""The search index: every published briefing's searchable text, once, as a JavaScript file.

`search/index.js` sets `window.SITEGEN_SEARCH` and is loaded by the search page with a
plain `<script src>`, so search works from `file://` (no fetch). The browser side
(`themes/default/static/search.js`) tokenises the text when the page loads; the file
holds no inverted index, so no text is stored twice. Shape (arrays keep it compact):

    {"v": 1,
     "topics":  [[title, link, [alias, …]], …],
     "sources": [title, …],
     "docs":    [[title, iso date, link, bottom line, [key point, …], analysis text,
                  [topic index, …], [source index, …]], …]}   # newest first

Links are relative to the search page and follow `clean_links`.
"""
from __future__ import annotations

import json
from typing import Iterator

from . import urls
from .model.site import Site

INDEX_FILE = "search/index.js"
SEARCH_PAGE = "search/"


def _parts(site: Site) -> tuple[list, list, Iterator[list]]:
    """Topics, sources and (lazily) the docs of the index (shape: see the module doc)."""
    clean = site.config.clean_links

    def link(site_path: str) -> str:
        return urls.relative(SEARCH_PAGE, site_path, clean)

    topic_ids = {slug: i for i, slug in enumerate(site.topics)}
    topics = [[t.title, link(t.site_path), list(t.aliases)] for t in site.topics.values()]
    source_ids = {sid: i for i, sid in enumerate(site.sources)}
    sources = [s.seed.title for s in site.sources.values()]
    docs = ([b.title, b.date.isoformat(), link(b.site_path), b.bottom_line,
             [kp.text for kp in b.key_points], b.body_text,
             [topic_ids[t] for t in b.topics if t in topic_ids],
             [source_ids[s] for s in b.seeds if s in source_ids]]
            for b in site.briefings.values())
    return topics, sources, docs


def _json(value) -> str:
    # JSON is valid JavaScript except, in old engines, for raw U+2028/U+2029.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def index_js(site: Site) -> Iterator[str]:
    """`search/index.js`, one compact JavaScript assignment, in pieces (one per briefing,
    so a large site's index is never held whole)."""
    topics, sources, docs = _parts(site)
    yield f'window.SITEGEN_SEARCH={{"v":1,"topics":{_json(topics)},"sources":{_json(sources)},"docs":['
    for i, doc in enumerate(docs):
        yield ("," if i else "") + _json(doc)
    yield "]};\n"
