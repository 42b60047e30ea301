"""Estimative words in an analyst's text (see load.estimative for the table): finding
them, sentence by sentence, and marking each likelihood word with its probability range.

Rules: words inside quotation marks (“…”, «…», "…") are a source's, not the analyst's
judgment, and are passed over, as is text in code, links, block quotes and `<q>`.
"May" with a capital is the month.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import escape

from ..load.estimative import Scales, Term

_OPEN, _CLOSE = "“«„", "”»"
_QUOTE_RE = re.compile(r'&quot;|&#34;|["“”«»„]')
_TAG_RE = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?([a-zA-Z0-9]+)")
_SKIP_TAGS = frozenset({"a", "abbr", "blockquote", "code", "pre", "q", "script", "style"})
_BLOCK_TAGS = frozenset({"p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5",
                         "h6", "figcaption", "div", "br", "ul", "ol", "table", "tr"})


@dataclass(frozen=True, slots=True)
class Hit:
    """One estimative word or phrase in a text."""

    start: int
    end: int
    kind: str  # "likelihood", "confidence" or "hedge"
    words: str  # as written
    term: Term | None = None  # for a likelihood word


class _Finder:
    def __init__(self, scales: Scales):
        self.kinds: dict[str, tuple[str, Term | None]] = {}
        for t in scales.terms:
            self.kinds.setdefault(t.words, ("likelihood", t))
        for w in scales.confidence:
            self.kinds.setdefault(w, ("confidence", None))
        for w in scales.hedges:
            self.kinds.setdefault(w, ("hedge", None))
        phrases = sorted(self.kinds, key=lambda w: (-len(w), w))  # longest first
        alternatives = "|".join(r"\s+".join(map(re.escape, w.split())) for w in phrases)
        self.regex = re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE) \
            if phrases else None

    def hits(self, text: str, quoted: bool = False) -> tuple[list[Hit], bool]:
        """The hits outside quotation marks, and whether `text` ends inside one (for the
        text that follows it in the same paragraph)."""
        if self.regex is None:
            return [], quoted
        spans, quoted = _quoted_spans(text, quoted)
        found = []
        for m in self.regex.finditer(text):
            written = m.group(0)
            if written == "May" or any(a <= m.start() < b for a, b in spans):
                continue
            kind, term = self.kinds[" ".join(written.lower().split())]
            found.append(Hit(m.start(), m.end(), kind, written, term))
        return found, quoted


@functools.lru_cache(maxsize=8)
def _finder(scales: Scales) -> _Finder:
    return _Finder(scales)


def _quoted_spans(text: str, quoted: bool) -> tuple[list[tuple[int, int]], bool]:
    """Spans of `text` inside quotation marks; `quoted`: whether it starts inside one."""
    spans, start = [], 0 if quoted else None
    for m in _QUOTE_RE.finditer(text):
        mark = m.group(0)
        opens = mark in _OPEN or (mark not in _CLOSE and start is None)
        if opens and start is None:
            start = m.end()
        elif not opens and start is not None:
            spans.append((start, m.start()))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans, start is not None


def find(scales: Scales, text: str) -> list[Hit]:
    """Every estimative word of a plain text outside quotation marks, in order."""
    return _finder(scales).hits(text)[0]


def _html_hits(scales: Scales, pieces: list[str]):
    """(piece index, hits) for each text piece of sanitised HTML split at its tags
    (`_TAG_RE.split`), outside the elements passed over; quotation marks carry on within
    a block."""
    finder = _finder(scales)
    skipped, quoted = 0, False
    for i, piece in enumerate(pieces):
        if i % 2:  # a tag
            m = _TAG_NAME.match(piece)
            name = m.group(1).lower() if m else ""
            if name in _SKIP_TAGS and not piece.endswith("/>"):
                skipped = max(0, skipped + (-1 if piece.startswith("</") else 1))
            if name in _BLOCK_TAGS:
                quoted = False
        elif piece:
            hits, quoted = finder.hits(piece, quoted)
            if not skipped and hits:
                yield i, hits


def mark(scales: Scales, html: str) -> str:
    """`html` with each likelihood word in an `<abbr>` whose title is its range."""
    out = _TAG_RE.split(html)
    for i, hits in list(_html_hits(scales, out)):
        text, pos, parts = out[i], 0, []
        for h in hits:
            if h.term is None:
                continue
            title = escape(f"{h.term.range} ({scales.name})")
            parts += [text[pos:h.start], f'<abbr class="likelihood" title="{title}">',
                      h.words, "</abbr>"]
            pos = h.end
        out[i] = "".join(parts) + text[pos:]
    return "".join(out)


def terms_used(scales: Scales, htmls) -> tuple[Term, ...]:
    """The likelihood terms that `mark` marks in these HTML texts, once each, in order."""
    found: dict[Term, None] = {}
    for html in htmls:
        for _i, hits in _html_hits(scales, _TAG_RE.split(html)):
            found.update((h.term, None) for h in hits if h.term is not None)
    return tuple(found)
