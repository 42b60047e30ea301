"""Parsing one seed document: its bytes (.txt, .md, .html, .pdf, .docx) into numbered
text blocks, and a sidecar's bytes into metadata. Pure functions of bytes; `load.seeds`
reads the files. Paragraphs are numbered p1, p2, … in document order (headings are not
numbered).
"""
from __future__ import annotations

from typing import Callable

from ..errors import Collector, Problem
from .blocks import Block, Blocks
from .document import Chunk, Document, Unreadable
from .seed_charset import decode
from .seed_html import html_chunks, markdown_chunks
from .seed_meta import SeedMeta, parse_meta
from .seed_txt import txt_chunks
from .seed_web import has_chrome, web_document


def _number(chunks: list[Chunk]) -> tuple[Block, ...]:
    blocks, n = [], 0
    for c in chunks:
        if c.kind == "paragraph":
            n += 1
            blocks.append(Block("paragraph", c.text, f"p{n}", line=c.line, preformatted=c.pre,
                                page=c.page))
        else:
            blocks.append(Block("heading", c.text, None, level=c.level, line=c.line, page=c.page))
    return tuple(blocks)


def _text_document(reader: Callable) -> Callable[[str], Document]:
    def read(text: str) -> Document:
        title, chunks = reader(text)
        return Document(title, chunks)
    return read


def _pdf(data: bytes) -> Document:
    from .seed_pdf import pdf_document  # its library is imported only for a site with PDFs
    return pdf_document(data)


def _docx(data: bytes) -> Document:
    from .seed_docx import docx_document
    return docx_document(data)


_TEXT_READERS = {"txt": _text_document(txt_chunks), "md": _text_document(markdown_chunks),
                 "html": _text_document(html_chunks), "web": web_document}
_FILE_READERS = {"pdf": _pdf, "docx": _docx}  # formats read from bytes, not text


def parse_seed(seed_id: str, relpath: str, data: bytes, fmt: str,
               extract: bool | None = None) -> tuple[SeedMeta, Blocks, list[Problem]]:
    """(what the document says of itself, its blocks, problems) of one document; pure.
    `extract`: an HTML page's article only (None: when it has page chrome; see seed_web)."""
    col = Collector()
    try:
        if fmt in _FILE_READERS:
            doc = _FILE_READERS[fmt](data)
        else:
            text = decode(data, relpath, fmt, col)
            if text is None:
                return SeedMeta(), Blocks(), col.problems
            web = fmt == "html" and (extract if extract is not None else has_chrome(text))
            doc = _TEXT_READERS["web" if web else fmt](text)
    except Unreadable as exc:
        col.error(relpath, None, exc.message, code=exc.code)
        return SeedMeta(), Blocks(), col.problems
    except RecursionError:  # e.g. thousands of nested Markdown blockquotes
        col.error(relpath, None, "document is nested too deeply to read", code="seed-parse")
        return SeedMeta(), Blocks(), col.problems
    chunks = doc.chunks
    if chunks and chunks[0].kind == "heading" and doc.title and chunks[0].text == doc.title:
        chunks = chunks[1:]  # the title heads the source page already
    blocks = _number(chunks)
    if not any(b.kind == "paragraph" for b in blocks):
        col.error(relpath, None, "no paragraphs found", code="seed-empty")
    return SeedMeta(title=doc.title or None, author=doc.author, published=doc.published), \
        Blocks(blocks), col.problems


# -- sidecar metadata -----------------------------------------------------------------------

def parse_sidecar(relpath: str, data: bytes) -> tuple[SeedMeta, list[Problem]]:
    """Metadata from the bytes of `<id>.yaml` (see seed_meta), with its problems."""
    col = Collector()
    meta = parse_meta(relpath, decode(data, relpath, "yaml", col), col)
    return meta, col.problems
