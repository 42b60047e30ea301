"""The engine's memo (see sitegen.memo for the protocol the stages call): values kept in
memory between the builds of one process (the live preview) and, for the steps in
PERSISTED, in the store between processes (see engine.store).

Rules:
- An entry lives in memory under the stage's own key. A persisted step's entry is also
  stored under the digest of that key (engine.digest), looked up there on a miss, and
  written to the store when the stage settles (`settle`) or the build ends (`save`).
- An entry computed in this process notes the entries its computation asked for (its
  *reads*); using it uses them too, so a value made of many (all the seeds) keeps those
  it was made of in memory and in the store while it stands. A stored entry is stored
  with the digests of what it read (and what those read), and using it, in any later
  process, uses those. (Entries worked out ahead by `run`'s workers are stored without:
  the steps run there read no other entry.)
- Call `start()` before each build. An entry used since then is *used*; `prune()` lets go
  of the others once they are a fifth of the memory or more (forgetting walks them all),
  and `collect()` deletes the unused ones from the store.
- In the first build of a memo (nothing in memory yet), the entries of a step in
  READ_AT_ONCE are read from the store at once, when the step is first asked for (see
  Store.prefetch).
- A warm memo carries one value a step (`carry`) to the next build, which takes it
  (`carried`): the memo holds no other reference to it, so the stage may change it.
- A value of a step in DIGESTED is stored with the digests of the records it holds, and
  a later process that reads it takes them (see Fingerprints.know): they are trusted as
  the stored value is (a store is the site's own: one copied from elsewhere is started
  afresh, see engine.store).
- `run` works out a step's misses ahead on several cores (when there are enough to pay
  for the forks); the stage then asks as usual and gets those values, problems and all.
  A worker encodes the values the store keeps, and they are stored as they arrive (this
  process neither encodes them nor holds the bytes).
"""
from __future__ import annotations

import os
import sqlite3
from collections import Counter, defaultdict
from typing import Hashable, Sequence

from ..errors import Collector, Problem
from ..memo import Compute, T
from ..runtime import parallel
from .codec import Encoded, encode
from .digest import Fingerprints, key_digest
from .reads import split, stored_reads
from .store import Store

LOAD_STEPS = ("file-digest", "seed", "sidecar", "seed-folder", "briefing", "topic", "markdown",
              "claims", "related")  # the load and model stages' (see `settle`)
STREAMED = ("search", "part")  # large values, each used once a build (`_miss`)
# A whole folder's load: only the latest one is worth holding, in memory and in the store.
LATEST_ONLY = ("seeds", "seed-folder")
# A new process asks for nearly every entry of these:
READ_AT_ONCE = LOAD_STEPS
PERSISTED = (*READ_AT_ONCE, "template-names", "search", "part")
# Steps whose values hold records that pages show: stored with the records' digests
# (see `fingerprints`).
DIGESTED = ("claims",)
STALE_SHARE = 20  # the store is collected once 1/STALE_SHARE of what it holds may be stale
_BATCH = 32  # streamed entries stored at a time
_DIGESTED_FORM = "with digests"  # marks a DIGESTED step's stored value (`_stored_form`)
_STORED_AT_ONCE = 512  # entries made by workers, stored in one transaction


