"""The term shards: the index's terms in the order the browser compares strings, cut
into files of about SHARD_BYTES, each term's row capped at CAP postings."""
from __future__ import annotations

import hashlib
import math
import operator
import zlib
from array import array
from functools import partial
from bisect import bisect_left, bisect_right
from itertools import chain, repeat
from typing import Callable, Iterator

from ..runtime.parallel import fork_map
from ..write import Kept
from .merge import Index
from .postings import DOC, SHIFT, browser_order
from .scripts import json_text

SHARD_BYTES = 32_000  # a term shard holds terms in order up to about this much JSON
CAP = 2_500  # postings kept for one term

# (output paths, digests of what makes each) -> whether each stands: see index_files
Stands = Callable[[list[str], list[str]], list[bool]]


def term_shards(index: Index, firsts: list[str], highest: int, stands: Stands,
                workers: int | None = 1) -> Iterator[tuple[str, bytes] | Kept]:
    """The term shards of `index`, words in order; each shard's first word goes to
    `firsts`. A shard whose words and postings are those the output's file was made from
    (`stands`, by their digest: hashing postings costs a fraction of rendering them) is
    not rendered again: those come first, as one `Kept`. `workers` > 1 renders the rows
    of many shards (a clean build's: all of them) on several cores."""
    digests, index.shard_digests = index.shard_digests, {}
    for words in _cut(index, firsts, highest, digests):
        digest = _known_digest(words, index, digests) or _digest(words, index.postings)
        index.shard_digests[words[0]] = (words, digest)
    shards = list(index.shard_digests.values())  # (words, digest), in order
    stood = stands([_path(words) for words, _ in shards], [digest for _, digest in shards])
    plan = [(words, standing) for (words, _), standing in zip(shards, stood)]
    made = fork_map(partial(_shard, index.postings), [w for w, stood in plan if not stood],
                    workers, label="writing the search index")
    kept = [_path(words) for words, stood in plan if stood]
    if kept:
        yield Kept(kept)
    for words, stood in plan:
        if not stood:
            yield _path(words), next(made)


def _cut(index: Index, firsts: list[str], highest: int,
         digests: dict[str, tuple[list[str], str]]) -> list[list[str]]:
    """The index's words in shards, in order; each shard's first word goes to `firsts`.

    Where a shard ends depends on its words, not on the sizes before it (content-defined,
    as rsync cuts files): a shard starts at a word whose hash is 0 modulo `every`, sized
    so shards hold about SHARD_BYTES (by `_typical` sizes), at least a quarter of that and
    at most twice (by `_most`: no row is larger). Words gaining documents then change
    their own shard only, and `every`, a power of two, changes only when the index
    doubles or halves. Sizes come from the postings alone (`highest`: the highest doc
    number), so a shard's words are known before any of its rows is written. An index
    brought up to date is cut again only around the words that changed (see `_recut`)."""
    digits = len(str(highest)) + 1
    whole = index.changed is None or index.word_sizes[0] != digits
    words = index.words()
    sizes, estimate = _sizes(index, digits)
    per_shard = SHARD_BYTES * len(words) / max(1, estimate)
    every = 2 ** max(0, round(math.log2(max(1.0, per_shard))))
    before = [shard for shard, _digest in digests.values()]  # the last pass's cut
    if whole or every != index.every or not before:
        shards = _scan(words, 0, sizes, every, {})[0]
    else:
        shards = _recut(words, sizes, every, before, index.changed)
    index.every = every
    firsts.extend(shard[0] for shard in shards)
    return shards


