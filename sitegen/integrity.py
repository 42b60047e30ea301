"""The output's integrity manifest: `SHA256SUMS`, the SHA-256 of every file of the site, in
the format of coreutils' `sha256sum`, so a copy (a USB stick, a zip) can be checked offline
with `sha256sum -c SHA256SUMS` or `sitegen verify DIR`, which also names extra files.

The writer (sitegen.write) builds it as it writes: each file's digest is taken from the
bytes it writes, or, for a file that stands from the previous build, from the previous
manifest. The manifest does not list itself, nor the output folder's marker file.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from bisect import bisect_left
from itertools import compress
from operator import ne
from pathlib import Path
from typing import Iterable

from .load.files import file_sha256

MANIFEST = "SHA256SUMS"
_HEX = frozenset("0123456789abcdef")


def manifest(digests: dict[str, str]) -> bytes:
    """The manifest's bytes: one `<sha256>  <path>` line per file, sorted by path. A path
    holding a backslash or a newline is escaped as sha256sum does (a leading backslash)."""
    return Listed(digests).data()


class Listed:
    """The manifest listing `digests` (which it then owns: they must not change), made from
    the `last` one's lines where it can: a rebuild changes few of tens of thousands of
    files, whose lines alone are made again while the files listed are the same.
    `fresh`: the paths whose digests may differ from the last one's (the caller knows the
    others' are the same), or None. `same`: whether it is the last one."""

    def __init__(self, digests: dict[str, str], last: "Listed | None" = None,
                 fresh: Iterable[str] | None = None) -> None:
        self.digests, self.same, self._data = digests, False, None
        if last is None or digests.keys() != last.digests.keys():
            self._order = sorted(digests)
            self._lines = list(map(_line, self._order, map(digests.__getitem__, self._order)))
            return
        was = last.digests
        if fresh is None:
            fresh = compress(digests, map(ne, digests.values(), map(was.__getitem__, digests)))
        changed = [rel for rel in fresh if digests[rel] != was[rel]]
        self._order, self._lines = last._order, list(last._lines) if changed else last._lines
        for rel in changed:
            self._lines[bisect_left(self._order, rel)] = _line(rel, digests[rel])
        self.same = not changed

    def data(self) -> bytes:
        """The manifest's bytes."""
        if self._data is None:
            self._data = b"".join(self._lines)
        return self._data


def _line(rel: str, digest: str) -> bytes:
    """A path's line, with its newline."""
    if "\\" in rel or "\n" in rel:
        line = "\\" + digest + "  " + rel.replace("\\", "\\\\").replace("\n", "\\n")
    else:
        line = f"{digest}  {rel}"
    return (line + "\n").encode("utf-8", "surrogateescape")


def read_manifest(data: bytes) -> tuple[dict[str, str], list[int]]:
    """(path -> digest, the numbers of lines that are not manifest lines)."""
    found, bad = {}, []
    for number, line in enumerate(data.decode("utf-8", "surrogateescape").splitlines(), 1):
        escaped = line.startswith("\\")
        digest, sep, rel = line[escaped:].partition("  ")
        if escaped:
            rel = rel.replace("\\n", "\n").replace("\\\\", "\\")
        if not sep or len(digest) != 64 or not _HEX.issuperset(digest) or not _safe(rel):
            bad.append(number)
        else:
            found[rel] = digest
    return found, bad


def _safe(rel: str) -> bool:
    """A relative path that stays inside the folder."""
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and ".." not in parts and "" not in parts


@dataclass
class Report:
    """What `verify` found; `ok` when the copy is exactly what the manifest lists."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.extra or self.bad_lines)


def verify(folder: Path, ignore: frozenset[str] = frozenset()) -> Report:
    """Check a copied site against its manifest. A symbolic link counts as changed (the
    site has none); `ignore`: files that are not listed by design (the marker file).
    Raises FileNotFoundError when there is no manifest."""
    listed, bad = read_manifest((folder / MANIFEST).read_bytes())
    report = Report(bad_lines=bad)
    for rel, digest in sorted(listed.items()):
        path = folder / rel
        if path.is_symlink() or (path.exists() and not path.is_file()):
            report.changed.append(rel)
        elif not path.exists():
            report.missing.append(rel)
        elif file_sha256(path) != digest:
            report.changed.append(rel)
        report.checked += 1
    top = str(folder)
    for dirpath, _dirnames, filenames in os.walk(top):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), top).replace(os.sep, "/")
            if rel not in listed and rel != MANIFEST and rel not in ignore:
                report.extra.append(rel)
    report.extra.sort()
    return report
