"""What the site's input files are at one moment: one walk over their metadata, by the
rules of `load.files`. The same scan says whether anything changed since the last build
(engine.record), which files a content folder holds and which of them are as they were
(load.content, load.seeds) and, scan after scan, what the live preview must rebuild for
(runtime.watch; after a change report, a scan is brought up to date at the reported
paths only: `updated`).

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
import marshal
import os
import stat
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import compress
from operator import ne
from pathlib import Path
from typing import Iterable, Iterator

from . import files
from .files import UNREADABLE, file_sha256, listing, unsettled


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry of a scanned folder, as an os.DirEntry from `files.listing` tells it."""

    name: str
    folder: bool
    link: bool
    file: bool  # a regular file (or a link to one), as DirEntry.is_file() says

    def is_dir(self) -> bool:
        return self.folder

    def is_file(self) -> bool:
        return self.file

    def is_symlink(self) -> bool:
        return self.link


class FolderState(tuple):
    """A folder's state (see Scan.folder): a tuple that works out its hash once (a scan
    updated at reported paths hands out the same state for a folder nothing was reported
    in, so a lookup by it costs no walk over a folder of thousands of files)."""

    def __hash__(self) -> int:
        try:
            return self.__dict__["hash"]
        except KeyError:
            self.__dict__["hash"] = found = tuple.__hash__(self)
            return found


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
        self._loop = False  # a folder seen twice, through a link (see `_walk`)
        self._inside: dict | None = None  # see `_contents`
        self._states: dict[str, FolderState] = {}  # see `folder`
        self._entries: dict[str, list[Entry]] = {}  # see `entries`
        self.special: set[str] = set()  # inputs that are no regular file (see `_add`)
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
            self._loop = True  # a link back up: only a listing shows it (see `entries`)
            return
        visited.add((st.st_dev, st.st_ino))
        self.folders[shown] = os.path.realpath(folder)
        subfolders, found, since, prefix = [], self.files, self.since, shown + "/"
        for entry in listing(folder):
            try:
                if entry.is_dir():
                    subfolders.append(entry)
                    continue
                # Rule: a settled regular file that is no link, the common case, is noted
                # here, with none of `_add`'s cases to tell (the scan's hot loop).
                st = None if entry.is_symlink() else entry.stat()
                if st is None or not stat.S_ISREG(st.st_mode) or unsettled(st, since):
                    self._add(prefix + entry.name, entry.path, entry)
                else:
                    found[prefix + entry.name] = _noted(st)
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
        regular = stat.S_ISREG(st.st_mode)
        if regular:
            self.special.discard(shown)
        else:  # a pipe, a device, a link to nothing: nothing to read (see `entries`)
            self.special.add(shown)
        self.files[shown] = _noted(st, os.path.realpath(path) if link else "")
        if unsettled(st, self.since):  # (reading a pipe would wait for a writer)
            self.racy[shown] = content_digest(Path(path)) if regular else UNREADABLE

    def updated(self, paths: Iterable[str]) -> "Scan | None":
        """This scan with the files at `paths` (absolute: the operating system's change
        reports) looked at again, the others taken as they were; None where only a whole
        scan can tell: a path that is or was a folder or a link, or a file of several
        names, or lies in a folder this scan did not list, or an input or a scanned folder
        is a link (reports name one of a file's paths, not every one)."""
        if self._linked() or os.name == "nt":  # (Windows: a listing's stat has no inode)
            return None
        new = copy.copy(self)
        new.since = time.time_ns() - files.SETTLE_NS
        # A file racy then and not reported since has settled once its times fall before
        # the new scan's: its metadata tells again, as in a whole scan.
        new.special = set(self.special)
        new.files, new.racy = dict(self.files), {
            name: digest for name, digest in self.racy.items()
            if name in self.files and max(self.files[name][1:3]) >= new.since}
        new._states = dict(self._states)  # (those of folders nothing was reported in)
        new._entries = dict(self._entries)  # (while no file came, went or changed kind)
        for path in paths:
            shown = Path(os.path.relpath(path, self.root)).as_posix()
            if any(map(files.passed_over, shown.split("/"))):
                continue  # no input, as for a whole scan
            folder = shown.rpartition("/")[0]
            known = folder in self.folders or shown in self.tops
            if shown in self.folders or not known or self.files.get(shown, ("",))[-1]:
                return None
            new.racy.pop(shown, None)
            new._states.pop(folder, None)
            try:  # (a file of several names: a report names one of them)
                if os.path.isdir(path) or os.path.islink(path) or os.stat(path).st_nlink > 1:
                    return None
                new._add(shown, path, None)
            except OSError:
                new.files.pop(shown, None)  # gone (or going): not an input now
                new.special.discard(shown)
            if (shown in new.special) != (shown in self.special):
                new._entries = {}  # (what a folder's entries mean may depend on a file
                # in a folder inside it: a briefing's own folder is one by its index.md)
        if new.files.keys() != self.files.keys():  # a file added or removed: other contents
            new._inside, new._entries = None, {}
        return new

    def _linked(self) -> bool:
        """Whether an input is a link, or a scanned folder lies elsewhere than its name
        says (a link on the way): a report names one path of a file that has several."""
        if self._links is None:
            base = os.path.realpath(self.root)
            self._links = self._loop or any(state[-1] for state in self.files.values()) or any(
                real != (os.path.join(self.folders[parent], name) if parent in self.folders
                         else os.path.join(base, shown))
                for shown, real in self.folders.items() if not os.path.isabs(shown)
                for parent, _, name in [shown.rpartition("/")])
        return self._links

    def _contents(self, shown: str) -> tuple[list[str], list[str]] | None:
        """The shown names of the files and of the folders directly in a scanned folder,
        each by name; None when the scan did not list it."""
        if shown not in self.folders:
            return None
        if self._inside is None:
            self._inside = defaultdict(lambda: ([], []))
            for kind, names in ((0, self.files), (1, self.folders)):
                for name in names:
                    self._inside[name.rpartition("/")[0]][kind].append(name)
            for found in self._inside.values():
                found[0].sort()
                found[1].sort()
        return self._inside.get(shown, ([], []))

    @property
    def looped(self) -> bool:
        """Whether the scan met a folder twice (a link back up): then only a listing
        tells what a folder holds (see `entries`)."""
        return self._loop

    def entries(self, shown: str) -> list[Entry] | None:
        """What lies directly in a scanned folder, by name, as `files.listing` would list
        it then; None when the scan did not list the folder, or met a folder twice (a
        link back up, which only a listing shows). The very same list (not to be
        changed) while no input file came, went or changed kind: an updated scan keeps
        it, so what a stage works out from it (and from the kind of the files in the
        folders inside it) can stand by its identity."""
        found = self._entries.get(shown)
        if found is not None:
            return found
        contents = self._contents(shown)
        if contents is None or self.looped:
            return None
        names, subfolders = contents
        found = [Entry(name.rpartition("/")[2], False, bool(self.files[name][-1]),
                       name not in self.special) for name in names]
        found += [Entry(name.rpartition("/")[2], True, self.folders[name] != os.path.join(
            self.folders[shown], name.rpartition("/")[2]), False) for name in subfolders]
        self._entries[shown] = found = sorted(found, key=lambda e: e.name)
        return found

    def folder(self, shown: str) -> tuple | None:
        """The state of the files directly in a folder and of the folders in it (their
        names), with where the folder leads: while it is the same, so are the files. None
        when one of them is racy (only their bytes tell) or the folder was not found."""
        state = self._states.get(shown)
        if state is not None:
            return state
        contents = self._contents(shown)
        if contents is None or any(name in self.racy for name in contents[0]):
            return None
        state = self._states[shown] = FolderState((
            self.folders[shown], tuple((name, self.files[name]) for name in contents[0]),
            tuple(contents[1])))
        return state

    def digest(self) -> str:
        """A digest of every input's name and metadata (not of racy files' content: see
        `changed_since` and `still`)."""
        h = hashlib.blake2b(digest_size=16)  # (marshal's format 2 has no back-references:
        # equal values give equal bytes, made in C; nothing here is ever unmarshalled)
        h.update(marshal.dumps((sorted(self.files.items()), sorted(self.folders)), 2))
        return h.hexdigest()

    def changed_since(self, old: "Scan") -> set[str]:
        """The shown names of the inputs added, removed or changed since `old`: by
        metadata, and by content where both scans digested it. (At C speed: a preview
        compares a scan of tens of thousands of files after each save.)"""
        changed = set(_differing(self.files, old.files))
        changed.update(_gone(self.files, old.files, changed))
        changed.update(name for name in old.racy.keys() & self.racy.keys()
                       if old.racy[name] != self.racy[name])
        return changed

    def delta(self, base: "Scan") -> "ScanDelta | None":
        """What turns `base`, an earlier scan of the same folders, into this one (see
        `patched`): far less than the whole scan, which the preview would otherwise send
        its build process after each save. None when the folders differ."""
        if (self.root, self.tops, self.folders, self._loop) != \
                (base.root, base.tops, base.folders, base._loop):
            return None
        files = {name: self.files[name] for name in _differing(self.files, base.files)}
        return ScanDelta(self.since, self.seconds, files,
                         frozenset(_gone(self.files, base.files, files)), dict(self.racy),
                         frozenset(self.special), self._links)

    def patched(self, delta: "ScanDelta") -> "Scan":
        """The scan `delta` was taken from (see `delta`; this scan is its base), with what
        this one worked out and still holds: the states and entries of the folders in
        which nothing changed (see `updated` for when they hold)."""
        new = copy.copy(self)
        new.since, new.seconds, new._links = delta.since, delta.seconds, delta.links
        new.files = {**self.files, **delta.files}
        for name in delta.gone:
            del new.files[name]
        new.racy, new.special = dict(delta.racy), set(delta.special)
        new._states, new._entries = dict(self._states), dict(self._entries)
        for name in (*delta.files, *delta.gone, *self.racy, *new.racy):
            new._states.pop(name.rpartition("/")[0], None)
        for name, now in delta.files.items():
            if now[-1] != self.files.get(name, ("",))[-1]:  # became or left a link
                new._entries.pop(name.rpartition("/")[0], None)
        if new.files.keys() != self.files.keys():
            new._inside, new._entries = None, {}
        elif new.special != self.special:
            new._entries = {}  # (see `updated`)
        return new


