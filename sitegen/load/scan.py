"""What the site's input files are at one moment: one walk over their metadata, by the
rules of `load.files`. The same scan says whether anything changed since the last build
(engine.record), which files of a folder are as they were (load.seeds) and, scan after
scan, what the live preview must rebuild for (runtime.watch).

Rules:
- An input is a file under one of the scanned folders, or one of the scanned files;
  hidden files and folders, editors' backups and litter are none (`files.passed_over`).
  Links are followed (each folder once); a link to nothing is an input too (the load
  reports it), and a link says where it leads.
- A file changed within `files.SETTLE_NS` of the scan is *racy*: its metadata says
  nothing (see `files.unsettled`), so its content is digested. A comparison of two scans,
  or of a scan with a recorded one, compares racy files by content.
"""
from __future__ import annotations

import copy
import hashlib
import os
import time
from pathlib import Path
from typing import Iterable

from . import files
from .files import UNREADABLE, file_sha256, listing, unsettled


class Scan:
    """The inputs under `tops` (paths relative to `root`, or absolute ones outside it),
    each by its shown name: its path relative to `root`, or its absolute path."""

    def __init__(self, root: Path, tops: Iterable[str | Path]) -> None:
        self.root = Path(root)
        self.since = time.time_ns() - files.SETTLE_NS
        self.files: dict[str, tuple] = {}  # shown name -> metadata, device, where it leads
        self.racy: dict[str, str] = {}  # shown name -> sha256 of the bytes
        self.folders: dict[str, str] = {}  # shown name -> real path
        self._links: bool | None = None  # see `_linked`
        self.tops: set[str] = set()  # shown names of `tops`
        started = time.perf_counter()
        for top in tops:
            shown = Path(top).as_posix()
            self.tops.add(shown)
            path = self.root / top
            try:
                if path.is_dir():
                    self._walk(path, shown, set())
                elif path.is_file() or path.is_symlink():
                    self._add(shown, path, None)
            except OSError:
                continue  # vanished while we looked: the next scan sees it
        self.seconds = time.perf_counter() - started

    def _walk(self, folder: Path, shown: str, visited: set) -> None:
        """Files in name order, then each folder's; each folder once (a link may lead
        back up)."""
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in visited:
            return
        visited.add((st.st_dev, st.st_ino))
        self.folders[shown] = os.path.realpath(folder)
        subfolders = []
        for entry in listing(folder):
            try:
                if entry.is_dir():
                    subfolders.append(entry)
                else:  # (a Path a file would cost a third of the scan)
                    self._add(f"{shown}/{entry.name}", entry.path, entry)
            except OSError:
                continue
        for entry in subfolders:
            try:
                self._walk(Path(entry.path), f"{shown}/{entry.name}", visited)
            except OSError:
                continue

    def _add(self, shown: str, path: str | Path, entry: os.DirEntry | None) -> None:
        try:
            st = entry.stat() if entry else os.stat(path)  # a link: what it leads to
        except FileNotFoundError:  # a link to nothing
            st = os.lstat(path)
        link = entry.is_symlink() if entry else os.path.islink(path)
        self.files[shown] = (*files.metadata(st), st.st_dev, os.path.realpath(path) if link else "")
        if unsettled(st, self.since):
            self.racy[shown] = content_digest(Path(path))

    def updated(self, paths: Iterable[str]) -> "Scan | None":
        """This scan with the files at `paths` (absolute: the operating system's change
        reports) looked at again, the others taken as they were; None where only a whole
        scan can tell: a path that is or was a folder or a link, or lies in a folder this
        scan did not list, or a scanned folder that is a link (its files' reports name
        paths this scan does not know)."""
        if self._linked():
            return None
        new = copy.copy(self)
        new.since = time.time_ns() - files.SETTLE_NS
        new.files, new.racy = dict(self.files), dict(self.racy)
        for path in paths:
            shown = Path(os.path.relpath(path, self.root)).as_posix()
            if any(map(files.passed_over, shown.split("/"))):
                continue  # no input, as for a whole scan
            folder = shown.rpartition("/")[0]
            known = folder in self.folders or shown in self.tops
            if shown in self.folders or not known or self.files.get(shown, ("",))[-1]:
                return None
            new.files.pop(shown, None)
            new.racy.pop(shown, None)
            try:
                if os.path.isdir(path) or os.path.islink(path):
                    return None
                new._add(shown, path, None)
            except OSError:
                continue  # gone (or going): not an input now
        return new

    def _linked(self) -> bool:
        """Whether a scanned folder lies elsewhere than its name says (a link on the way)."""
        if self._links is None:
            self._links = any(os.path.realpath(self.root / shown) != real
                              for shown, real in self.folders.items())
        return self._links

    def folder(self, shown: str) -> tuple | None:
        """The state of the files directly in a folder and of the folders in it (their
        names), with where the folder leads: while it is the same, so are the files. None
        when one of them is racy (only their bytes tell) or the folder was not found."""
        if shown not in self.folders:
            return None
        inside = f"{shown}/"
        found = [(name, state) for name, state in self.files.items()
                 if name.startswith(inside) and "/" not in name[len(inside):]]
        if any(name in self.racy for name, _ in found):
            return None
        subfolders = [name for name in self.folders
                      if name.startswith(inside) and "/" not in name[len(inside):]]
        return (self.folders[shown], tuple(found), tuple(subfolders))

    def digest(self) -> str:
        """A digest of every input's name and metadata (not of racy files' content: see
        `changed_since` and `still`)."""
        h = hashlib.blake2b(digest_size=16)
        h.update(repr(sorted(self.files.items())).encode("utf-8", "surrogateescape"))
        h.update(repr(sorted(self.folders)).encode("utf-8", "surrogateescape"))
        return h.hexdigest()

    def changed_since(self, old: "Scan") -> set[str]:
        """The shown names of the inputs added, removed or changed since `old`: by
        metadata, and by content where both scans digested it."""
        return {name for name in old.files.keys() | self.files.keys()
                if self._differs(old, name)}

    def _differs(self, old: "Scan", name: str) -> bool:
        if old.files.get(name) != self.files.get(name):
            return True
        before, now = old.racy.get(name), self.racy.get(name)
        return before is not None and now is not None and before != now


def still(root: Path, racy: dict[str, str]) -> bool:
    """Whether the files a scan found racy (their shown names and content digests) hold
    those bytes still."""
    return all(content_digest(Path(root) / name) == digest for name, digest in racy.items())


def content_digest(path: Path) -> str:
    """sha256 of a file's bytes (UNREADABLE when it cannot be read)."""
    try:
        return file_sha256(path)
    except OSError:
        return UNREADABLE
