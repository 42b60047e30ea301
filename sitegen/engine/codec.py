"""Plain-data encoding of memo values for the store: JSON, with each container tagged.

What the store holds can come from anywhere (a site downloaded with its `.sitegen-cache/`),
so decoding must never run code: it builds only JSON values, tuples, lists, dicts, sets,
dates, `Markup`, `Blocks` and dataclasses of sitegen's own modules, by their fields.
Anything else is refused when encoding (a bug to fix, caught by the tests) and when
decoding (`Undecodable`: the entry is ignored and computed again).

Every array is tagged by its first element: ["T", …] a tuple, ["L", …] a list, ["M", k,
v, …] a dict, ["S", …] a frozenset, ["D", "module:Class", field, …] a dataclass, ["d",
"2024-05-01"] a date, ["m", "…"] Markup, ["B", "base64", n] packed Blocks, ["y", "base64"]
bytes. Plain str, int, float, bool and None stand for themselves.
"""
from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import sys
from typing import Any

from markupsafe import Markup

from ..load.blocks import Blocks

_FIELDS: dict[type, tuple[str, tuple[str, ...]]] = {}  # dataclass -> (its name, its fields)
_CLASSES: dict[str, type] = {}  # name -> dataclass, of those decoded so far


class Undecodable(ValueError):
    """Stored bytes that are not a value this code wrote."""


def encode(value: Any) -> bytes:
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"),
                      check_circular=False).encode("utf-8", "surrogatepass")


def decode(data: bytes) -> Any:
    try:
        return _value(json.loads(data.decode("utf-8", "surrogatepass")))
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise Undecodable(str(exc)) from None


def _plain(v: Any) -> Any:
    cls = type(v)
    if cls is str or cls is int or cls is bool or v is None or cls is float:
        return v
    if cls is tuple:
        return ["T", *map(_plain, v)]
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        name, names = _FIELDS.get(cls) or _register(cls)
        return ["D", name, *(_plain(getattr(v, n)) for n in names)]
    if cls is list:
        return ["L", *map(_plain, v)]
    if cls is dict:
        return ["M", *(_plain(x) for item in v.items() for x in item)]
    if cls is frozenset or cls is set:
        return ["S", *sorted(map(_plain, v), key=repr)]
    if cls is dt.date:
        return ["d", v.isoformat()]
    if cls is Markup:
        return ["m", str(v)]
    if cls is Blocks:
        data, count = v.packed()
        return ["B", base64.b64encode(data).decode("ascii"), count]
    if cls is bytes:
        return ["y", base64.b64encode(v).decode("ascii")]
    raise TypeError(f"the store cannot hold a {cls.__module__}.{cls.__qualname__}")


def _register(cls: type) -> tuple[str, tuple[str, ...]]:
    fields = dataclasses.fields(cls)
    if not all(f.init for f in fields) or not cls.__module__.startswith("sitegen."):
        raise TypeError(f"the store cannot hold a {cls.__module__}.{cls.__qualname__}")
    _FIELDS[cls] = (f"{cls.__module__}:{cls.__qualname__}", tuple(f.name for f in fields))
    return _FIELDS[cls]


def _value(v: Any) -> Any:
    if type(v) is not list:
        if type(v) is dict:
            raise Undecodable("an untagged object")
        return v
    tag = v[0]
    if tag == "T":
        return tuple(map(_value, v[1:]))
    if tag == "D":
        return _dataclass(v[1])(*map(_value, v[2:]))
    if tag == "L":
        return list(map(_value, v[1:]))
    if tag == "M":
        items = list(map(_value, v[1:]))
        return dict(zip(items[::2], items[1::2]))
    if tag == "S":
        return frozenset(map(_value, v[1:]))
    if tag == "d":
        return dt.date.fromisoformat(v[1])
    if tag == "m":
        return Markup(v[1])
    if tag == "B":
        return Blocks.from_packed(base64.b64decode(v[1]), int(v[2]))
    if tag == "y":
        return base64.b64decode(v[1])
    raise Undecodable(f"unknown tag {tag!r}")


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