def _scan(words: list[str], start: int, sizes: dict, every: int, resync: dict[str, int]
          ) -> tuple[list[list[str]], int | None]:
    """The shards of `words` from `start` (where a shard begins), cut as `_cut` says, to
    the end; or to where a shard begins at a word of `resync`, with its value."""
    shards: list[list[str]] = []
    shard: list[str] = []
    size = most = 0
    for i in range(start, len(words)):  # (not islice: it would walk the words before)
        word = words[i]
        typical, largest, crc = sizes[word]
        if shard and (most + largest > 2 * SHARD_BYTES
                      or (size >= SHARD_BYTES // 4 and crc % every == 0)):
            shards.append(shard)
            if word in resync:
                return shards, resync[word]
            shard, size, most = [], 0, 0
        shard.append(word)
        size, most = size + typical, most + largest
    if shard:
        shards.append(shard)
    return shards, None


def _recut(words: list[str], sizes: dict, every: int, before: list[list[str]],
           changed: set[str]) -> list[list[str]]:
    """`_cut`'s shards, from the last cut (`before`, cut with the same `every`) and the
    words that changed since: the shards around those are cut again, each run of them
    until a new cut meets the start of an old shard past them (as rsync's rolling cut
    finds its place again). Rule: a shard is cut as it was while its words and the next
    shard's first word did not change (where it ends follows from those alone)."""
    keys = [browser_order(shard[0]) for shard in before]
    dirty: set[int] = set()
    for word in changed:  # its shard, and the one before (which may end at it)
        k = max(0, bisect_right(keys, browser_order(word)) - 1)
        dirty.update((k - 1, k) if k else (k,))
    clean = {shard[0]: k for k, shard in enumerate(before) if k not in dirty}
    shards: list[list[str]] = []
    at: int | None = 0  # the old shard reached
    while at is not None and at < len(before):
        if at not in dirty:
            shards.append(before[at])  # the very list: see `_known_digest`
            at += 1
            continue
        # (a run's first shard: the one before is clean, so its first word is still here)
        start = bisect_left(words, keys[at], key=browser_order) if at else 0
        made, at = _scan(words, start, sizes, every, clean)
        shards += made
    return shards


def _sizes(index: Index, digits: int) -> tuple[dict[str, tuple[int, int, int]], int]:
    """Word -> (`_typical`, `_most` size, hash) of each word of `index` (`digits`: see
    `_most`), and the sum of the typical sizes: those of the words whose postings did not
    change as the index kept them."""
    kept_digits, sizes, total = index.word_sizes
    if index.changed is None or kept_digits != digits:
        todo, sizes, total = index.postings, {}, 0
    else:
        todo = index.changed
        for word in todo:
            was = sizes.pop(word, None)
            total -= was[0] if was else 0
    for word in todo:
        flat = index.postings.get(word)
        if flat is not None:
            sizes[word] = found = (_typical(word, flat), _most(word, flat, digits),
                                   zlib.crc32(word.encode("utf-8")))
            total += found[0]
    index.word_sizes = (digits, sizes, total)
    return sizes, total


def _typical(word: str, flat: array) -> int:
    """About the bytes of a word's row in a shard: its postings' doc differences are
    mostly short."""
    return len(word) + 8 + 7 * min(len(flat), CAP)


def _most(word: str, flat: array, digits: int) -> int:
    """At least the bytes of a word's row in a shard, whatever its postings (`digits`:
    the most a doc difference, with its sign, can have)."""
    return 4 * len(word) + 9 + len(str(len(flat))) + (digits + 4) * min(len(flat), CAP)


def shard_name(first: str) -> str:
    """A term shard's name: a digest of its first word (stable while the shard is)."""
    return "t" + hashlib.blake2b(first.encode("utf-8"), digest_size=5).hexdigest()


def _path(words: list[str]) -> str:
    return f"search/t/{shard_name(words[0])}.js"


def _known_digest(words: list[str], index: Index, digests: dict[str, tuple[list[str], str]]
                  ) -> str | None:
    """A shard's digest as the index kept it (`digests`, the previous pass's), while its
    words are the same and none of them changed (or it is the very shard kept); else
    None."""
    before = digests.get(words[0])
    if before and before[0] is words:  # a shard `_recut` kept as it was
        return before[1]
    if before and index.changed is not None and before[0] == words \
            and index.changed.isdisjoint(words):
        return before[1]
    return None


def _shard(postings: dict[str, array], words: list[str]) -> bytes:
    """A term shard's file (in a worker, or here)."""
    rows = [f"{json_text(word)}:{_row(postings[word])}" for word in words]
    return (f'SITEGEN_SEARCH_SHARD("{shard_name(words[0])}",{{' + ",".join(rows)
            + "});\n").encode("utf-8")


def _digest(words: list[str], postings: dict[str, array]) -> str:
    """What a term shard is made from: its words, their postings and the row format."""
    h = hashlib.blake2b(f"{CAP}:{SHIFT}".encode(), digest_size=16)
    for word in words:
        h.update(f"\0{word}\0{len(postings[word])}\0".encode("utf-8", "surrogatepass"))
        h.update(postings[word])
    return h.hexdigest()


def _row(flat: array) -> str:
    """One term's postings as the JSON the browser reads: [capped, document frequency,
    doc, weight, doc (as the difference to the previous one), weight, …], at most CAP."""
    df = len(flat)
    if df > CAP:  # keep the heaviest (a sort of the packed values, in C), in doc order
        flat = sorted(sorted(flat, reverse=True)[:CAP], key=DOC.__and__)
    ids = list(map(operator.and_, flat, repeat(DOC)))
    row = [0] * (2 * len(ids) + 2)
    row[0], row[1] = int(df > CAP), df
    row[2::2] = list(map(operator.sub, ids, chain((0,), ids)))
    row[3::2] = list(map(operator.rshift, flat, repeat(SHIFT)))
    return json_text(row)
