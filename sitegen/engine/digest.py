"""The engine's digests: of a memo entry's key (`key_digest`), of build values — what a
page's inputs are — in a short string (`Fingerprints`), and of sitegen itself
(`code_digest`).

A key is a tuple of str, bytes, numbers and frozen dataclasses of those, whose repr is
unambiguous and made in C: its digest is that of its repr. Values are object graphs
shared between pages and builds: `Fingerprints` walks them, remembering what it saw.

`Fingerprints()(value)` digests str, bytes, numbers, dates, paths, enums, tuples, lists,
dicts, sets and dataclasses, recursively (type names included, so `1` and `"1"` or two
dataclasses with the same fields differ); a record of the stages by what determines it
(see `_records`: a seed by what it was parsed from, not its paragraphs).
Equal digests mean equal values; any other type gets a digest that never repeats, so it
can only cause a cache miss, never a wrong hit.

Digests of dataclass instances are remembered by identity (containers are not: they are
rarely shared, and remembering them would double the memory a large site's keys take;
nor are small records each held by one record, digested in place: see `_inline`).
Those of deeply immutable ones (frozen, holding only immutable values) are kept across
builds: a seed or a briefing's claims, handed out again by the memo, are digested
once. Records stored with their digests are taken with them (`know`: a new process
does not digest the site's claims again). Others are remembered within one build only
(call `start()` before each build, `prune()` after it).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import itertools
import operator
import sys
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any, Callable

from .. import __version__

# Values digested by their repr, which is unambiguous for these types and never starts with
# "#", "@" or "s" (a str is its length as "s<length>", then itself, whatever it holds).
_ATOMS = frozenset({str, int, float, bool, type(None), complex, dt.date, dt.datetime, dt.time,
                    dt.timedelta})
_unique = itertools.count()


class Fingerprints:
    """Digests values, remembering those of objects it has seen (see the module doc)."""

    def __init__(self) -> None:
        self._seen: dict[int, list] = {}  # id -> [obj, "#digest", immutable?, generation]
        self._kinds: dict[type, tuple[str, Any, bool]] = {}  # type -> (name, getter, frozen)
        self.generation = 0
        self._pruned = 0  # how many digests the last walk of them kept (see `prune`)

    def start(self) -> None:
        self.generation += 1

    def prune(self) -> None:
        """Forget the digests of objects that are not wholly immutable, and of those not
        digested since `start()` that nothing else holds any more (kept, they would never
        be freed). A record that lives on in the site keeps its digest from build to
        build, also through builds that did not ask for it (an edit elsewhere). The
        digests are walked only once they grew by a quarter since the last walk (a large
        site's are many): until then they hold what they digested (let go then), and a
        digest is taken again only while it holds (see `_add`)."""
        if len(self._seen) < self._pruned + self._pruned // 4:
            return
        gen = self.generation
        self._seen = {k: e for k, e in self._seen.items()
                      if e[2] and (e[3] == gen or sys.getrefcount(e[0]) > _ONLY_HERE)}
        self._pruned = len(self._seen)

    def records_of(self, value: Any) -> list[str]:
        """The digests of the records of the stages in `value` (see `_records`: itself
        one, or a tuple of them or of such tuples), in order: to keep with it (`know`)."""
        return list(map(self, self._records_in(value, [])))

    def know(self, value: Any, digests: Any) -> bool:
        """Take the frozen records in `value` to have the `digests` that `records_of` gave
        for an equal value (a stored one's: a new process then need not digest them
        again). False, and nothing taken, where they are not as many digests."""
        records = self._records_in(value, [])
        if type(digests) is not tuple or len(digests) != len(records) or not all(
                type(d) is str and len(d) == 33 and d[0] == "#" for d in digests):
            return False
        seen, gen = self._seen, self.generation
        for record, digest in zip(records, digests):
            if id(record) not in seen:
                seen[id(record)] = [record, digest, True, gen]
        return True

    @staticmethod
    def _records_in(value: Any, found: list) -> list:
        """Rule: only records that `_records` digests (by a faithful repr, or by what made
        them) are known by a stored digest: theirs is the same in every process."""
        if type(value) is tuple:
            for item in value:
                Fingerprints._records_in(item, found)
        elif type(value) in _records():
            found.append(value)
        return found

    def __call__(self, value: Any) -> str:
        parts: list[str] = []
        self._add((value,), parts)
        if len(parts) == 1:  # an atom's repr or a dataclass's "#digest"
            return parts[0]
        return "#" + _hash(parts)

    def _add(self, values, parts: list[str]) -> bool:
        """Append each value's tokens: an atom's repr, a dataclass's '#digest', or a
        container's kind, its items' tokens and an end mark (inline: a digest per
        container would cost more than the container). True when all are immutable."""
        frozen, gen, seen, inline = True, self.generation, self._seen, _inline()
        for v in values:
            cls = type(v)
            if cls is str:  # its length, then itself: a repr would copy a body once more
                parts += ("s%d" % len(v), v)
            elif cls in _ATOMS:
                parts.append(repr(v))
            elif cls is tuple:
                parts.append("(")
                frozen = self._add(v, parts) and frozen
                parts.append(")")
            elif cls is list or cls is dict:
                parts.append("[" if cls is list else "{")
                self._add(v if cls is list else [x for item in v.items() for x in item], parts)
                parts.append("]" if cls is list else "}")
                frozen = False
            elif cls is set or cls is frozenset:
                parts.append("<")
                parts.extend(sorted(self(x) for x in v))
                parts.append(">")
                frozen = False
            elif cls in inline:  # a small record, never shared: its fields in place
                parts.append(inline[cls][0])
                frozen = self._add(inline[cls][1](v), parts) and frozen
                parts.append(")")
            else:
                e = seen.get(id(v))
                if e is None or e[0] is not v or not (e[2] or e[3] == gen):
                    e = self._digest(v)
                e[3] = gen
                parts.append(e[1])
                frozen = frozen and e[2]
        return frozen

    def _digest(self, obj: Any) -> list:
        """Digest a dataclass or a value of another type (and remember it, if a dataclass)."""
        cls = type(obj)
        kind = self._kinds.get(cls) or self._kind(cls)
        parts = [kind[0]]
        if kind[1] is not None:  # dataclass
            frozen = self._add(kind[1](obj), parts) and kind[2]
        else:
            frozen = _other(obj, parts)
        entry = [obj, "#" + _hash(parts), frozen, self.generation]
        if kind[1] is not None:  # containers are rarely shared: only dataclasses are kept
            self._seen[id(obj)] = entry
        return entry

    def _kind(self, cls: type) -> tuple[str, Any, bool]:
        name, getter, frozen = f"{cls.__module__}.{cls.__qualname__}", None, False
        if dataclasses.is_dataclass(cls):
            names = [f.name for f in dataclasses.fields(cls)]
            getter = operator.attrgetter(*names) if len(names) > 1 else (
                lambda obj: tuple(getattr(obj, n) for n in names))
            getter = _records().get(cls, getter)
            frozen = bool(cls.__dataclass_params__.frozen)
        self._kinds[cls] = (name, getter, frozen)
        return self._kinds[cls]


@lru_cache(maxsize=1)
def _records() -> dict[type, Callable[[Any], tuple]]:
    """What determines a record of the stages, where that is less than its fields or is
    said in one value (the engine knows the stages' records; they know nothing of it).
    Rules: a seed is a function of what it was parsed from (not digested by its
    thousands of paragraphs); a claim is its repr (text, numbers, dates and a Ref, each
    with a faithful repr: made in one call, where a walk would digest the claim, its Ref
    and its date one by one). Imported on first use: a build that stops at "nothing
    changed" imports no stage (see commands.build)."""
    from ..load.seeds import Seed
    from ..model.site import Claim
    return {Seed: operator.attrgetter("parsed_from"), Claim: lambda claim: (repr(claim),)}


@lru_cache(maxsize=1)
def _inline() -> dict[type, tuple[str, Callable[[Any], tuple]]]:
    """Records digested in place, in the value holding them, by a mark and their fields
    (frozen, holding only immutable values): small ones, each held by one record, such
    as a source's 65,000 citations at 10,000 briefings, where a digest of each would
    cost more than the record. Rule: the mark starts with "@", as no other part does
    (see `_ATOMS`), and the record's fields end with ")"."""
    from ..model.site import Citation
    return {Citation: (f"@{Citation.__module__}.{Citation.__qualname__}",
                       operator.attrgetter("para", "claim"))}


def same(old: Any, new: Any) -> bool:
    """Whether `new` digests (see `Fingerprints`) as `old` did when it was made, told by
    walking both, without digesting. Rules: an instance of a frozen dataclass is the same
    as itself (the site's records are made once and never changed); a list, dict or other
    dataclass that is the very object it was is not (it may have changed since);
    containers are compared item by item, in order; values of a type Fingerprints does
    not know are never the same."""
    cls = type(old)
    if cls is not type(new):
        return False
    if cls in _ATOMS:  # as Fingerprints tells them: 0.0 and -0.0, or two datetimes of
        return old == new and (cls in _EXACT or repr(old) == repr(new))  # one instant, differ
    if cls is tuple:
        return len(old) == len(new) and _same_items(old, new)
    fields = None if cls is list or cls is dict else _fields(cls)
    if old is new:
        return fields is not None and cls.__dataclass_params__.frozen
    if cls is list:
        return len(old) == len(new) and _same_items(old, new)
    if cls is dict:
        return len(old) == len(new) and _same_items(old, new) \
            and _same_items(old.values(), new.values())
    return fields is not None and _same_items(fields(old), fields(new))


def _same_items(a, b) -> bool:
    """Whether two collections of equal length hold the same items, in order. An item
    that is the very object it was, of a type that never changes (an atom, or a frozen
    dataclass `same` has met), is passed without a call: most items of a page are the
    site's records, the same objects from build to build."""
    for x, y in zip(a, b):
        if (x is not y or type(x) not in _UNCHANGING) and not same(x, y):
            return False
    return True


_ONLY_HERE = 2  # sys.getrefcount of an object only an entry holds (the call's argument too)
_UNCHANGING = set(_ATOMS)  # and the frozen dataclasses `_fields` has met
_EXACT = frozenset({str, int, bool, type(None), dt.date})  # equal values have equal reprs


@lru_cache(maxsize=None)
def _fields(cls: type):
    """A function giving a dataclass's fields as a tuple (None: not a dataclass)."""
    if not dataclasses.is_dataclass(cls):
        return None
    if cls.__dataclass_params__.frozen:
        _UNCHANGING.add(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    return lambda obj: tuple(getattr(obj, n) for n in names)


def _hash(parts: list[str]) -> str:
    return hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def _other(obj: Any, parts: list[str]) -> bool:
    """Parts of a value of another type; True when it is immutable."""
    if isinstance(obj, (str, bytes, int, float)):  # subclasses such as Markup
        parts.append(repr(str(obj) if isinstance(obj, str) else obj))
        return True
    if isinstance(obj, (PurePath, enum.Enum, dt.date, dt.time)):
        parts.append(repr(obj))
        return True
    parts.append(f"unique {next(_unique)}")  # unknown type: never equal to anything
    return False


def key_digest(step: str, key) -> bytes:
    """16 bytes naming a memo entry (see the module doc for what a key holds)."""
    h = _step_hash(step).copy()
    h.update(repr(_shortened(key)).encode("utf-8", "surrogatepass"))
    return h.digest()


_LONG = 256  # characters: a longer str in a key is digested apart (see `_Long`)


def _shortened(value):
    """`value` with each long str in it (or in tuples in it) standing as a `_Long`."""
    cls = type(value)
    if cls is str:
        return _Long(value) if len(value) > _LONG else value
    if cls is tuple:
        return tuple(map(_shortened, value))
    return value


class _Long:
    """A long str of a key (a Markdown text), by its length and digest: Python's repr of
    a str walks it a character at a time, a digest runs over its bytes in C. Rule: the
    repr starts with "<", as no repr of a key's values does (see the module doc)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        data = self.text.encode("utf-8", "surrogatepass")
        return f"<str {len(data)} {hashlib.blake2b(data, digest_size=16).hexdigest()}>"


@lru_cache(maxsize=None)
def _step_hash(step: str):
    """The hash every key of `step` starts from: the code's digest (see engine.store)."""
    return hashlib.blake2b(code_digest().encode(), digest_size=16, person=step.encode()[:16])


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Digest of sitegen's version and every source and data file of the package (read
    once): the code, and tables such as load/estimative.yaml."""
    h = hashlib.blake2b(__version__.encode(), digest_size=16)
    package = Path(__file__).resolve().parent.parent
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.yaml")]):
        h.update(path.relative_to(package).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()
