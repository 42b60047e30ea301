"""A seed document's blocks: the `Block` record, and `Blocks`, the sequence of them
that stays pickled until first read.

The build cache holds the parse of every seed, and a rebuild reads the text of only a
few of them (the source pages rendered again, the citations proven again): kept as one
compressed `bytes` each, the other seeds' paragraphs cost a tenth of the memory and no
unpickling.
"""
from __future__ import annotations

import pickle
import zlib
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Block:
    kind: str  # "heading" | "paragraph"
    text: str  # plain text, not escaped
    id: str | None  # "p1", "p2", … for paragraphs; None for headings
    level: int = 2  # heading level 1-6 (.txt section headings are 2)
    line: int = 0  # 1-based line where the block starts in the source (0: unknown)
    preformatted: bool = False  # code/pre block: keep its newlines


class Blocks(Sequence):
    """An immutable sequence of blocks that pickles to one compressed `bytes` and
    unpickles from it only when first read."""

    __slots__ = ("_items", "_data")

    def __init__(self, items=()) -> None:
        self._items: tuple[Block, ...] | None = tuple(items)
        self._data: bytes | None = None

    def _get(self) -> tuple[Block, ...]:
        if self._items is None:
            self._items, self._data = pickle.loads(zlib.decompress(self._data)), None
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

    def __getstate__(self) -> bytes:
        if self._data is None:
            self._data = zlib.compress(pickle.dumps(self._items, pickle.HIGHEST_PROTOCOL), 1)
        return self._data

    def __setstate__(self, data: bytes) -> None:
        self._items, self._data = None, data
