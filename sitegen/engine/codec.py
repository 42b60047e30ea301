"""Plain-data encoding of memo values for the store: JSON, with each container tagged.

What the store holds can come from anywhere (a site downloaded with its `.sitegen-cache/`),
so decoding must never run code: it builds only JSON values, tuples, lists, dicts, sets,
dates, `Markup`, `Blocks` and dataclasses of sitegen's own modules, by their fields.
Anything else is refused when encoding (a bug to fix, caught by the tests) and when
decoding (`Undecodable`: the entry is ignored and computed again).

Every array is tagged by its first element: ["T", …] a tuple, ["L", …] a list, ["M", k,
v, …] a dict, ["S", …] a frozenset, ["D", "module:Class", field, …] a dataclass, ["d",
"2024-05-01"] a date, ["m", "…"] Markup, ["B", i, n, c] packed Blocks (with their
paragraph count and text length) and ["y", i] bytes,
whose bytes are the i-th attachment. Plain str, int, float, bool and None stand for
themselves.

The encoded form is one byte saying how the rest is laid out — b"j": the JSON text;
b"a": the JSON text's length (4 bytes), the text, then each attachment after its length
(4 bytes) — or b"z" and that form compressed with LZ4, for anything over `COMPRESS`
bytes (the store's values are text that compresses to a third, and LZ4 unpacks at
several GB/s).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from typing import Any

import lz4.block
from markupsafe import Markup

from ..load.blocks import Blocks

COMPRESS = 512
MAX_UNPACKED = 256 << 20  # bytes one stored value may unpack to
_FIELDS: dict[type, tuple[str, tuple[str, ...]]] = {}  # dataclass -> (its name, its fields)
_CLASSES: dict[str, type] = {}  # name -> dataclass, of those decoded so far


class Undecodable(ValueError):
    """Stored bytes that are not a value this code wrote."""


class Encoded(bytes):
    """A value `encode` made already (in a worker process): stored as it is."""


def encode(value: Any) -> bytes:
    attached: list[bytes] = []
    text = json.dumps(_plain(value, attached), ensure_ascii=False, separators=(",", ":"),
                      check_circular=False).encode("utf-8", "surrogatepass")
    if attached:
        data = b"".join([b"a", len(text).to_bytes(4, "big"), text,
                         *(len(a).to_bytes(4, "big") + a for a in attached)])
    else:
        data = b"j" + text
    return b"z" + lz4.block.compress(data) if len(data) > COMPRESS else data


def decode(data: bytes) -> Any:
    try:
        if data[:1] == b"z":
            if int.from_bytes(data[1:5], "little") > MAX_UNPACKED:  # LZ4's size header
                raise Undecodable("too large")
            data = lz4.block.decompress(data[1:])
        if data[:1] == b"j":
            text, attached = data[1:], []
        elif data[:1] == b"a":
            end = 5 + int.from_bytes(data[1:5], "big")
            text, attached = data[5:end], _attachments(data, end)
        else:
            raise Undecodable("not a stored value")
        return _value(json.loads(text.decode("utf-8", "surrogatepass")), attached)
    except Undecodable:
        raise
    except Exception as exc:  # noqa: BLE001 - whatever a forged entry makes fail (deep
        raise Undecodable(repr(exc)) from None  # nesting, huge numbers …) means "not ours"


def _attachments(data: bytes, at: int) -> list[bytes]:
    found = []
    while at < len(data):
        end = at + 4 + int.from_bytes(data[at:at + 4], "big")
        if end > len(data):
            raise Undecodable("a cut attachment")
        found.append(data[at + 4:end])
        at = end
    return found


def _plain(v: Any, attached: list[bytes]) -> Any:
    cls = type(v)
    if cls is str or cls is int or cls is bool or v is None or cls is float:
        return v
    if cls is tuple:
        return ["T", *(_plain(x, attached) for x in v)]
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        name, names = _FIELDS.get(cls) or _register(cls)
        return ["D", name, *(_plain(getattr(v, n), attached) for n in names)]
    if cls is list:
        return ["L", *(_plain(x, attached) for x in v)]
    if cls is dict:
        return ["M", *(_plain(x, attached) for item in v.items() for x in item)]
    if cls is frozenset or cls is set:
        return ["S", *sorted((_plain(x, attached) for x in v), key=repr)]
    if cls is dt.date:
        return ["d", v.isoformat()]
    if cls is Markup:
        return ["m", str(v)]
    if cls is Blocks:
        data, count, chars = v.packed()
        attached.append(data)
        return ["B", len(attached) - 1, count, chars]
    if cls is bytes:
        attached.append(v)
        return ["y", len(attached) - 1]
    raise TypeError(f"the store cannot hold a {cls.__module__}.{cls.__qualname__}")


def _register(cls: type) -> tuple[str, tuple[str, ...]]:
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields) or not cls.__module__.startswith("sitegen."):
        raise TypeError(f"the store cannot hold a {cls.__module__}.{cls.__qualname__}")
    _FIELDS[cls] = (f"{cls.__module__}:{cls.__qualname__}", tuple(f.name for f in fields))
    return _FIELDS[cls]


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _value(v: Any, attached: list[bytes]) -> Any:
    if type(v) is not list:
        if type(v) is dict:
            raise Undecodable("an untagged object")
        return v
    tag = v[0]
    if tag == "T":
        return tuple(_items(v, 1, attached))
    if tag == "D":
        return _dataclass(v[1])(*_items(v, 2, attached))
    if tag == "L":
        return _items(v, 1, attached)
    if tag == "M":
        items = _items(v, 1, attached)
        return dict(zip(items[::2], items[1::2]))
    if tag == "S":
        return frozenset(_items(v, 1, attached))
    if tag == "d":
        return dt.date.fromisoformat(v[1])
    if tag == "m":
        return Markup(v[1])
    if tag == "B":
        return Blocks.from_packed(attached[v[1]], int(v[2]), int(v[3]))
    if tag == "y":
        return attached[v[1]]
    raise Undecodable(f"unknown tag {tag!r}")


def _items(v: list, start: int, attached: list[bytes]) -> list:
    """The values of a tagged array's elements from `start`. Rule: a plain value stands
    for itself without a call (most are: this is the hot loop of a rebuild's load)."""
    scalars = _SCALARS
    return [x if type(x) in scalars else _value(x, attached) for x in v[start:]]


def _dataclass(name: str) -> type:
    """A dataclass of a sitegen module already imported, by "module:Class"; never imports."""
    cls = _CLASSES.get(name)
    if cls is None:
        module, _, qualname = str(name).partition(":")
        cls = getattr(sys.modules.get(module) if module.startswith("sitegen.") else None,
                      qualname, None)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)
                and _register(cls)[0] == name):
            raise Undecodable(f"not a sitegen record: {name!r}")
        _CLASSES[name] = cls
    return cls