class Memo:
    """memo(step, key, compute, out) in memory, and in `store` when given; `workers` > 1
    lets `run` work ahead on that many processes. A memo that is not `warm` (that of a
    single build) computes the steps it does not persist every time: no later build in
    this process could use them."""

    def __init__(self, store: Store | None = None, workers: int = 1, warm: bool = False,
                 fingerprints: Fingerprints | None = None):
        self.store, self.workers, self.warm = store, workers, warm
        # The digests of the pages' keys (see engine.pagekey). A value of a step in
        # DIGESTED is stored with the digests of the records it holds, which a later
        # process takes with it (see Fingerprints.know): a new process does not digest
        # the proven claims of every briefing again to find its pages' keys the same.
        self.fingerprints = fingerprints or Fingerprints()
        self._pid = os.getpid()
        # (step, key) -> [value, problems, generation last used, digest or None, reads,
        # stored reads] (reads: the [step, entry] pairs its computation asked for; stored
        # reads: the (step, digests) pairs stored with it; see the module doc)
        self._entries: dict[tuple[str, Hashable], list] = {}
        # worked out ahead (`run`): (value, problems, whether it is stored already)
        self._ready: dict[tuple[str, Hashable], tuple] = {}
        self._digested: dict[tuple[str, Hashable], bytes] = {}  # by `has`, for the call after
        self._new: list[tuple[str, bytes, object, tuple, tuple]] = []  # not yet stored
        self._streamed = 0  # of them, entries of STREAMED steps
        self._written = 0  # entries that may be stale since the last collection (`to_collect`)
        self._collected_at: int | None = None  # entries in use at the last `collect`
        self._used: dict[str, set[bytes]] = defaultdict(set)  # digests used since `start`
        self._pending: list = []  # what `use` was given, walked when `used` is asked for
        self.generation = 0
        self.stats: Counter = Counter()
        self._fresh = 0  # entries used since `start()`
        self._prefetched: set[str] = set()  # steps read from the store at once
        self._carried: dict[str, object] = {}  # step -> value (see `carry`)
        self._latest: dict[str, Hashable] = {}  # step of LATEST_ONLY -> its one entry's key
        self._reading: list[list] = []  # the reads of the computations under way, innermost last
        self._reading_used: list[list] = []  # entries used whose reads are not yet (`_use`)

    def start(self) -> None:
        self.generation += 1
        self.stats.clear()
        self._used = defaultdict(set)
        self._pending = []
        self._reading_used = []
        self._digested = {}
        self._fresh = 0

    def __call__(self, step: str, key: Hashable, compute: Compute, out: Collector) -> T:
        if not self.warm and step not in PERSISTED:
            self.stats[step, "miss"] += 1
            return compute(out)
        entry = self._entries.get((step, key))
        if entry is None:
            entry = self._miss(step, key, compute)
        else:
            self.stats[step, "hit"] += 1
            if entry[2] != self.generation:
                self._use(step, entry)
        if self._reading:
            self._reading[-1].append((step, entry))
        if entry[1]:
            out.extend(entry[1])
        return entry[0]

    def _use(self, step: str, entry: list) -> None:
        """Count `entry` used; the entries it read, when `_reads_used` is called (an entry
        made of every seed reads 40,000 at 10,000 briefings: walked between builds)."""
        entry[2] = self.generation
        self._fresh += 1
        if entry[3] is not None:
            self._used[step].add(entry[3])
        if entry[5]:
            self._pending.append(entry[5])
        if entry[4]:
            self._reading_used.append(entry)
            if not self.warm:  # a single build: held no longer than it is used
                self._reads_used()

    def _reads_used(self) -> None:
        """Count used what the entries used since `start()` read, and what those read."""
        todo, gen = self._reading_used, self.generation
        while todo:
            for read_step, read in todo.pop()[4]:
                if read[2] != gen:
                    self._use(read_step, read)

    def _computed(self, compute: Compute) -> tuple[object, tuple, tuple]:
        """(value, problems, reads) of one computation (see the module doc)."""
        collector = Collector()
        self._reading.append([])
        try:
            value = compute(collector)
        finally:
            reads = tuple(self._reading.pop())
        return value, tuple(collector.problems), reads

    def _miss(self, step: str, key: Hashable, compute: Compute) -> list:
        digest = self._digested.pop((step, key), None) or self.digest(step, key)
        found = None if (step, key) in self._ready else self._stored(step, digest)
        if found is None:
            ready, reads = self._ready.pop((step, key), None), ()
            if ready is None:
                value, problems, reads = self._computed(compute)
                ready = (value, problems, False)
                self.stats[step, "miss"] += 1
            if digest is not None and not ready[2]:  # (a worker's is stored already)
                self._queue(step, digest, ready[0], ready[1], reads)
            found = (ready[0], ready[1], (), digest)
        else:
            self.stats[step, "hit"] += 1
            reads = ()
        entry = [found[0], tuple(found[1]), -1, found[3], reads, found[2]]
        self._use(step, entry)
        if step in LATEST_ONLY:
            self._entries.pop((step, self._latest.get(step)), None)
            self._latest[step] = key
        if self.warm or step not in STREAMED:
            self._entries[(step, key)] = entry
        return entry

    def _queue(self, step: str, digest: bytes, value, problems: tuple, reads: tuple) -> None:
        """Note a new entry for the store, with the digests of what it read. A single
        build holds no streamed value once it is used: those go to the store in batches."""
        self._new.append((step, digest, self._stored_form(step, value), problems,
                          stored_reads(reads)))
        self._written += 1
        self._streamed += step in STREAMED
        if not self.warm and self._streamed >= _BATCH:
            self._save(STREAMED.__contains__)

    def use(self, pairs) -> None:
        """Count as used the entries named by (step, digests) pairs (digests: 16 bytes
        each, joined; None: none): those of a page that stands, of a carried value. They
        are walked only when the used entries are asked for (`used`, between builds), so
        `pairs` must stay as it is until then. Used within a computation (a carried
        value taken again while it works), they are what it read too: an entry made of
        carried values is stored with what those were made of."""
        if self._reading:
            pairs = tuple(pairs)
            self._reading[-1].append(("", [None, (), -1, None, (), pairs]))  # (see _entries)
        self._pending.append(pairs)

    def stored(self, step: str, key: Hashable) -> bytes | None:
        """The digest the entry of (step, key) is stored under, for `use` (None: not
        stored)."""
        entry = self._entries.get((step, key))
        return entry[3] if entry is not None else self.digest(step, key)

    def digest(self, step: str, key: Hashable) -> bytes | None:
        """The 16-byte digest a persisted step's entry is stored under (None: not stored)."""
        if self.store is None or step not in PERSISTED:
            return None
        return key_digest(step, key)

    def _stored(self, step: str, digest: bytes | None
                ) -> tuple[object, tuple, tuple, bytes] | None:
        if digest is None:
            return None
        self._prefetch(step)
        found = self.store.get(step, digest)
        if found is None:
            return None
        if step in DIGESTED:  # (its mark, value, its records' digests): see `_stored_form`
            stored = found[0]
            if type(stored) is not tuple or len(stored) != 3 or stored[0] != _DIGESTED_FORM \
                    or not self.fingerprints.know(*stored[1:]):
                return None  # not what this code stores: computed again
            found = (stored[1], *found[1:])
        return (*found, digest)

    def has(self, step: str, key: Hashable) -> bool:
        """Whether the value is known without computing it."""
        if (step, key) in self._entries or (step, key) in self._ready:
            return True
        if not self.warm and step not in PERSISTED:
            return False
        digest = self.digest(step, key)
        if digest is None:
            return False
        self._prefetch(step)
        # Kept for the call that asks for the value: a key's digest costs a repr of all
        # the key holds (a whole body, for Markdown).
        self._digested[(step, key)] = digest
        return self.store.has(step, digest)

    def _prefetch(self, step: str) -> None:
        if self.generation == 1 and step in READ_AT_ONCE and step not in self._prefetched:
            self._prefetched.add(step)
            self.store.prefetch(step)

    def run(self, step: str, jobs: Sequence[tuple[Hashable, Compute]],
            label: str | None = None) -> None:
        todo = [job for job in jobs if not self.has(step, job[0])]
        if self.workers <= 1 or len(todo) < parallel.MIN_ITEMS:
            return
        stored: list[tuple[str, bytes, Encoded, tuple, tuple]] = []
        for (key, _compute), result in zip(todo, parallel.fork_map(
                lambda job: self._captured(step, *job), todo, self.workers, label=label)):
            if result is None:
                continue
            value, problems, encoded, digests = result
            if digests is not None:  # (the worker's digests of its records: see `_stored_form`)
                self.fingerprints.know(value, digests)
            self._ready[step, key] = (value, problems, encoded is not None)
            if encoded is not None:  # stored as it comes, as the worker encoded it
                stored.append((step, self._digested[step, key], encoded, problems, ()))
                if len(stored) >= _STORED_AT_ONCE:
                    self._store_now(stored)
                    stored = []
        self._store_now(stored)

    def _store_now(self, entries: list[tuple[str, bytes, Encoded, tuple, tuple]]) -> None:
        """Store entries at once; those the store refuses (a full disk, a lock) are tried
        again, and the failure reported, when the stage settles (see commands.build)."""
        self._written += len(entries)
        try:
            if entries:
                self.store.put(entries)
        except (OSError, sqlite3.Error):
            self._new.extend(entries)

    def _captured(self, step: str, key: Hashable, compute: Compute
                  ) -> tuple[T, tuple[Problem, ...], Encoded | None, tuple | None] | None:
        """(value, problems, the value encoded when the store keeps it: `has` digested
        its key before the fork, the digests of its records where they are stored with
        it), or None when the computation raised: the stage meets the error itself, in
        order, when it asks for that step. Run in a worker: encoding there spares the
        memo's process, which only stores the bytes."""
        collector = Collector()
        try:
            value = compute(collector)
        except Exception:  # noqa: BLE001 - raised again where the stage computes it
            return None
        if (step, key) not in self._digested:
            return value, tuple(collector.problems), None, None
        stored = self._stored_form(step, value)
        return value, tuple(collector.problems), Encoded(encode(stored)), \
            stored[2] if step in DIGESTED else None

    def _stored_form(self, step: str, value):
        """A value as the store holds it: for a step in DIGESTED, (value, the digests of
        its records), which a later process takes with it (see Fingerprints.know)."""
        return (_DIGESTED_FORM, value, tuple(self.fingerprints.records_of(value))) \
            if step in DIGESTED else value

    @property
    def carries(self) -> bool:
        """Whether there is a next build to carry values to: that of a warm memo, in its
        own process (a forked worker's copy ends with its job)."""
        return self.warm and os.getpid() == self._pid

    def carry(self, step: str, value) -> None:
        if self.carries:
            self._carried[step] = value

    def carried(self, step: str):
        return self._carried.pop(step, None)

    # -- between builds ------------------------------------------------------------------

    def settle(self, steps: Sequence[str]) -> None:
        """Store the new entries of `steps` now and let go of them in memory: steps of a
        stage that is done (loading), whose values the site graph does not hold (parsed
        briefings, above all). The processes forked afterwards start smaller."""
        steps = set(steps)
        if self.store is not None:
            self.store.release(steps)
        self._save(lambda step: step in steps)
        self._entries = {k: e for k, e in self._entries.items() if k[0] not in steps}

    def save(self) -> None:
        """Store every new entry."""
        if self.store is not None:
            self.store.release(self._prefetched)
        self._save(lambda _step: True)

    def _save(self, chosen) -> None:
        if self.store is None or os.getpid() != self._pid:  # a worker's are handed over
            return
        todo = [entry for entry in self._new if chosen(entry[0])]
        self._new = [entry for entry in self._new if not chosen(entry[0])]
        self._streamed = sum(entry[0] in STREAMED for entry in self._new)
        if todo:
            self.store.put(todo, LATEST_ONLY)

    def used(self) -> dict[str, set[bytes]]:
        """The digests of the persisted entries used since `start()`, by step."""
        self._reads_used()
        for pairs in self._pending:
            for step, digests in pairs:
                if digests:
                    self._used[step].update(split(digests))
        self._pending = []
        return {step: set(self._used.get(step, ())) for step in PERSISTED}

    def collect(self) -> None:
        """Delete from the store the entries not used since `start()`, when due (see
        `to_collect`)."""
        used = self.to_collect()
        if used:
            self.store.collect(used)

    def to_collect(self) -> dict[str, set[bytes]]:
        """What `Store.collect` takes (the digests of the entries used since `start()`, by
        step) when a collection is due, else {}: once the entries that may be stale come
        to a twentieth of those used. The first time in a process, those are counted (the
        entries stored and not used); after, estimated: those written since (each may
        have replaced one), and as many as fewer are used (a file deleted). So the store
        holds at most about a twentieth more than it needs, and neither a build nor the
        preview's pause walks every entry used for an edit's few (a collection does)."""
        if self.store is None:
            return {}
        used = self.used()
        count = sum(map(len, used.values()))
        if self._collected_at is None:
            self._written = max(0, sum(self.store.steps().values()) - count)
            self._collected_at = count
        if (self._written + max(0, self._collected_at - count)) * STALE_SHARE < count:
            return {}
        self._written, self._collected_at = 0, count
        return used

    def prune(self) -> None:
        """Let go of the entries not used since `start()`, once they are a fifth or more."""
        self._reads_used()
        if (len(self._entries) - self._fresh) * 5 >= len(self._entries) > 0:
            self._entries = {k: e for k, e in self._entries.items()
                             if e[2] == self.generation}

    def __len__(self) -> int:
        return len(self._entries)

    def held_steps(self) -> set[str]:
        """The steps of the entries held in memory."""
        return {step for step, _key in self._entries}

    def held(self, step: str) -> int:
        """The entries of `step` held in memory."""
        return sum(1 for held_step, _key in self._entries if held_step == step)

    def misses(self, step: str) -> int:
        """Values of `step` computed since `start()`."""
        return self.stats[step, "miss"]

    def hits(self, step: str) -> int:
        """Values of `step` handed out again since `start()`, from memory or the store."""
        return self.stats[step, "hit"]
