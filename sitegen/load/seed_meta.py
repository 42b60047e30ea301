"""Seed metadata: the optional `seeds/<id>.yaml` sidecar, checked key by key with the line
of each problem. What a citation of the document needs (title, source, author, published,
url, retrieved, archived_url, language) and how to read and publish it (extract, original)."""
from __future__ import annotations

import datetime
import difflib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import yaml

from ..errors import Collector
from .fields import LANGUAGE_TAG, PartialDate, parse_partial_date
from .seed_html import collapse

META_KEYS = ("archived_url", "author", "extract", "language", "original", "published",
             "reliability", "retrieved", "source", "title", "url")
# The Admiralty (NATO) code: a source's reliability, judged apart from any one item's
# credibility (load.content.CREDIBILITY).
RELIABILITY = {"A": "completely reliable", "B": "usually reliable", "C": "fairly reliable",
               "D": "not usually reliable", "E": "unreliable",
               "F": "reliability cannot be judged"}
_DATES = ("published", "retrieved")
_URLS = ("url", "archived_url")
_FLAGS = ("extract", "original")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class SeedMeta:
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: datetime.date | PartialDate | None = None  # a day, or a month or year
    author: str | None = None
    retrieved: datetime.date | PartialDate | None = None  # when the copy was taken
    archived_url: str | None = None  # a lasting copy, e.g. in a web archive
    language: str | None = None  # BCP 47 tag of the document's language
    extract: bool | None = None  # web pages: article text only (None: when it has page chrome)
    original: bool = True  # offer the file for download (config `originals` too)
    reliability: str | None = None  # A–F (RELIABILITY)

    def over(self, found: "SeedMeta") -> "SeedMeta":
        """These values, each unset one taken from `found` (what the file says itself)."""
        return SeedMeta(**{k: getattr(self, k) if getattr(self, k) is not None
                           else getattr(found, k) for k in self.__slots__})

    @property
    def published_from(self) -> datetime.date | None:
        """The first day `published` can mean (of its month or year), for comparing."""
        p = self.published
        if isinstance(p, PartialDate):
            return datetime.date(p.year, p.month or 1, 1)
        return p


def parse_meta(relpath: str, text: str | None, col: Collector) -> SeedMeta:
    """Metadata from the text of `<id>.yaml` (None: it could not be decoded); every problem
    goes to `col` with the line of the offending key or value."""
    try:
        root = yaml.compose(text, Loader=_LOADER) if text is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        col.error(relpath, mark.line + 1 if mark else None,
                  f"invalid YAML: {getattr(exc, 'problem', None) or exc}", code="sidecar-yaml")
        return SeedMeta()
    if root is None:
        return SeedMeta()
    if not isinstance(root, yaml.MappingNode):
        col.error(relpath, root.start_mark.line + 1,
                  f"expected 'key: value' lines (valid keys: {', '.join(META_KEYS)})",
                  code="sidecar-key")
        return SeedMeta()
    values: dict[str, object] = {}
    for knode, vnode in root.value:
        key = knode.value if isinstance(knode, yaml.ScalarNode) else None
        line = knode.start_mark.line + 1
        if key in values:
            col.error(relpath, line, f"duplicate key '{key}'", code="sidecar-key")
        elif key in META_KEYS:
            values[key], problem = _meta_value(key, vnode)
            if problem:
                col.error(relpath, vnode.start_mark.line + 1, problem, code="sidecar-value")
        else:
            col.error(relpath, line, _unknown_key(key), code="sidecar-key")
    return SeedMeta(**{k: v for k, v in values.items() if v is not None})


def _unknown_key(key: object) -> str:
    valid = f"(valid keys: {', '.join(META_KEYS)})"
    if not isinstance(key, str):
        return f"keys must be plain words {valid}"
    close = difflib.get_close_matches(key.lower(), META_KEYS, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"unknown key '{key}'{hint} {valid}"


def _meta_value(key: str, node: yaml.Node) -> tuple[object, str | None]:
    """(value, error message) of one sidecar key; strings are collapsed to one line."""
    if not isinstance(node, yaml.ScalarNode):
        kind = "list" if isinstance(node, yaml.SequenceNode) else "mapping"
        return None, f"'{key}' must be a single value, not a {kind}"
    raw = collapse(node.value)
    if node.tag == "tag:yaml.org,2002:null" or not raw:
        return None, None
    if key in _FLAGS:
        if node.tag != "tag:yaml.org,2002:bool":
            return None, f"'{key}' must be true or false, got '{raw}'"
        return raw.lower() in ("true", "yes", "on", "y"), None
    if key in _DATES:
        if not re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", raw):
            return None, (f"'{key}' must be a date like 2024-01-31 (or 2024-01, or 2024), "
                          f"got '{raw}'")
        when = parse_partial_date(raw)
        if when is None:
            return None, f"'{key}' is not a real date: '{raw}'"
        return (datetime.date(when.year, when.month, when.day) if when.day else when), None
    if key in _URLS:
        try:
            parts = urlsplit(raw)
        except ValueError:
            parts = None
        if not parts or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            return None, f"'{key}' must be an http:// or https:// address, got '{raw}'"
    if key == "reliability":
        if raw.upper() not in RELIABILITY:
            return None, (f"'reliability' must be a grade from A to F (A completely reliable … "
                          f"E unreliable, F cannot be judged), got '{raw}'")
        return raw.upper(), None
    if key == "language" and not LANGUAGE_TAG.match(raw):
        return None, f"'language' must be a language tag like en or pt-BR, got '{raw}'"
    return raw, None
