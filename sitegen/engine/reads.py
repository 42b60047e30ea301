"""What an entry's computation read, as the store keeps it with the entry: (step, the
digests of that step's entries, joined) pairs. Using a stored entry, in any later
process, uses what it read (see engine.memo)."""
from __future__ import annotations

from collections import defaultdict

from .codec import Undecodable


def stored_reads(reads: tuple) -> tuple[tuple[str, bytes], ...]:
    """The (step, digests) pairs of the stored entries `reads` names (see `Memo._entries`),
    and of what those read, as `use` takes them: what using an entry stored with them
    uses, in any later process."""
    if not reads:
        return ()
    found: dict[str, set[bytes]] = defaultdict(set)
    seen: set[int] = set()
    todo = list(reads)
    while todo:
        step, entry = todo.pop()
        if id(entry) in seen:
            continue
        seen.add(id(entry))
        if entry[3] is not None:
            found[step].add(entry[3])
        todo.extend(entry[4])
        for read_step, digests in entry[5]:
            if digests:  # (None: a value `use` was told of that is not stored)
                found[read_step].update(split(digests))
    return tuple((step, b"".join(sorted(digests))) for step, digests in sorted(found.items()))


def split(digests: bytes) -> list[bytes]:
    """16-byte digests, joined, one by one."""
    return [digests[i:i + 16] for i in range(0, len(digests), 16)]


def decoded_reads(value) -> tuple[tuple[str, bytes], ...]:
    """Stored reads (see `Store.get`) as written, or Undecodable."""
    if type(value) is not list or not all(
            type(pair) is list and len(pair) == 2 and type(pair[0]) is str
            and type(pair[1]) is bytes and len(pair[1]) % 16 == 0 for pair in value):
        raise Undecodable("reads")
    return tuple(map(tuple, value))
