"""HTML and Markdown seeds → text chunks, via a forgiving tag-soup reader (HTML 4 or 5, upper
case, unclosed tags). Markdown is rendered by Python-Markdown first, then read the same way.

Only block structure survives: headings, preformatted text and paragraphs (p, li, dt/dd, table
rows, address, figcaption, and text runs directly inside div-like containers). Inline markup is
dropped and its text kept; script, style, head, hidden and other invisible content never comes
through. Two <br> in a row end a paragraph (old pages use them instead of <p>). A table row whose
cells hold only inline text is one paragraph, cells joined by " | "; a layout table (cells holding
blocks or <br><br>) is read as containers.
"""
from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

import markdown

from .document import Chunk


HEADINGS = {f"h{n}": n for n in range(1, 7)}
PRE = {"pre", "xmp", "listing", "plaintext"}
LEAVES = {"p", "li", "dt", "dd", "figcaption", "address", "caption", "summary", "legend"}
CONTAINERS = {
    "div", "section", "article", "main", "header", "footer", "nav", "aside", "blockquote",
    "ul", "ol", "dl", "menu", "dir", "table", "thead", "tbody", "tfoot", "td", "th", "form",
    "fieldset", "figure", "details", "center", "hgroup", "noframes", "dialog", "search",
}
BLOCKS = set(HEADINGS) | PRE | LEAVES | CONTAINERS | {"tr", "hr"}
SKIP = {
    "script", "style", "noscript", "template", "iframe", "object", "applet", "svg", "math",
    "canvas", "audio", "video", "select", "textarea", "datalist",
}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "basefont", "bgsound", "frame", "keygen", "isindex",
}
TABLE_PARTS = {"tr", "td", "th", "thead", "tbody", "tfoot", "caption"}
CLOSES_P = BLOCKS - TABLE_PARTS
P_SCOPE = {"table", "td", "th", "caption"}
SECTIONS = {"thead", "tbody", "tfoot"}
# start tag -> (open elements it implicitly closes, elements that stop the search)
IMPLIED = {
    "li": ({"li"}, {"ul", "ol", "menu", "dir"} | P_SCOPE),
    "dt": ({"dt", "dd"}, {"dl"} | P_SCOPE),
    "dd": ({"dt", "dd"}, {"dl"} | P_SCOPE),
    "tr": ({"tr"}, {"table"}),
    "td": ({"td", "th"}, {"tr", "table"}),
    "th": ({"td", "th"}, {"tr", "table"}),
    **{s: (SECTIONS, {"table"}) for s in SECTIONS},
}
# Often left unclosed, so a hidden one must not start a skip that would swallow the page.
UNCLOSED = LEAVES | TABLE_PARTS | {"option", "colgroup"}
MAX_DEPTH = 200  # deeper blocks are flattened into their parent (no recursion limit trouble)
BR = "\x00"  # marker for <br> (NUL bytes are rejected before decoding, so it cannot be text)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_:.-]+)", re.I)
_INVISIBLE = str.maketrans("", "", "\u00ad\u200b\ufeff")


def collapse(text: str) -> str:
    """Collapse runs of whitespace (any Unicode space, including no-break) to one space,
    dropping soft hyphens and zero-width spaces."""
    return " ".join((text if text.isascii() else text.translate(_INVISIBLE)).split())


def declared_charset(data: bytes) -> str | None:
    """The charset an HTML page declares, as browsers read it (ISO-8859-1/ASCII mean cp1252)."""
    m = _CHARSET.search(data[:4096])
    try:
        name = codecs.lookup(m.group(1).decode("ascii")).name if m else None
    except LookupError:
        return None
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


class _Node:
    __slots__ = ("tag", "line", "children")

    def __init__(self, tag: str, line: int):
        self.tag, self.line = tag, line
        self.children: list[_Node | tuple[str, int]] = []


