"""A seed document's blocks: the `Block` record, and `Blocks`, the sequence of them
that stays packed: read from the cache, it unpacks on each read and keeps nothing.

The store holds the parse of every seed, and a build reads each seed's text once
or twice (its source page, the citations proven again): kept as one compressed `bytes`
each, paragraphs cost a fraction of the memory, and reading them does not hold them in
memory (a large site's source pages would otherwise keep every seed's text in the
process that renders them). LZ4, not zlib: at 10,000 seeds zlib cost 1.7 s more CPU in
a cold build, for 14 MB less.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import lz4.block


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "heading" | "paragraph"
    text: str  # plain text, not escaped
    id: str | None  # "p1", "p2", … for paragraphs; None for headings
    level: int = 2  # heading level 1-6 (.txt section headings are 2)
    line: int = 0  # 1-based line where the block starts in the source (0: unknown)
    preformatted: bool = False  # code/pre block: keep its newlines
    page: int = 0  # page the block starts on (PDF seeds: from the file's first page); 0: no pages


class Blocks(Sequence):
    """An immutable sequence of blocks that packs to one compressed `bytes` (`packed`: the
    blocks' fields as JSON rows, LZ4; also when pickled to another process). Made from
    that (`from_packed`), it reads them from it on each use (take them once:
    `tuple(blocks)`), and knows its paragraphs' count and their text's length (the search
    index's average) without reading."""

    __slots__ = ("_items", "_data", "paragraph_count", "paragraph_chars")

    def __init__(self, items=()) -> None:
        self._items: tuple[Block, ...] | None = tuple(items)
        self._data: bytes | None = None
        paragraphs = [b.text for b in self._items if b.kind == "paragraph"]
        self.paragraph_count, self.paragraph_chars = len(paragraphs), sum(map(len, paragraphs))

    def _get(self) -> tuple[Block, ...]:
        if self._items is None:
            rows = json.loads(lz4.block.decompress(self._data).decode("utf-8", "surrogatepass"))
            return tuple(Block(str(k), str(t), i if i is None else str(i), int(lv), int(ln),
                               bool(pre), int(pg)) for k, t, i, lv, ln, pre, pg in rows)
        return self._items

    def __getitem__(self, index):
        return self._get()[index]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self):
        return iter(self._get())

    def __eq__(self, other) -> bool:
        if isinstance(other, (Blocks, tuple)):
            return self._get() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._get())

    def __repr__(self) -> str:
        return f"Blocks({self._get()!r})"

    def packed(self) -> tuple[bytes, int, int]:
        """(the packed blocks, the paragraph count, their text's length)."""
        if self._data is None:
            rows = [(b.kind, b.text, b.id, b.level, b.line, b.preformatted, b.page)
                    for b in self._items]
            self._data = lz4.block.compress(json.dumps(rows, ensure_ascii=False).encode(
                "utf-8", "surrogatepass"))
        return self._data, self.paragraph_count, self.paragraph_chars

    @classmethod
    def from_packed(cls, data: bytes, paragraph_count: int, paragraph_chars: int) -> Blocks:
        blocks = cls.__new__(cls)
        blocks.__setstate__((data, paragraph_count, paragraph_chars))
        return blocks

    def __getstate__(self) -> tuple[bytes, int, int]:
        return self.packed()

    def __setstate__(self, state: tuple[bytes, int, int]) -> None:
        self._items = None
        self._data, self.paragraph_count, self.paragraph_chars = state
