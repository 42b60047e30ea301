"""The index: every group's postings merged, word -> array of postings in doc order (the
groups' one after another), with what it was made from. A rebuild in the same process
starts from the previous build's index and replaces the postings of the groups whose
key changed, in each word they had or have; the result is the index a merge from
nothing makes (the oracle tests hold it to that).
"""
from __future__ import annotations

from array import array
from bisect import bisect_left, insort
from typing import Sequence

from .documents import Group
from .postings import DOC, SHIFT, Packed, browser_order, unpack


def _order(posting: int) -> int:
    """A posting's place in a word's array: the briefings' docs (even) in order, then the
    paragraphs' (odd)."""
    return (posting & 1) << SHIFT | (posting & DOC)


def _bounds(groups: list[Group], i: int) -> tuple[int, int | None]:
    """The places (see `_order`) of group `i`'s first document and of the next group's of
    its kind (None after the last group of paragraphs)."""
    kind, start = groups[i]
    odd = int(kind == "p")
    first = odd << SHIFT | 2 * start + odd
    after = groups[i + 1] if i + 1 < len(groups) else None
    if after and after[0] == kind:
        return first, odd << SHIFT | 2 * after[1] + odd
    return first, None if odd else 1 << SHIFT  # a kind's last group: to its kind's end


class Index:
    """Word -> postings of every group (`postings`); `changed`: the words whose postings
    the latest `add`s changed (None: all may have); `holding(i)`: whether a carried
    index has group i's postings in already (`stored`: the memo digests they are kept
    under, so the memo counts them used without being asked); `shard_digests`: the term
    shards' words and digests, by first word, `word_sizes` and `every`, kept by
    termshards (valid while none of a shard's words, or the word, changed)."""

    def __init__(self, groups: Sequence[Group], keys: Sequence[str], holds: bool = False):
        self.groups, self.keys = list(groups), list(keys)
        # Each group's postings as added, when the index `holds` them (one carried to the
        # next build, see `anew`): a group replaced touches only the words whose postings
        # in it differ.
        self.holds = holds
        self.held: list[Packed | None] = [None] * len(self.groups)
        self.stored: list[bytes | None] = [None] * len(self.groups)  # their memo digests
        self.postings: dict[str, array] = {}
        self.changed: set[str] | None = None
        self.shard_digests: dict[str, tuple[list[str], str]] = {}
        # Kept by termshards likewise: each word's sizes in a shard, as measured for
        # (the first value) a highest document number's digits, and their typical sum;
        # and what the words' hashes were cut by (see termshards._cut).
        self.word_sizes: tuple[int, dict[str, tuple[int, int, int]], int] = (0, {}, 0)
        self.every = 0
        self._pending: set[int] | None = None  # the groups to replace; None: merge all
        self._sorted: list[str] | None = None  # the words, in the browser's order

    @classmethod
    def anew(cls, previous: "Index | None", groups: Sequence[Group], keys: Sequence[str],
             hold: bool = False) -> "Index":
        """The index to `add` every group's postings to: the previous one, when it has
        the same groups and most of their keys (then only the groups whose key changed
        are taken in), else an empty one. `hold`: it will be carried to the next build
        (it holds each group's postings: a memo carrying it holds them already)."""
        if previous is None or not (previous.holds and hold) or previous.groups != list(groups):
            return cls(groups, keys, hold)
        pending = {i for i, (old, new) in enumerate(zip(previous.keys, keys)) if old != new}
        if 2 * len(pending) > len(keys):
            return cls.anew(None, groups, keys, hold)
        previous.keys, previous._pending, previous.changed = list(keys), pending, set()
        return previous

    def holding(self, i: int) -> bool:
        """Whether group `i`'s postings are in already: the index was carried, holds them,
        and the group's key is the one they were added with (see `anew`)."""
        return self._pending is not None and i not in self._pending \
            and self.held[i] is not None

    def add(self, i: int, packed: Packed, stored: bytes | None = None) -> None:
        """Take in group `i`'s postings (groups in order, each once, but those it is
        `holding`); `stored`: the digest the memo keeps them under, held with them."""
        self.stored[i] = stored
        if self._pending is None:
            for word, data in unpack(packed):
                flat = self.postings.get(word)
                if flat is None:
                    flat = self.postings[word] = array("I")
                flat.frombytes(data)
        elif i in self._pending:
            self._replace(i, packed)
        if self.holds:
            self.held[i] = packed

    def _replace(self, i: int, packed: Packed) -> None:
        lo, hi = _bounds(self.groups, i)
        new, old = dict(unpack(packed)), dict(unpack(self.held[i]))
        for word in {*old, *new}:
            was = old.get(word)
            if was is not None and was == new.get(word):
                continue  # the group's postings of this word are as they were
            flat = self.postings.get(word)
            if flat is None:
                flat = self.postings[word] = array("I")
                if self._sorted is not None:
                    insort(self._sorted, word, key=browser_order)
            start = bisect_left(flat, lo, key=_order)
            segment = array("I")
            if word in new:
                segment.frombytes(new[word])
            end = len(flat) if hi is None else bisect_left(flat, hi, start, key=_order)
            if flat and flat[start:end] == segment:  # the group's other documents: as they were
                continue
            flat[start:end] = segment
            if not flat:
                del self.postings[word]
                if self._sorted is not None:
                    del self._sorted[bisect_left(self._sorted, browser_order(word),
                                                 key=browser_order)]
            self.changed.add(word)

    def words(self) -> list[str]:
        """Every word, in the order the browser compares strings in (UTF-16 code units)."""
        if self._sorted is None:
            self._sorted = sorted(self.postings, key=browser_order)
        return self._sorted
