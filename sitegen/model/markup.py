"""Markdown for briefing bodies and topic descriptions: `[[links]]`, first-mention
topic links, and sanitising of untrusted HTML.

Links to site pages are written as `sitegen:root/<site path>` and made relative per
page by `urls.resolve_marks`, so each body is rendered once whatever page shows it.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
import nh3
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor

from ..urls import ROOT_MARK

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


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    # Nothing may load from another host: a remote image keeps its alt text only.
    if tag == "img" and attr == "src" and re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", value, re.I):
        return None
    return value


_IMG_WITHOUT_SRC = re.compile(r'<img(?![^>]*\ssrc=)(?:[^>]*\salt="([^"]*)")?[^>]*>')


def sanitize(html: str) -> str:
    """Drop scripts, event handlers, iframes, `javascript:` URLs and remote images
    (a remote image is replaced by its alt text)."""
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRS, url_schemes=_SCHEMES,
                      link_rel=None, attribute_filter=_attribute_filter)
    return _IMG_WITHOUT_SRC.sub(lambda m: m.group(1) or "", clean)


@dataclass(frozen=True)
class Link:
    """A resolved `[[target]]`: where it points and its default text (None: not linkable)."""

    site_path: str | None
    title: str


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
        if self.renderer.names_re is not None:
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
        for m in r.names_re.finditer(text):
            slug = r.names[m.group(0)]
            if slug in r.linked_topics:
                continue
            r.linked_topics.add(slug)
            a = etree.Element("a")
            a.set("href", ROOT_MARK + f"topics/{slug}/")
            a.set("class", "mention")
            a.text = m.group(0)
            if last is None:
                head = text[:m.start()]
            else:
                last.tail = text[pos:m.start()]
            nodes.append(a)
            last, pos = a, m.end()
        if last is not None:
            last.tail = text[pos:]
        return head, nodes


class _DemoteHeadings(Treeprocessor):
    """Body headings sit under the page's own h2 sections: `#` becomes h3, `##` h3, …"""

    def run(self, root):
        for el in root.iter():
            if len(el.tag) == 2 and el.tag[0] == "h" and el.tag[1] in "123456":
                el.tag = f"h{min(max(int(el.tag[1]) + 1, 3), 6)}"


class _Extension(Extension):
    def __init__(self, renderer):
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md):  # noqa: N802
        md.inlinePatterns.register(_WikiLinks(self.renderer), "sitegen-wikilink", 180)
        md.treeprocessors.register(_FirstMentions(md, self.renderer), "sitegen-mentions", 15)
        md.treeprocessors.register(_DemoteHeadings(md), "sitegen-demote", 14)


class MarkdownRenderer:
    """One reusable Markdown instance for a site: `render(text, links, skip_topic)`."""

    def __init__(self, names: dict[str, str]):
        self.names = names  # topic title or alias -> topic slug
        self.names_re = None
        if names:
            alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            self.names_re = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
        self.links: dict[str, Link] = {}
        self.linked_topics: set[str] = set()
        self._md = markdown.Markdown(
            extensions=["extra", "sane_lists", "toc", _Extension(self)],
            extension_configs={"toc": {"permalink": False}}, output_format="html")

    def render(self, text: str, links: dict[str, Link], skip_topic: str | None = None) -> str:
        """Markdown → sanitised HTML; `links` maps each `[[target]]` to its resolution."""
        self.links = links
        self.linked_topics = {skip_topic} if skip_topic else set()
        try:
            return sanitize(self._md.reset().convert(text))
        finally:
            self.links, self.linked_topics = {}, set()


def wikilinks(text: str, first_line: int) -> list[tuple[str, int]]:
    """Every `[[target]]` in a Markdown text with its line number."""
    found = []
    for m in WIKILINK_RE.finditer(text):
        found.append((m.group(1).strip(), first_line + text.count("\n", 0, m.start())))
    return found
