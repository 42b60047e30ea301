"""Input files by content digest, read only when needed.

A parse is memoised under the digest of the file's bytes (see sitegen.memo). The digest
of a file whose metadata (size, modification and change times, inode) is the same as when
it was last digested is taken from the memo, so a rebuild neither reads nor hashes the
thousands of files that did not change. A file changed less than `SETTLE_NS` before the
scan (or, without one, the load) is always read: within the file system's timestamp
granularity, a second write could leave the metadata as it was (the "racy" case git
guards against the same way).
"""
from __future__ import annotations

import hashlib
import operator
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from ..errors import Collector, SiteError

if TYPE_CHECKING:  # (load.scan imports this module)
    from .scan import Scan

SETTLE_NS = 2_000_000_000
UNREADABLE = ""  # the content digest of a racy file a scan could not read (see load.scan)
_LEFTOVERS = ("~", ".bak", ".swp", ".swx", ".swo", ".tmp")  # editors' backups, swap files
_LITTER = {"Thumbs.db", "desktop.ini", "4913"}  # file managers' files; vim's write probe
_NAME = operator.attrgetter("name")


def metadata(st: os.stat_result) -> tuple[int, int, int, int]:
    """What says a file is as it was: size, modification and change times, inode (the
    change time cannot be set back: a copy that keeps modification times still moves it)."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def unsettled(st: os.stat_result, since_ns: int) -> bool:
    """Changed at or after `since_ns`: within the file system's timestamp granularity of
    a scan, a second write could leave the metadata as it was, so such a file's metadata
    says nothing (git's racy rule)."""
    return st.st_mtime_ns >= since_ns or st.st_ctime_ns >= since_ns


def link_problem(path: Path, trusted: Path) -> str | None:
    """What is wrong with an input that is a symbolic link, or None for a plain file or a
    link to a file inside the folder `trusted` (the site root). Rule: sitegen reads no
    file outside the site through a link (a downloaded site could otherwise publish any
    file of the reader's machine), nor a link to nothing."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return (f"a symbolic link to {os.readlink(path)}, which does not exist: remove the "
                "link, or restore the file")
    if not target.is_relative_to(trusted.resolve()):
        return (f"a symbolic link to {target}, outside the site folder: sitegen reads only "
                "files inside it; copy the file in instead")
    return None


def folder_problem(folder: Path, trusted: Path) -> str | None:
    """What is wrong with an input folder that lies outside the folder `trusted` (the
    site root) through a link, or None (see link_problem)."""
    if folder.is_dir() and not folder.resolve().is_relative_to(trusted.resolve()):
        return (f"leads to {folder.resolve()}, outside the site folder, through a symbolic "
                "link: sitegen reads only files inside it; move or copy the files in")
    return None


def passed_over(name: str) -> bool:
    """A file in an input folder that is no input and worth no warning (nor, in the live
    preview, a rebuild): hidden files (Emacs' lock links `.#name` too), editors' backups
    and swap files, file managers' litter."""
    return name.startswith(".") or name.endswith(_LEFTOVERS) or name in _LITTER


def listing(folder: str | Path) -> list[os.DirEntry]:
    """A folder's entries that may be inputs (none `passed_over`), by name; the entries
    know their type, so telling files from folders and links needs no stat. Raises
    OSError when the folder cannot be listed."""
    with os.scandir(folder) as entries:
        found = [e for e in entries if not passed_over(e.name)]
    found.sort(key=_NAME)
    return found


class InputFiles:
    """Digests and bytes of the input files of one load (each file is digested once);
    `memo` remembers digests by metadata between builds. With the build's `scan` (see
    load.scan), a file it found is known by the metadata it saw, and a racy one by the
    digest it took: no file is stat-ed again to be known by its digest."""

    def __init__(self, memo, scan=None) -> None:
        self.memo, self.scan = memo, scan
        self.settled_before = time.time_ns() - SETTLE_NS
        self._known: dict[Path, tuple[str, int]] = {}

    def digest(self, path: Path, rel: str) -> str:
        """sha256 of the file's bytes. Raises OSError when it cannot be read."""
        if path not in self._known:
            self._known[path] = self._digest(path, rel)
        return self._known[path][0]

    def size(self, path: Path) -> int:
        """The size in bytes of a file digested before."""
        return self._known[path][1]

    def known(self, rel: str) -> tuple | None:
        """What says the file `rel` is as it was, as the build's scan saw it (its name,
        metadata and device: see Scan.files), or None when only its bytes can tell (a
        racy file, one the scan did not see). A file's digest is remembered under it."""
        seen = self.scan.files.get(rel) if self.scan is not None else None
        if seen is None or rel in self.scan.racy:
            return None
        return (rel, *seen[:5])

    def seen(self, rels: list[str]) -> list[tuple | None]:
        """For each file of `rels`, what the build's scan saw of it (see Scan.files), or
        None where only its bytes can tell (as `known`): each says the file is as it was
        while it is equal, asked of many at once."""
        if self.scan is None:
            return [None] * len(rels)
        racy = self.scan.racy
        return [None if rel in racy else seen
                for rel, seen in zip(rels, map(self.scan.files.get, rels))]

    def _digest(self, path: Path, rel: str) -> tuple[str, int]:
        seen = self.scan.files.get(rel) if self.scan is not None else None
        racy = self.scan.racy.get(rel) if seen is not None else None
        if seen is not None and racy != UNREADABLE:  # (a file it could not read: why, below)
            size, state = seen[0], (rel, *seen[:5])  # metadata and device (see Scan.files)
        else:
            st = os.stat(path)
            size, state = st.st_size, _state(rel, st)
            racy = file_sha256(path) if unsettled(st, self.settled_before) else None
        if racy is not None:
            return racy, size
        return self.memo("file-digest", state, lambda _out: file_sha256(path),
                         Collector()), size

    @staticmethod
    def data(path: Path, rel: str, digest: str) -> bytes:
        """The file's bytes, which must still be those `digest` names: a parse is kept under
        that digest. A file changed or removed since is an error of that file."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SiteError.at(rel, None, f"cannot read file: {exc.strerror or exc}",
                               code="read-error") from None
        if _sha256(data) != digest:
            raise SiteError.at(rel, None, "the file changed while the site was being built; "
                                          "build again", code="read-error")
        return data


def settled_digests(scan: "Scan", memo) -> Iterator[str | None]:
    """Steps giving the memo (as `InputFiles` asks it) the digests of the files `scan`
    found racy that have settled since, under the metadata they have now: the next
    build, whose scan knows them by that metadata, then neither reads nor hashes them (a
    preview started on a site just written or copied has thousands, and the author's
    first save would wait for them: see benchmarks/RESULTS.md). A step a file. Rule: a
    file is read once it has settled, and its digest kept only if its metadata are the
    same after reading as before (a write in between moves them)."""
    yield from settling(scan, scan.racy)
    since = time.time_ns() - SETTLE_NS
    for rel, digest in list(scan.racy.items()):
        seen = scan.files.get(rel)
        if digest == UNREADABLE or seen is None or seen[5]:  # (a link: a scan looks again)
            continue
        path = scan.root / rel
        try:
            st = os.stat(path)
            if unsettled(st, since):
                continue
            found = file_sha256(path)
            if metadata(os.stat(path)) != metadata(st):
                continue
        except OSError:
            continue
        memo("file-digest", _state(rel, st), lambda _out, found=found: found, Collector())
        yield


WAITING = "waiting"  # what a step that only waited yields (see `settling`)


def settling(scan: "Scan", names: Iterable[str]) -> Iterator[str]:
    """Steps waiting, in sleeps of 5 ms at most, until the files `names` of `scan` have
    settled as the scan saw them (SETTLE_NS after their times); each yields WAITING.
    Rule: a save that comes meanwhile waits for the sleep under way, so each is short,
    and the caller looks for one after each (a save's own file is racy for SETTLE_NS
    after it: the next save often comes before it settled)."""
    times = [max(scan.files[name][1:3]) for name in names if name in scan.files]
    settles = max(times, default=0) + SETTLE_NS
    while time.time_ns() <= settles:
        time.sleep(min(0.005, (settles - time.time_ns()) / 1e9 + 0.0005))
        yield WAITING


def _state(rel: str, st: os.stat_result) -> tuple:
    """What the memo knows a file's digest by: its shown name, metadata and device (as
    Scan.files holds them)."""
    return (rel, *metadata(st), st.st_dev)


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read a megabyte at a time (a medium may be large)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
