"""What every seed reader returns: a document's own metadata and its blocks before numbering.

A reader (`seed_txt`, `seed_html`, `seed_pdf`, `seed_docx`, `seed_web`) turns one file into a
`Document`; `seeds` numbers its paragraphs. A reader that cannot read a file at all (a PDF
with no text layer, an encrypted or broken file) raises `Unreadable`, whose message says
what is wrong and what would be right.
"""
from __future__ import annotations

import datetime
from typing import NamedTuple


class Chunk(NamedTuple):
    """One block before paragraph numbering."""

    kind: str  # "heading" | "paragraph"
    text: str
    level: int = 2
    line: int = 0
    pre: bool = False
    page: int = 0  # page it starts on (PDF seeds: from the file's first page); 0: no pages


class Document(NamedTuple):
    """A file read: its blocks, and what the file itself says of its title, author, date
    (a sidecar's keys win over these)."""

    title: str | None
    chunks: list[Chunk]
    author: str | None = None
    published: datetime.date | None = None


class Unreadable(Exception):
    """The file cannot be read as a seed of its format; `code` is the problem's code."""

    def __init__(self, message: str, code: str = "seed-parse"):
        super().__init__(message)
        self.message, self.code = message, code
