"""Write stage: new and changed files are written to a staging folder beside the output
and moved in only when all are there, so a build that fails before leaves the previous
output untouched; unchanged files are not written at all. Moving in is not one atomic
step (swapping whole folders would mean linking every unchanged file anew on every
build: 4 s at 10,000 briefings); a failure while moving in says exactly how far it got.

sitegen marks each output folder it creates with MARKER and never deletes or
replaces a folder without it (see outfolder: which folders may be written, and one
build at a time).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Callable, Container, Iterable

from .errors import SiteError
from .integrity import MANIFEST, Listed, read_manifest
from .load.files import file_sha256
from .outfolder import MARKER, MARKER_TEXT, regular_file


@dataclass(frozen=True)
class Kept:
    """Output files the previous build wrote that stay as they are (see
    sitegen.engine.reuse): an item of its own among the (path, content) items the writer
    takes, so a rebuild hands over the thousands of files that stand at once."""

    paths: list[str]


@dataclass(frozen=True)
class Staged:
    """An output file `OutputWriter.put` has dealt with: staged, or already in place."""

    changed: bool
    sha256: str  # of its bytes (for the integrity manifest)
    size: int  # of its bytes (for the build's report of its largest files)


class OutputWriter:
    """The output folder `out` being rewritten. Every new or changed file is first written
    to a staging folder beside `out` (`put`, callable from worker processes too); only
    when all are there does `out` change (`write`): files whose bytes did not change are
    left alone (their dates too, so `rsync` and caches see them unchanged), changed ones
    are moved in, files no longer produced are deleted. A new `out` is the staging folder
    itself, renamed. Any failure before that point leaves `out` as it was.

    `holds` and `listed`: the files `out` holds and its manifest, when the caller knows
    (the preview's private folder, as its previous write left it: `produced` and
    `listed`), so the folder is not searched nor its manifest read; else it is walked
    once (see `_Found`) and the manifest read when a file stands."""

    def __init__(self, out: Path, holds: frozenset[str] | None = None,
                 listed: Listed | None = None):
        self.out = out = out.resolve()
        out.parent.mkdir(parents=True, exist_ok=True)
        self.stage = out.parent / f".{out.name}.sitegen-new"
        for leftover in (self.stage, out.parent / f".{out.name}.sitegen-old"):  # interrupted
            if leftover.is_symlink():
                leftover.unlink()
            elif leftover.is_dir() and regular_file(leftover / MARKER):
                shutil.rmtree(leftover)
            elif leftover.is_dir() and not any(leftover.iterdir()):
                leftover.rmdir()  # a build stopped before it marked the folder its own
        self.fresh = not out.exists()
        if not self.fresh and not regular_file(out / MARKER) and any(out.iterdir()):
            raise SiteError.at(str(out), None, "not replaced: this folder was not made by "
                                               "sitegen", code="bad-output")
        self.stage.mkdir()
        (self.stage / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        self._made: set[str] = set()
        self._found = None if self.fresh or holds is not None else _Found(out)
        self._holds = self._found.regular.keys() if self._found else holds
        self.changed: list[str] = []  # after `write`: the paths written or deleted
        self.produced: frozenset[str] = frozenset()  # after `write`: what `out` holds
        self._listed = listed  # the previous manifest (None: unknown)
        self._sums = listed.digests if listed else None  # its digests (None: read when needed)
        self.listed: Listed | None = None  # after `write`: the new manifest
        self.sizes: dict[str, int] = {}  # after `write`: each file's size, where known

    def _keep(self, paths: list[str], produced: set[str], sums: dict[str, str],
              known: dict[str, int]) -> None:
        """Note files that stand: produced, with the previous manifest's digests (else
        their own) and their sizes where the walk found them."""
        if self._sums is None:
            try:
                self._sums = read_manifest((self.out / MANIFEST).read_bytes())[0]
            except OSError:
                self._sums = {}
        produced.update(paths)
        digests = list(map(self._sums.get, paths))  # a rebuild keeps thousands: no loop
        if None in digests:
            digests = [d or file_sha256(self.out / rel) for rel, d in zip(paths, digests)]
        sums.update(zip(paths, digests))
        if known:
            self.sizes.update([(rel, known[rel]) for rel in paths if rel in known])

    @property
    def held(self) -> Container[str]:
        """The files `out` holds as its own, as relative paths: not links, and not inside
        a linked folder (which the commit removes)."""
        return frozenset() if self._holds is None else self._holds

    def put(self, rel: str, data: bytes | Iterable[str]) -> Staged:
        """Stage one output file (its bytes, or its text in pieces), unless `out` already
        holds exactly these bytes."""
        if isinstance(data, bytes):
            digest = hashlib.sha256(data).hexdigest()
            if not self.fresh and rel in self.held and _holds(self.out / rel, data):
                return Staged(False, digest, len(data))
        target = self._target(rel)
        with open(target, "wb") as f:
            if isinstance(data, bytes):
                f.write(data)
                return Staged(True, digest, len(data))
            h = hashlib.sha256()
            for piece in data:
                block = piece.encode("utf-8")
                h.update(block)
                f.write(block)
            size = f.tell()
        if not self.fresh and rel in self.held \
                and _same_file(target, os.path.join(self.out, rel)):
            os.unlink(target)
            return Staged(False, h.hexdigest(), size)
        return Staged(True, h.hexdigest(), size)

    def _target(self, rel: str) -> str:
        """Where `rel` is staged (its folder made). Rule: into an output that exists, files
        are staged side by side, each under its path's digest, so staging a rebuild's few
        pages makes no folders; a new output is the staging folder itself, laid out."""
        if not self.fresh:
            return self._staged(rel)
        target = os.path.join(self.stage, rel)
        folder = os.path.dirname(target)
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)
        return target

    def _staged(self, rel: str) -> str:
        """Where `rel` is staged into an output that exists (see `_target`)."""
        name = hashlib.blake2b(rel.encode("utf-8", "surrogateescape"), digest_size=16)
        return os.path.join(self.stage, name.hexdigest())

    def write(self, files: Iterable[tuple[str, bytes | Iterable[str] | Path | Staged] | Kept],
              before_change: Callable[[], None] = lambda: None) -> tuple[int, int]:
        """Make `out` hold exactly `files` ((relative POSIX path, bytes, text in pieces,
        a file to copy, or what `put` returned), or `Kept`: files in `out` that stand),
        consumed one at a time; each path comes once. `before_change` is called just
        before `out` starts to change. Returns the number of HTML pages and of files."""
        staged, kept, fresh, sums, sizes = [], [], [], {}, self.sizes
        try:
            for item in files:
                if type(item) is Kept:
                    kept.append(item.paths)
                    continue
                rel, content = item
                fresh.append(rel)
                if not isinstance(content, Staged):
                    content = self.put(rel, content.read_bytes() if isinstance(content, Path)
                                       else content)
                sums[rel], sizes[rel] = content.sha256, content.size
                if content.changed:
                    staged.append(rel)
            produced, stale, sums = self._produced(kept, fresh, sums)
            if self._list(sums, fresh):
                staged.append(MANIFEST)
        except BaseException:
            shutil.rmtree(self.stage, ignore_errors=True)
            raise
        before_change()
        if self.fresh:
            os.replace(self.stage, self.out)
            self.changed = sorted(produced)
        else:
            self._commit(staged, produced, stale)
        self.produced = produced
        return sum(map(str.endswith, produced, repeat(".html"))), len(produced)

    def _produced(self, kept: list[list[str]], fresh: list[str], sums: dict[str, str]
                  ) -> tuple[frozenset[str], frozenset[str] | None, dict[str, str]]:
        """(every file the output will hold, manifest included; those it holds and will
        not, or None: not known yet; `sums` with the digests of the files `kept`), where
        `fresh` are the files made, their digests in `sums`. Rule: where the folder's
        files and manifest are known (`holds`, `listed`) and the files kept and made
        there are as many as it holds (each path comes once), no file goes: then the
        kept files' digests are the last manifest's, and neither is looked at one by one
        (a save in the preview keeps tens of thousands)."""
        held, made = self._holds, set(fresh)
        if not self.fresh and self._found is None and self._listed is not None \
                and held is not None and len(made) == len(fresh):
            new = made.difference(held)
            if sum(map(len, kept)) + len(fresh) - len(new) + (MANIFEST in held) == len(held):
                return (held | new | {MANIFEST} if new or MANIFEST not in held else held,
                        frozenset(), {**self._listed.digests, **sums})
        produced, known = {*fresh, MANIFEST}, self._found.regular if self._found else {}
        for paths in kept:
            self._keep(paths, produced, sums, known)
        return frozenset(produced), None, sums

    def _list(self, sums: dict[str, str], fresh: list[str]) -> bool:
        """Make the manifest (`listed`) of `sums` (`fresh`: the files not kept, whose
        digests may differ from the last manifest's); stage it unless `out` holds it.
        Rule: with the last manifest known (`out` holds it as that), it is written
        where it differs from it, without reading the one in `out`."""
        self.listed = Listed(sums, self._listed, fresh)
        if self._listed is None:
            return self.put(MANIFEST, self.listed.data()).changed
        if self.listed.same and MANIFEST in self.held \
                and _size(self.out / MANIFEST) == len(self.listed.data()):
            return False
        with open(self._target(MANIFEST), "wb") as f:
            f.write(self.listed.data())
        return True

    def _commit(self, staged: list[str], produced: frozenset[str],
                stale: frozenset[str] | None) -> None:
        """Bring the existing `out` to the new output: delete what is no longer produced
        (`stale`, where known), then move the staged files in. A failure on the way is a
        SiteError that says how far it got (the output is then partly updated: the
        caller's record of it is gone, so the next build compares and rewrites every
        file)."""
        done = {"removed": 0, "moved": 0}
        try:
            self.changed = self._remove_known(stale, done) if stale is not None \
                else self._remove_stale(produced | {MARKER}, done)
            self._move_in(staged, done)
            self.changed = sorted(self.changed + staged)
        except OSError as exc:
            raise SiteError.at(str(self.out), None, (
                f"cannot write the output: {exc.strerror or exc}"
                f"{f' ({exc.filename})' if exc.filename else ''}; it is partly updated: "
                f"{done['removed']} stale files removed, {done['moved']} of {len(staged)} "
                "changed files moved in (the rest are staged in "
                f"{self.stage.name}); the next build brings it up to date"),
                code="write-partial") from exc
        shutil.rmtree(self.stage, ignore_errors=True)

    def _remove_stale(self, produced: set[str], done: dict) -> list[str]:
        """Delete the files of `out` not produced, links to folders in it (files could be
        moved in through them) and its empty folders; returns the paths deleted."""
        found = self._found
        if found is None:
            return self._remove_known(frozenset(self._holds - produced), done)
        for link in found.linked:
            os.unlink(self.out / link)
        gone = self._remove_known(frozenset(found.files - produced), done)
        for folder in found.empty:
            self._drop_empty(self.out / folder)
        return gone

    def _remove_known(self, stale: frozenset[str], done: dict) -> list[str]:
        for rel in sorted(stale):
            target = self.out / rel
            target.unlink(missing_ok=True)
            done["removed"] += 1
            self._drop_empty(target.parent)
        return sorted(stale)

    def _drop_empty(self, folder: Path) -> None:
        """Remove `folder` and the folders above it inside `out` while they are empty."""
        for folder in (folder, *folder.parents):
            if folder == self.out or not folder.is_relative_to(self.out) \
                    or not folder.is_dir() or any(folder.iterdir()):
                break
            folder.rmdir()

    def _move_in(self, staged: list[str], done: dict) -> None:
        out = self.out
        for rel in staged:
            target = out / rel
            if target.is_dir():  # a folder where a file now goes: the new output wins
                shutil.rmtree(target)
            for parent in reversed(target.relative_to(out).parents[:-1]):
                if (out / parent).is_file():  # a file where a folder now goes
                    (out / parent).unlink()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._staged(rel), target)
            done["moved"] += 1
        if not regular_file(out / MARKER):
            os.replace(self.stage / MARKER, out / MARKER)


class _Found:
    """What the folder `out` holds, by one walk that follows no link: its own files with
    their sizes (`regular`), every other path that is no folder (`files`: those and links,
    sockets …), the links to folders (`linked`) and the empty folders, deepest first."""

    def __init__(self, out: Path):
        self.regular: dict[str, int] = {}
        self.files: set[str] = set()
        self.linked: list[str] = []
        self.empty: list[str] = []
        self._walk(str(out), "")

    def _walk(self, path: str, prefix: str) -> None:
        with os.scandir(path) as listing:
            entries = list(listing)
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                self._walk(entry.path, rel + "/")
            elif entry.is_symlink() and entry.is_dir():
                self.linked.append(rel)
            else:
                self.files.add(rel)
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode):
                    self.regular[rel] = st.st_size
        if not entries and prefix:
            self.empty.append(prefix[:-1])


def largest_files(sizes: dict[str, int], suffixes: tuple[str, ...] = (".html", ".js")
                  ) -> dict:
    """Suffix -> (relative path, size in bytes) of the largest such file of `sizes` (a
    writer's): the build's report names them, so a site that outgrows its pages shows it."""
    found: dict[str, tuple[str, int]] = {}
    for rel, size in sizes.items():
        suffix = os.path.splitext(rel)[1]
        if suffix in suffixes and size > found.get(suffix, ("", -1))[1]:
            found[suffix] = (rel, size)
    return found


def _same_file(a: str, b: str) -> bool:
    """Whether two files have the same bytes (read a megabyte at a time)."""
    try:
        if os.stat(a).st_size != os.stat(b).st_size:
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            while True:
                chunk = fa.read(1 << 20)
                if chunk != fb.read(1 << 20):
                    return False
                if not chunk:
                    return True
    except OSError:
        return False


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` has exactly these bytes."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False