class _TreeBuilder(HTMLParser):
    """Builds a tree of block elements only; text (with its line) hangs off the nearest block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("#root", 1)
        self.stack = [self.root]
        self.titles: list[list[str]] = []
        self._in_title = False
        self._skip: list | None = None  # [tag, nesting depth] while inside invisible content

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self._skip:
            self._skip[1] += tag == self._skip[0]
            return
        self._in_title = False  # tags are not allowed in <title>: one ends it
        if tag == "title":
            self._in_title = True
            self.titles.append([])
        elif tag in SKIP or (tag not in UNCLOSED and _hidden(attrs)):
            if tag not in VOID:
                self._skip = [tag, 1]
        elif tag == "br":
            self._add(BR)
        elif tag in BLOCKS:
            self._implied_close(tag)
            node = _Node(tag, self.getpos()[0])
            self.stack[-1].children.append(node)
            if tag not in VOID and len(self.stack) < MAX_DEPTH:
                self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[0]:
                self._skip[1] -= 1
                if not self._skip[1]:
                    self._skip = None
        elif tag == "title":
            self._in_title = False
        elif tag == "br":  # browsers read </br> as <br>
            self._add(BR)
        elif tag in BLOCKS:
            self._close(set(HEADINGS) if tag in HEADINGS else {tag}, set())

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._in_title:
            self.titles[-1].append(data)
        else:
            self._add(data)

    def _add(self, text: str) -> None:
        line = self.getpos()[0]
        if text != BR:
            line += text[: len(text) - len(text.lstrip())].count("\n")
        self.stack[-1].children.append((text, line))

    def _implied_close(self, tag: str) -> None:
        if tag in CLOSES_P:
            self._close({"p"}, P_SCOPE)
        if tag in HEADINGS and self.stack[-1].tag in HEADINGS:
            self.stack.pop()
        if tag in IMPLIED:
            self._close(*IMPLIED[tag])

    def _close(self, names: set[str], boundaries: set[str]) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag in names:
                del self.stack[i:]
                return
            if self.stack[i].tag in boundaries:
                return


def _hidden(attrs: list) -> bool:
    return any(k == "hidden" or (k == "style" and v and _HIDDEN_STYLE.search(v)) for k, v in attrs)


def extract(html: str) -> tuple[str | None, list[Chunk]]:
    """The <title> (None if absent or empty) and the blocks of an HTML document."""
    builder = _TreeBuilder()
    try:
        builder.feed(html)
        builder.close()
    except AssertionError:  # _markupbase gives up on some malformed <![...]> sections
        pass  # keep what was read so far
    out: list[Chunk] = []
    _walk(builder.root, out)
    titles = (collapse("".join(parts)) for parts in builder.titles)
    return next((t for t in titles if t), None), out


def _walk(node: _Node, out: list[Chunk]) -> None:
    """Emit the blocks of a container: its block children and the text runs between them."""
    run: list[tuple[str, int]] = []
    for child in node.children:
        if isinstance(child, tuple):
            run.append(child)
            continue
        _flush(run, out)
        run = []
        tag = child.tag
        if tag in HEADINGS:
            text = collapse("".join(" " if t == BR else t for t, _ in _items(child)))
            if text:
                out.append(Chunk("heading", text, HEADINGS[tag], child.line))
        elif tag in PRE:
            _pre(child, out)
        elif tag in LEAVES:
            _flush(_items(child), out)
        elif tag == "tr":
            _row(child, out)
        elif tag != "hr":
            _walk(child, out)
    _flush(run, out)


def _items(node: _Node, into: list | None = None) -> list[tuple[str, int]]:
    """All text below a node, nested blocks folded in with a space around them."""
    into = [] if into is None else into
    for child in node.children:
        if isinstance(child, tuple):
            into.append(child)
        else:
            into.append((" ", child.line))
            _items(child, into)
            into.append((" ", child.line))
    return into


def _flush(items: list[tuple[str, int]], out: list[Chunk]) -> None:
    """Text items → paragraph(s): whitespace collapsed, split at two <br> in a row."""
    piece: list[tuple[str, int]] = []
    brs = 0
    for text, line in items:
        if text == BR:
            brs += 1
            if brs == 2:
                _emit(piece, out)
                piece = []
            text = " "
        elif text.strip():
            brs = 0
        piece.append((text, line))
    _emit(piece, out)


def _emit(piece: list[tuple[str, int]], out: list[Chunk]) -> None:
    text = collapse("".join(t for t, _ in piece))
    if text:
        out.append(Chunk("paragraph", text, line=next(n for t, n in piece if t.strip())))


def _pre(node: _Node, out: list[Chunk]) -> None:
    items = _items(node)
    text = "".join("\n" if t == BR else t for t, _ in items)
    text = re.sub(r"^(?:[ \t\f]*\n)+", "", text).rstrip()
    if text.strip():
        line = next((n for t, n in items if t.strip() and t != BR), node.line)
        out.append(Chunk("paragraph", text, line=line, pre=True))


def _row(tr: _Node, out: list[Chunk]) -> None:
    cells = [c for c in tr.children if isinstance(c, _Node)]
    if len(cells) <= 1 or any(_holds_blocks(c) for c in cells):  # a layout table
        _walk(tr, out)
        return
    parts = [[c] if isinstance(c, tuple) else _items(c) for c in tr.children]
    texts = [collapse("".join(" " if t == BR else t for t, _ in items)) for items in parts]
    if any(texts):
        line = next(n for items in parts for t, n in items if t != BR and t.strip())
        out.append(Chunk("paragraph", " | ".join(t for t in texts if t), line=line))


def _holds_blocks(cell: _Node) -> bool:
    brs = sum(1 for c in cell.children if isinstance(c, tuple) and c[0] == BR)
    return brs > 1 or any(isinstance(c, _Node) for c in cell.children)


# -- documents ---------------------------------------------------------------------------------

def markdown_chunks(text: str) -> tuple[str | None, list[Chunk]]:
    """Render, extract, then find each block's source line; a leading h1 is the title."""
    html = markdown.Markdown(extensions=["fenced_code", "tables"]).convert(text)
    chunks = locate(extract(html)[1], text.split("\n"))
    if chunks and chunks[0].kind == "heading" and chunks[0].level == 1:
        return chunks[0].text, chunks[1:]
    return None, chunks


def locate(chunks: list[Chunk], lines: list[str], window: int = 2000) -> list[Chunk]:
    """Best-effort source lines for blocks read from a rendering of the source (Markdown,
    a saved page's article): find each block's first words, in order."""
    out, cursor = [], 0
    for chunk in chunks:
        words = re.findall(r"[^\W_]+", chunk.text)
        found = 0
        for probe in (words[:3], words[:1]) if words else ():
            rx = re.compile(r"[\W_]+".join(map(re.escape, probe)))
            found = next((i + 1 for i in range(cursor, min(len(lines), cursor + window))
                          if rx.search(lines[i])), 0)
            if found:
                cursor = found
                break
        out.append(chunk._replace(line=found))
    return out


def html_chunks(text: str) -> tuple[str | None, list[Chunk]]:
    """Title = <title>, else the first h1 (which then leaves the blocks)."""
    title, chunks = extract(text)
    if title is None:
        h1 = next((i for i, c in enumerate(chunks) if c.kind == "heading" and c.level == 1), None)
        if h1 is not None:
            title = chunks.pop(h1).text
    return title, chunks
