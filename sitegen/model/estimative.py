"""Estimative words in an analyst's text (see load.estimative for the table): finding
them, and marking each likelihood word with its probability range.

Rules: words inside quotation marks (“…”, „…“, «…», »…«, "…"; not a " after a digit)
are a source's, not the analyst's judgment, and are passed over, as is text in code,
links, block quotes and `<q>`; a quotation ends with its paragraph. "May" with a capital
is the month; "could not" says what was not possible. In HTML, a word that touches an
inline tag (`un<em>likely</em>`) is not marked: it may be part of a longer phrase.

One regular expression finds tags, quotation marks and words in one pass over a text:
a text costs a scan in C plus a step per tag, mark and word found. Bodies are marked
once, when their Markdown is rendered (model.markup), and kept with it.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html import escape

from ..load.estimative import Scales, Term

# Each opening quotation mark, and the marks that close it.
_CLOSERS = {"“": "”", "„": "“”", "«": "»", "»": "«", '"': '"'}
_QUOTES = r'&quot;|&#34;|"|“|”|«|»|„'  # one branch each (see _Finder)
_QUOTE_STARTS = frozenset('&"“”«»„')
_TAG = r"<(/?)([a-z0-9]*)[^>]*>"
_SKIP_TAGS = frozenset({"a", "abbr", "blockquote", "code", "pre", "q", "script", "style"})
_BLOCK_TAGS = frozenset({"p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5",
                         "h6", "figcaption", "div", "br", "ul", "ol", "table", "tr"})
_INLINE_TAGS = frozenset({"em", "strong", "b", "i", "u", "s", "span", "mark", "sup", "sub",
                          "small", "del", "ins", "a", "abbr", "code", "q"})
_NEXT_TAG = re.compile(r"</?([a-z0-9]+)")
_MARKED = re.compile(r'<abbr class="likelihood" title="[^"]*">([^<]*)</abbr>')


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
        self.name = scales.name
        self.kinds: dict[str, tuple[str, Term | None]] = {}
        for t in scales.terms:
            self.kinds.setdefault(t.words, ("likelihood", t))
        for w in scales.confidence:
            self.kinds.setdefault(w, ("confidence", None))
        for w in scales.hedges:
            self.kinds.setdefault(w, ("hedge", None))
        # Rule: every branch starts with a plain character (a tag's "<", a quotation mark,
        # a word's first letter), so the regex engine skips in C to the next place one of
        # them could start: a word's "not after a letter" test comes after its first letter.
        # Matched against the text in lower case (one branch per first letter fails fastest).
        words = _alternatives(self.kinds)
        self.text = re.compile(rf"{_QUOTES}|{words}")
        self.html = re.compile(rf"{_TAG}|{_QUOTES}|{words}")
        self.text_any_case = re.compile(self.text.pattern, re.IGNORECASE)
        self.html_any_case = re.compile(self.html.pattern, re.IGNORECASE)

    def hits(self, text: str, html: bool = False):
        """Each Hit outside quotation marks and passed-over elements, in order."""
        low = text.lower()
        if len(low) == len(text):
            scan = (self.html if html else self.text).finditer(low)
        else:  # a letter whose lower case is longer ("İ"): offsets would shift
            scan = (self.html_any_case if html else self.text_any_case).finditer(text)
        skipped, closer, inline_end = 0, None, -1
        for m in scan:
            found = m.group()
            first = found[0]
            if first == "<":  # a tag
                name = m.group(2)
                if name in _SKIP_TAGS and not found.endswith("/>"):
                    skipped = max(0, skipped + (-1 if m.group(1) else 1))
                if name in _BLOCK_TAGS:
                    closer = None
                inline_end = m.end() if name in _INLINE_TAGS else -1
            elif first in _QUOTE_STARTS:
                quote = '"' if first == "&" else first
                if quote == '"' and low[m.start() - 1:m.start()].isdigit():
                    continue  # 6" guns, 48°30'15": inches and seconds
                if closer:
                    closer = None if quote in closer else closer
                else:
                    closer = _CLOSERS.get(quote)  # a closing mark alone opens nothing
            else:
                written = text[m.start():m.end()]
                words = " ".join(found.lower().split())
                if skipped or closer or _passed_over(words, written, low, m.end()) or (
                        html and _split_by_tag(low, m.start(), m.end(), inline_end)):
                    continue
                kind, term = self.kinds[words]
                yield Hit(m.start(), m.end(), kind, written, term)


def _passed_over(words: str, written: str, low: str, end: int) -> bool:
    """"May" with a capital is the month; "could not" is past inability, not a hedge."""
    return (words == "may" and written[0] == "M") or (
        words == "could" and low.startswith(" not", end))


def _split_by_tag(low: str, start: int, end: int, inline_end: int) -> bool:
    """Whether a word touches an inline tag: "un<em>likely</em>", "very <em>likely</em>"
    are one phrase the scan sees in pieces, so such a word is left unmarked."""
    if start == inline_end:
        return True
    after = _NEXT_TAG.match(low, end)
    return bool(after and after.group(1) in _INLINE_TAGS)


def _alternatives(phrases) -> str:
    """A regex of the phrases (lower case), longest first, one branch per first letter,
    each a whole word: not after a letter, digit, "_" or "-" (tested once the first
    letter is matched: see _Finder), nor before one."""
    by_first: dict[str, list[str]] = {}
    for w in sorted(phrases, key=lambda w: (-len(w), w)):
        by_first.setdefault(w[0], []).append(w[1:])
    branches = [re.escape(first) + r"(?<![\w-].)(?:" + "|".join(
        r"\s+".join(map(re.escape, rest.split(" "))) for rest in rests) + r")(?![\w-])"
        for first, rests in by_first.items()]
    return "|".join(branches) or r"(?!)"


@functools.lru_cache(maxsize=8)
def _finder(scales: Scales) -> _Finder:
    return _Finder(scales)


def find(scales: Scales, text: str) -> list[Hit]:
    """Every estimative word of a plain text outside quotation marks, in order."""
    return list(_finder(scales).hits(text))


def mark(scales: Scales, html: str) -> str:
    """Sanitised `html` with each likelihood word in an `<abbr>` whose title is its range."""
    html = str(html)  # a Markup's slices would escape the marks added to them
    finder, parts, pos = _finder(scales), [], 0
    for h in finder.hits(html, html=True):
        if h.term is not None:
            title = escape(f"{h.term.range} ({finder.name})")
            parts += [html[pos:h.start], f'<abbr class="likelihood" title="{title}">',
                      h.words, "</abbr>"]
            pos = h.end
    return "".join(parts) + html[pos:] if parts else html


def terms_used(scales: Scales, marked: list[str]) -> tuple[Term, ...]:
    """The likelihood terms in HTML that `mark` marked, once each, in order."""
    kinds = _finder(scales).kinds
    found: dict[Term, None] = {}
    for html in marked:
        for m in _MARKED.finditer(html):
            kind = kinds.get(" ".join(m.group(1).lower().split()))
            if kind and kind[1] is not None:
                found[kind[1]] = None
    return tuple(found)