@dataclass(frozen=True, slots=True)
class ScanDelta:
    """What changed from one scan to a later one of the same folders (see Scan.delta):
    the files that came or changed, those that went, and the later scan's small parts."""

    since: int
    seconds: float
    files: dict[str, tuple]  # shown name -> metadata (see Scan.files)
    gone: frozenset[str]
    racy: dict[str, str]
    special: frozenset[str]
    links: bool | None


def _differing(new: dict[str, tuple], old: dict[str, tuple]) -> Iterator[str]:
    """The names whose metadata in `new` is not that in `old` (or that `old` lacks), at C
    speed: tens of thousands a save."""
    return compress(new, map(ne, map(old.get, new), new.values()))


def _gone(new: dict[str, tuple], old: dict[str, tuple], differing: Iterable[str]
          ) -> Iterable[str]:
    """The names `old` has and `new` has not (`differing`: see `_differing`); none,
    without a look at each, where `new` has as many besides those it added."""
    added = sum(name not in old for name in differing)
    return () if len(new) - added == len(old) else old.keys() - new.keys()


def still(root: Path, racy: dict[str, str]) -> bool:
    """Whether the files a scan found racy (their shown names and content digests) hold
    those bytes still."""
    return all(content_digest(Path(root) / name) == digest for name, digest in racy.items())


def _noted(st: os.stat_result, leads: str = "") -> tuple:
    """What a scan notes of an input (`Scan.files`): its metadata (see files.metadata),
    device and, for a link, where it leads ('' for none)."""
    return (*files.metadata(st), st.st_dev, leads)


def content_digest(path: Path) -> str:
    """sha256 of a file's bytes (UNREADABLE when it cannot be read)."""
    try:
        return file_sha256(path)
    except OSError:
        return UNREADABLE
