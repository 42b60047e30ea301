"""Markdown for briefing bodies and topic descriptions: `[[links]]`, first-mention
topic links, sanitising of untrusted HTML, likelihood words marked (model.estimative),
and the plain text of the result (for search).

Links to site pages are written as `sitegen:root/<site path>` and made relative per
page by `urls.resolve_marks`, so each body is rendered once whatever page shows it.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass
from html import unescape as html_unescape

import markdown
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify, unescape
from markdown.util import HTML_PLACEHOLDER_RE, AtomicString
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from ..load.estimative import Scales
from ..urls import ROOT_MARK
from . import estimative

WIKILINK_RE = re.compile(r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]")
_SKIP_TAGS = {"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "script", "style"}

_TAGS = set(nh3.ALLOWED_TAGS) | {"details", "summary", "figure", "figcaption", "mark"}
_TAGS -= {"iframe", "object", "embed", "form", "input", "button", "textarea", "select"}
_ATTRS = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
    _ATTRS.setdefault(_tag, set()).add("id")
_ATTRS.setdefault("a", set()).update({"href", "title", "class"})
_ATTRS.setdefault("img", set()).update({"src", "alt", "title", "width", "height"})
for _tag in ("code", "span", "div", "pre"):
    _ATTRS.setdefault(_tag, set()).add("class")
_SCHEMES = {"http", "https", "mailto", "sitegen"}


def _attribute_filter(marks: frozenset[str]):
    def keep(tag: str, attr: str, value: str) -> str | None:
        # Nothing may load from another host: a remote image keeps its alt text only.
        if tag == "img" and attr == "src" and re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", value,
                                                       re.I):
            return None
        # A site link (sitegen:root/…) is one sitegen made: an author's is dropped.
        if value.startswith(ROOT_MARK) and value not in marks:
            return None
        return value
    return keep


_IMG_WITHOUT_SRC = re.compile(r'<img(?![^>]*\ssrc=)(?:[^>]*\salt="([^"]*)")?[^>]*>')


def sanitize(html: str, marks: frozenset[str] = frozenset()) -> str:
    """Drop scripts, event handlers, iframes, `javascript:` URLs, remote images (a
    remote image is replaced by its alt text) and site links other than `marks`."""
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRS, url_schemes=_SCHEMES,
                      link_rel=None, attribute_filter=_attribute_filter(marks))
    return _IMG_WITHOUT_SRC.sub(lambda m: m.group(1) or "", clean)


# Rule: sanitised HTML (nh3's) has every "<" of its text escaped, no comments, and every
# attribute value in double quotes, so a tag is "<" up to the first ">" outside quotes.
_BLOCK_TAG = re.compile(r'</?(?:p|li|h[1-6]|blockquote|pre|td|th|dd|dt|br|div|figcaption'
                        r'|summary)(?=[\s/>])(?:[^>"]|"[^"]*")*>')
_ANY_TAG = re.compile(r'<(?:[^>"]|"[^"]*")*>')


def html_text(fragment: str) -> str:
    """Visible text of a sanitised HTML fragment, with a space wherever a block ends or
    starts, whitespace collapsed."""
    text = _ANY_TAG.sub("", _BLOCK_TAG.sub(" ", fragment))
    return " ".join(html_unescape(text).split())  # split() is re's \s+


@dataclass(frozen=True)
class Link:
    """A resolved `[[target]]`: where it points and its default text (None: not linkable)."""

    site_path: str | None
    title: str


_WORD = re.compile(r"\w+")
_ASCII_NON_WORD = bytes(c if chr(c).isalnum() or c == 95 else 32 for c in range(128)) + b" " * 128


class NameMatcher:
    """Whole-word, case-sensitive occurrences of many names (topic titles and aliases)
    in time linear in the text, whatever the number of names: each word of the text is
    looked up among the first words of the names."""

    def __init__(self, names: dict[str, str]):
        self.by_first: dict[str, list[tuple[str, int, str]]] = {}
        for name in sorted(names, key=lambda n: (-len(n), n)):  # longest name wins
            word = _WORD.search(name)
            if word:
                self.by_first.setdefault(word.group(0), []).append(
                    (name, word.start(), names[name]))
        self._ascii_firsts = frozenset(w.encode() for w in self.by_first if w.isascii())

    def __bool__(self) -> bool:
        return bool(self.by_first)

    def finditer(self, text: str, skip: set[str] = frozenset()):
        """(start, end, slug) of each non-overlapping mention whose slug is not in `skip`."""
        pos = 0
        for at, word in self._first_words(text):
            if at < pos:
                continue
            for name, offset, slug in self.by_first[word]:
                start, end = at - offset, at - offset + len(name)
                if (start >= pos and slug not in skip and text.startswith(name, start)
                        and not (start and _is_word(text[start - 1]))
                        and not (end < len(text) and _is_word(text[end]))):
                    yield start, end, slug
                    pos = end
                    break

    def _first_words(self, text: str) -> list[tuple[int, str]]:
        """(start, word), in order, of each place in `text` where a word that begins a name
        occurs. ASCII text (nearly all) is split into words in C, and only the few words
        found are looked for; some places found then lie inside longer words, which
        `finditer`'s word-boundary test turns down."""
        if not text.isascii():
            return [(m.start(), m.group(0)) for m in _WORD.finditer(text)
                    if m.group(0) in self.by_first]
        found = []
        for word in self._ascii_firsts.intersection(
                text.encode("ascii").translate(_ASCII_NON_WORD).split()):
            word = word.decode("ascii")
            at = text.find(word)
            while at >= 0:
                found.append((at, word))
                at = text.find(word, at + len(word))
        found.sort()
        return found


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


