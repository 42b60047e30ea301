"""Saved web pages → the article's blocks only, with the page's own title, author and date.

A page saved from a browser holds its site's navigation, menus, cookie banners, comments
and footers around the article. Rule: an HTML seed with site navigation (a nav, aside or
menu element, or the ARIA role navigation or complementary: a document's own header or
footer is no sign of it) is read through a main-content
extractor (trafilatura: maintained, Apache-2.0), whose article HTML is then read as any
HTML seed is (see seed_html); a page without chrome is a document and is read whole. The
sidecar's `extract: true|false` overrides the rule for one page.
"""
from __future__ import annotations

import datetime
import re

from .document import Document, Unreadable
from .seed_html import extract, html_chunks, locate

_CHROME = re.compile(r"<(?:nav|aside|menu)\b|\brole\s*=\s*[\"']?"
                     r"(?:navigation|complementary)\b", re.IGNORECASE)


def has_chrome(text: str) -> bool:
    """Whether the page has parts that are no article (see the module's rule)."""
    return _CHROME.search(text) is not None


def web_document(text: str) -> Document:
    """The article of a saved page. Raises Unreadable when the extractor finds none."""
    import trafilatura  # imported on first use: a site without web pages never pays for it

    article = trafilatura.extract(
        text, output_format="html", include_comments=False, include_tables=True,
        include_formatting=False, include_links=False, include_images=False,
        deduplicate=False)
    if not article:
        raise Unreadable("no article text found in this saved page; if the whole page is "
                         "content, set 'extract: false' in its sidecar", code="seed-empty")
    _title, chunks = extract(article)
    meta = trafilatura.extract_metadata(text)
    title = meta.title if meta and meta.title else html_chunks(text)[0]
    return Document(title, locate(chunks, text.split("\n")),
                    author=(meta.author or None) if meta else None,
                    published=_date(meta.date) if meta else None)


def _date(text: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
