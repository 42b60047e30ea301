"""Knowing what stands: a stamp of every input of a build, and the record of the last
successful build in the store, so a no-change rebuild costs a walk over file metadata and
the pages of the last build can stand while their keys are unchanged.

The stamp covers the files at the site root (config.SITE_FILES), everything under content/ and seeds/, the
theme's folders (the site's and the bundled ones), the build options and sitegen's own
code. The record also notes the identity of the output folder's marker file, so an
output replaced or removed since is noticed.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from ..errors import Problem
from ..load import files
from ..load.config import SITE_FILES
from .digest import code_digest
from .store import Store

UNSETTLED = "+unsettled"


class _Stamp:
    """A digest of the metadata of files (`files.metadata`); a file changed within
    `files.SETTLE_NS` of the scan makes the stamp unsettled (`files.unsettled`)."""

    def __init__(self) -> None:
        self.h = hashlib.blake2b(digest_size=16)
        self.since = time.time_ns() - files.SETTLE_NS
        self.newest = 0  # the latest modification or change time seen, in ns

    @property
    def settled(self) -> bool:
        return self.newest < self.since

    def file(self, shown: str, path: str) -> None:
        self._add([(shown, self._stat(path, None))])

    def _stat(self, path: str, entry: os.DirEntry | None) -> os.stat_result:
        try:
            return entry.stat() if entry else os.stat(path)
        except FileNotFoundError:  # a link to nothing: the load reports it
            return os.lstat(path)

    def _add(self, found: list[tuple[str, os.stat_result]]) -> None:
        """One update for many files: a folder of thousands costs a stat each, little more."""
        metadata = [(shown, files.metadata(st)) for shown, st in found]
        self.newest = max(self.newest, *(max(m[1], m[2]) for _, m in metadata), 0)
        self.h.update(repr(metadata).encode("utf-8", "surrogateescape"))

    def folder(self, folder: Path) -> None:
        if folder.is_dir():
            self._walk(str(folder), set())

    def _walk(self, path: str, seen: set[str]) -> None:
        """Files in name order, then each folder's. Links inside the site are inputs too
        (see load.files); each folder once."""
        seen.add(os.path.realpath(path))
        with os.scandir(path) as listing:
            entries = sorted(listing, key=lambda e: e.name)
        folders = [e.path for e in entries if e.is_dir()]
        self._add([(e.path, self._stat(e.path, e)) for e in entries
                   if not e.is_dir() and not files.passed_over(e.name)])  # editors' lock links
        for sub in folders:
            if os.path.realpath(sub) not in seen:
                self._walk(sub, seen)


def stamp(root: Path, theme_dirs: list[Path], options: tuple) -> str:
    """Digest of the metadata of every input file, the options and the code; one that
    ends in UNSETTLED is never taken for "nothing changed" (see _Stamp)."""
    s = _Stamp()
    s.h.update(repr((code_digest(), options)).encode())
    for name in SITE_FILES:
        if (root / name).is_file():
            s.file(name, str(root / name))
    for folder in (root / "content", root / "seeds", *theme_dirs):
        s.folder(folder)
    return s.h.hexdigest() + ("" if s.settled else UNSETTLED)


def _identity(marker: Path) -> list[int]:
    """Which output folder this is (its marker file) and when its top level last changed.
    Edits deeper inside the output by hand are not looked for: it is sitegen's folder."""
    st, folder = marker.stat(), marker.parent.stat()
    return [st.st_dev, st.st_ino, st.st_mtime_ns, folder.st_mtime_ns]


def _record(store: Store, out: Path, marker: str) -> dict | None:
    """The last successful build's record, if `out` is still the folder it wrote."""
    record = store.last_build()
    try:
        if record and record["out"] == str(out.resolve()) \
                and record["marker"] == _identity(out / marker):
            return record
    except (OSError, KeyError, TypeError):
        pass
    return None


def up_to_date(store: Store, out: Path, current: str, marker: str) -> list[Problem] | None:
    """The warnings of the last build when it had this stamp and its output is still in
    place; None when a build is needed."""
    record = _record(store, out, marker)
    try:
        if record and record["stamp"] == current and not current.endswith(UNSETTLED):
            return [Problem(**w) for w in record["warnings"]]
    except (KeyError, TypeError):
        pass
    return None


def output_intact(store: Store, out: Path, marker: str) -> bool:
    """Whether `out` is still the output folder the last successful build wrote."""
    return _record(store, out, marker) is not None


def record(out: Path, marker: str, current: str, warnings: list[Problem]) -> dict:
    """The record of a build just done (see Store.commit_build)."""
    return {"stamp": current, "out": str(out.resolve()), "marker": _identity(out / marker),
            "warnings": [w.__dict__ for w in warnings]}
