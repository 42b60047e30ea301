"""Words and postings: how text becomes terms (as the browser folds a query), and each
term's postings, packed so they sort, merge and store in C.

A posting is `weight << SHIFT | doc` in 32 bits (weight: the saturated,
length-normalised, field-weighted frequency of the term in the document, 1 … 99).
"""
from __future__ import annotations

import math
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from functools import partial
from typing import Iterator

K1, B = 1.2, 0.75
SHIFT = 25
DOC = (1 << SHIFT) - 1  # 33 million document numbers: 16 million for source paragraphs
_WORD = re.compile(r"[^\W_]+")
_MARKS = re.compile("[\u0300-\u036f]")
_ASCII_GAPS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum()})

Packed = tuple[str, bytes, bytes]  # see `pack`


def terms(text: str) -> list[str]:
    """The words of `text` as the index holds them (the browser folds a query the same
    way): lower case, compatibility forms unfolded (NFKD: fullwidth `ＮＡＴＯ` is `nato`, `ﬁ`
    is `fi`), accents taken off, letters and digits only."""
    text = text.lower()
    if text.isascii():  # the same words, five times faster
        return text.translate(_ASCII_GAPS).split()
    return _WORD.findall(_MARKS.sub("", unicodedata.normalize("NFKD", text)))


class Postings:
    """Term -> array of postings, built one document at a time in doc order. Packed so,
    a term's postings sort by weight in C, and stay in doc order as they are added
    (within one kind of document: the paragraphs' postings follow the briefings')."""

    def __init__(self, fields: tuple[tuple[str, float], ...], averages: list[float]):
        self.fields, self.averages = fields, averages
        self.lists: defaultdict[str, array] = defaultdict(partial(array, "I"))

    def add(self, doc: int, texts: list[str]) -> None:
        """Index one document's fields (this runs once for every word of the site: it is
        written for speed)."""
        lists = self.lists
        if len(texts) == 1:  # one field: the weight follows from the count alone
            text = texts[0]
            norm = self.fields[0][1] / (1 - B + B * len(text) / self.averages[0])
            packed = [0] + [_weight(tf * norm) << SHIFT | doc for tf in range(1, 8)]
            for word, tf in Counter(terms(text)).items():
                lists[word].append(packed[tf] if tf < 8 else _weight(tf * norm) << SHIFT | doc)
            return
        self.add_weights(doc, self.weights(texts))

    def weights(self, texts: list[str]) -> dict[str, int]:
        """Each word's weight (see the module doc) in a document of several fields."""
        weighted: dict[str, float] = {}
        for (_, weight), avg, text in sorted(zip(self.fields, self.averages, texts),
                                             key=lambda f: -len(f[2])):
            norm = weight / (1 - B + B * len(text) / avg)
            if not weighted:  # the longest field first: its words need no sum
                weighted = {word: tf * norm for word, tf in Counter(terms(text)).items()}
                continue
            for word, tf in Counter(terms(text)).items():
                weighted[word] = weighted.get(word, 0.0) + tf * norm
        return {word: _weight(w) for word, w in weighted.items()}

    def add_weights(self, doc: int, weights: dict[str, int]) -> None:
        """Index one document by its words' weights (see `weights`)."""
        lists = self.lists
        for word, weight in weights.items():
            lists[word].append(weight << SHIFT | doc)


def _weight(w: float) -> int:
    """A weighted term frequency, saturated (BM25's k1) and scaled to 1 … 99."""
    return 1 + int(98 * w / (w + K1))


def averages(lengths: list[int], count: int) -> list[float]:
    """Each field's average length over `count` documents (`lengths`: each field's, summed),
    on a coarse grid (steps of about 19%): one more document seldom moves it, and with
    it the weight of every posting."""
    return [coarse(total / max(1, count)) for total in lengths]


def coarse(length: float) -> float:
    return 2 ** (round(4 * math.log2(max(1.0, length))) / 4)


def browser_order(word: str) -> bytes:
    """The key words sort by in the order the browser compares strings (UTF-16 units)."""
    return word.encode("utf-16-be", "surrogatepass")


def pack(lists: dict[str, array]) -> Packed:
    """Postings as three values, whatever their number: the words joined by newlines
    (which no word holds), each word's posting count and all postings, as 32-bit arrays."""
    return ("\n".join(lists), array("I", map(len, lists.values())).tobytes(),
            b"".join(flat.tobytes() for flat in lists.values()))


def unpack(packed: Packed) -> Iterator[tuple[str, memoryview]]:
    """(word, its postings' bytes) of packed postings (see `pack`)."""
    words, counts, data = packed
    view, at = memoryview(data), 0
    for word, count in zip(words.split("\n") if words else (), array("I", counts)):
        yield word, view[at:at + 4 * count]
        at += 4 * count