class _WikiLinks(InlineProcessor):
    def __init__(self, renderer: "MarkdownRenderer"):
        super().__init__(WIKILINK_RE.pattern)
        self.renderer = renderer

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown's name)
        link = self.renderer.links.get(m.group(1).strip())
        text = (m.group(2) or "").strip() or (link.title if link else m.group(1).strip())
        if link is None or link.site_path is None:
            el = etree.Element("span")
            el.set("class", "wikilink-missing")
        else:
            el = etree.Element("a")
            el.set("href", ROOT_MARK + link.site_path)
            el.set("class", "wikilink")
            slug = link.site_path.startswith("topics/") and link.site_path.split("/")[1]
            if slug:
                self.renderer.linked_topics.add(slug)
        el.text = text
        return el, m.start(0), m.end(0)


class _FirstMentions(Treeprocessor):
    """Links the first plain-text mention of each topic's title or alias to the topic."""

    def __init__(self, md, renderer: "MarkdownRenderer"):
        super().__init__(md)
        self.renderer = renderer

    def run(self, root):
        if self.renderer.names:
            self._walk(root)

    def _walk(self, el):
        if el.tag in _SKIP_TAGS:
            return
        if el.text:
            el.text, nodes = self._split(el.text)
            for i, node in enumerate(nodes):
                el.insert(i, node)
        for child in list(el):
            self._walk(child)
            if child.tail:
                child.tail, nodes = self._split(child.tail)
                at = list(el).index(child)
                for j, node in enumerate(nodes):
                    el.insert(at + 1 + j, node)

    def _split(self, text: str):
        r = self.renderer
        nodes, head, pos, last = [], text, 0, None
        for start, end, slug in r.names.finditer(text, r.linked_topics):
            r.linked_topics.add(slug)
            a = etree.Element("a")
            a.set("href", ROOT_MARK + f"topics/{slug}/")
            a.set("class", "mention")
            a.text = text[start:end]
            if last is None:
                head = text[:start]
            else:
                last.tail = text[pos:start]
            nodes.append(a)
            last, pos = a, end
        if last is not None:
            last.tail = text[pos:]
        return head, nodes


