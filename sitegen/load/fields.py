"""Checks shared by every YAML-backed file: known keys, value types, dates, slugs.

Each check reports into a `Collector` with the file and line and returns a clean
value (or None), so one pass over a file finds all of its problems.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any, Iterable

from ..errors import Collector
from .yamlsrc import YamlDoc

SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")  # BCP 47, e.g. en, pt-BR


def suggest(word: str, options: Iterable[str]) -> str:
    """' did you mean 'x'?' for the closest option, or ''."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A timeline date: a year, a year and month, or a full day (sortable, printable)."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __str__(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def __lt__(self, other: "PartialDate") -> bool:
        return self.key < other.key


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def parse_partial_date(value: Any) -> PartialDate | None:
    """'2014', '2014-03', '2014-03-18' → PartialDate; None when impossible or malformed."""
    m = _DATE_RE.match(str(value).strip())
    if not m:
        return None
    year, month, day = (int(g) if g else None for g in m.groups())
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return None
    return PartialDate(year, month, day)


class Fields:
    """Typed access to the keys of one YAML mapping, reporting problems as it goes."""

    def __init__(self, doc: YamlDoc, relpath: str, out: Collector, path: tuple = (),
                 what: str = "file"):
        self.doc, self.relpath, self.out, self.path, self.what = doc, relpath, out, path, what
        node = doc.data
        for part in path:
            node = node[part]
        self.data = node if isinstance(node, dict) else {}
        if not isinstance(node, dict):
            self.error((), f"expected a mapping of keys for the {what}, got {_kind(node)}",
                       "wrong-type")

    def line(self, *sub: Any) -> int:
        return self.doc.line(*(self.path + sub))

    def error(self, sub: tuple, message: str, code: str = "bad-value") -> None:
        self.out.error(self.relpath, self.line(*sub), message, code=code)

    def check_keys(self, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        allowed = sorted(allowed)
        for key in self.data:
            if key not in allowed:
                self.error((key,), f"unknown key '{key}' in {self.what}{suggest(key, allowed)} "
                                   f"(valid keys: {', '.join(allowed)})", "unknown-key")
        for key in required:
            if key in self.data and self.data[key] == []:
                self.error((key,), f"'{key}' is an empty list in {self.what}: it needs at "
                                   "least one item", "empty-key")
            elif key in self.data and self.data[key] in (None, ""):
                self.error((key,), f"'{key}' is empty in {self.what}: write its value after "
                                   f"'{key}:'", "empty-key")
            elif key not in self.data:
                self.error((), f"missing required key '{key}' in {self.what} (required keys: "
                               f"{', '.join(required)})", "missing-key")

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, (dict, list)) or isinstance(value, bool):
            self.error((key,), f"'{key}' must be text, got {_kind(value)}", "wrong-type")
            return None
        return str(value).strip()

    def choice(self, key: str, options: tuple[str, ...]) -> str | None:
        value = self.text(key)
        if value is not None and value not in options:
            self.error((key,), f"'{key}' must be one of {', '.join(options)}, got '{value}'"
                               f"{suggest(value, options)}")
            return None
        return value

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error((key,), f"'{key}' must be true or false, got {value!r}", "wrong-type")
            return default
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            value = [value]  # `seeds: abc` is accepted as a one-item list
        if not isinstance(value, list):
            self.error((key,), f"'{key}' must be a list, like [a, b], got {_kind(value)}",
                       "wrong-type")
            return ()
        items = []
        for i, item in enumerate(value):
            if isinstance(item, (dict, list)) or item is None or isinstance(item, bool):
                self.error((key, i), f"'{key}' item {i + 1} must be text, got {_kind(item)}",
                           "wrong-type")
            else:
                items.append(str(item).strip())
        return tuple(items)

    def day(self, key: str) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            return None
        date = parse_partial_date(value)
        if date is None or date.day is None:
            self.error((key,), f"'{key}' must be a real date written YYYY-MM-DD, got '{value}'",
                       "bad-date")
            return None
        return dt.date(date.year, date.month, date.day)

    def records(self, key: str, what: str) -> list["Fields"]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error((key,), f"'{key}' must be a list of {what}s, got {_kind(value)}",
                       "wrong-type")
            return []
        return [Fields(self.doc, self.relpath, self.out, self.path + (key, i), what)
                for i in range(len(value))]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"'{value}'"