class _Headings(Treeprocessor):
    """Body headings sit under the page's own h2 sections (`#` and `##` become h3, …)
    and get ids starting with 'h-', unique in the body, that never clash with the
    page's own ids."""

    def run(self, root):
        seen: set[str] = set()
        for el in root.iter():
            if len(el.tag) == 2 and el.tag[0] == "h" and el.tag[1] in "123456":
                el.tag = f"h{min(max(int(el.tag[1]) + 1, 3), 6)}"
                if "id" not in el.attrib:
                    text = unescape(HTML_PLACEHOLDER_RE.sub("", "".join(el.itertext())))
                    base = "h-" + (slugify(text, "-") or "section")
                    ident, n = base, 1
                    while ident in seen:
                        n += 1
                        ident = f"{base}-{n}"
                    seen.add(ident)
                    el.set("id", ident)


# Rule: no inline pattern (Python-Markdown's, "extra"'s or the wikilinks') matches a text
# without one of these characters or a line break ("  \n"): each pattern starts with one
# (an image's "![" with "["). Kept to be safe, though no output has been seen to need
# them: "&" (an entity's pattern; the serializer leaves entities as they are) and STX and
# ETX (the marks of stashed HTML).
_INLINE_SYNTAX = re.compile(r"[`\\\[<&*_\x02\x03]|  \n")


class _PlainText(Treeprocessor):
    """Marks the texts no inline pattern can match as atomic before the inline patterns
    run, so each is not tried against every pattern (a third of a body's rendering).
    Off for a text that defines abbreviations ("*[ABBR]: …"): the abbreviations'
    processor passes over atomic texts."""

    on = True

    def run(self, root):
        if not self.on:
            return
        plain = _INLINE_SYNTAX.search
        for el in root.iter():
            if el.text and type(el.text) is str and not plain(el.text):
                el.text = AtomicString(el.text)
            if el.tail and type(el.tail) is str and not plain(el.tail):
                el.tail = AtomicString(el.tail)


class _Extension(Extension):
    def __init__(self, renderer):
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md):  # noqa: N802
        md.inlinePatterns.register(_WikiLinks(self.renderer), "sitegen-wikilink", 180)
        md.treeprocessors.register(self.renderer.plain_text, "sitegen-plain-text", 21)
        md.treeprocessors.register(_FirstMentions(md, self.renderer), "sitegen-mentions", 15)
        md.treeprocessors.register(_Headings(md), "sitegen-headings", 14)


class MarkdownRenderer:
    """One reusable Markdown instance for a site: `render(text, links, skip_topic)`.
    With `scales` (see load.estimative), likelihood words are marked with their ranges."""

    def __init__(self, names: dict[str, str], scales: Scales | None = None):
        self.scales = scales
        self.names = NameMatcher(names)
        self._mentions = {f"{ROOT_MARK}topics/{slug}/" for slug in set(names.values())}
        self.links: dict[str, Link] = {}
        self.linked_topics: set[str] = set()
        self.plain_text = _PlainText()
        self._md = markdown.Markdown(
            extensions=["extra", "sane_lists", _Extension(self)], output_format="html")

    def render(self, text: str, links: dict[str, Link], skip_topic: str | None = None) -> str:
        """Markdown → sanitised HTML; `links` maps each `[[target]]` to its resolution."""
        self.links = links
        self.linked_topics = {skip_topic} if skip_topic else set()
        self.plain_text.on = "*[" not in text  # see _PlainText
        marks = self._mentions | {ROOT_MARK + link.site_path for link in links.values()
                                  if link.site_path}
        try:
            html = sanitize(self._md.reset().convert(text), frozenset(marks))
            return estimative.mark(self.scales, html) if self.scales else html
        finally:
            self.links, self.linked_topics = {}, set()


def wikilinks(text: str, first_line: int) -> list[tuple[str, int]]:
    """Every `[[target]]` in a Markdown text with its line number."""
    found = []
    for m in WIKILINK_RE.finditer(text):
        found.append((m.group(1).strip(), first_line + text.count("\n", 0, m.start())))
    return found
