"""seeds/ as a whole: every seed in it, loaded file by file (see load.seeds), or — in a
new process whose scan finds the folder as a load of it left it — made again of the
memo's entries of their parses alone: what each seed was made of is remembered with the
folder's state (the `seed-folder` step), so no file is listed, read or digested. A warm
memo carries each document's load, so a save in one seed loads that seed alone.
"""
from __future__ import annotations

import os
from itertools import islice
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from ..errors import Collector, Problem
from ..memo import Carried, as_last, no_memo
from .files import InputFiles, folder_problem, link_problem, listing
from .scan import Scan
from .seed_meta import SeedMeta
from .seeds import (FORMATS, ID_RE, LISTED, SIDECAR_EXTS, SUPPORTED, Made, Seed, parse_job,
                    made_parse, rel_path, seed_file, seed_from, sidecar_meta)

_SEEDS = "seed records"  # carried: the seeds as the last load made them
_PLAN = "seed folder plan"  # carried: the last load's listing, worked out (`_Plan`)
_LOADED = "seed documents"  # carried: each document's load (see `_load_seeds`)
_PARSED_FROM = attrgetter("parsed_from")


class _Plan(NamedTuple):
    """A listing of seeds/ worked out: its files, its documents and their sidecars, and
    the problems of the listing. Carried by a warm memo while the build's scan lists the
    folder as the very same entries (no file came, went or changed kind)."""

    entries: list
    files: list[Path]
    docs: list[tuple[str, list[Path], list[Path]]]  # (lower-cased id, paths, sidecars)
    rels: list[tuple[str, ...]]  # of each document: its path's and its sidecars', shown
    listed: list[Problem]  # what is no seed or sidecar
    orphans: list[Problem]  # sidecars without a document


class _Unsettled(Exception):
    """A load of the folder that met a file it could not read: not to be remembered (the
    next build tries again), handed back whole."""

    def __init__(self, loaded: tuple):
        super().__init__()
        self.loaded = loaded


def load_seeds(root: Path, seeds_dir: str = "seeds", memo=no_memo,
               scan: Scan | None = None, files: InputFiles | None = None
               ) -> tuple[dict[str, Seed], list[Problem]]:
    """Every seed in seeds/ (not in subfolders), sorted by id, and all problems found.
    A memo that keeps values from build to build hands out the same seeds again while
    the folder's files are as they were in the build's `scan` (see Scan.folder).
    `files`: the load's InputFiles (see load.files).

    Rule: the seeds are the files the scan found in the folder (see Scan.entries), as
    their metadata comes from it too; where it cannot tell, the folder is listed, and the
    seeds are remembered under the scan's state only when the listing holds the very
    names the scan saw."""
    root = Path(root).absolute()  # listed paths then hold no relative root
    files = files or InputFiles(memo, scan)
    state = scan.folder(seeds_dir) if scan else None
    if state is None or scan.looped:  # only a listing tells what the folder holds
        scanned = scan.entries(seeds_dir) if scan and state is None else None
        entries = scanned if scanned is not None else _entries(root / seeds_dir)
        if state is None or not _as_scanned(entries, state, seeds_dir):
            return _load_seeds(root, seeds_dir, memo, files, entries)[:2]
    else:
        entries = None  # the scan's, taken only when the seeds are loaded
    out = Collector()
    seeds = memo("seeds", (str(root), seeds_dir, state), lambda col: _folder(
        col, root, seeds_dir, tuple(state), memo, lambda: _load_seeds(
            root, seeds_dir, memo, files,
            scan.entries(seeds_dir) if entries is None else entries)), out)
    return seeds, out.problems


def _folder(out: Collector, root: Path, seeds_dir: str, state: tuple, memo, load
            ) -> dict[str, Seed]:
    """The seeds of the folder `seeds_dir` whose files are in `state` (its Scan.folder):
    what a load of the folder in that state made them of, and its problems, are
    remembered, so a build in a new process makes them of the memo's entries of their
    parses (see `_remade`); else, or where that cannot be done, `load()` loads them.
    Rule: a load that could not read a file is not remembered."""
    loaded: list = []

    def load_once(col: Collector) -> tuple[Made, ...]:
        seeds, problems, made = found = load()
        if any(p.code == "seed-read" for p in problems):
            raise _Unsettled(found)
        loaded.append(seeds)
        col.extend(problems)
        return tuple(made)
    told = Collector()
    try:
        made = memo("seed-folder", (str(root), seeds_dir, state), load_once, told)
    except _Unsettled as exc:
        found = exc.loaded
    else:
        seeds = loaded[0] if loaded else _remade(root, seeds_dir, made, memo)
        if seeds is not None:
            out.extend(told.problems)
            return seeds if loaded else as_last(memo, _SEEDS, seeds, _PARSED_FROM)
        found = load()  # a parse lost from the store that fails now: load the folder
    out.extend(found[1])
    return found[0]


def _remade(root: Path, seeds_dir: str, made, memo) -> dict[str, Seed] | None:
    """The seeds of a folder as a load of it made them (`made`: what each was made of),
    of the memo's entries of their parses and sidecars (one the memo lost is parsed
    again from its file); their problems are the load's, told with `made`. None where
    `made` is not what a load of `seeds_dir` leaves, or a seed cannot be made again."""
    if not _well_made(made, seeds_dir):
        return None
    quiet, seeds = Collector(), {}
    for each in made:
        side, extra = each[5:]
        meta = sidecar_meta(root, side, extra, memo, quiet) if side else SeedMeta()
        seed = seed_from(root, each, meta, memo, quiet)[0]
        if seed is None:
            return None
        seeds[each[0]] = seed
    return seeds


def _well_made(made, seeds_dir: str) -> bool:
    """Whether `made` (as the store holds it) is what `_load_seeds` leaves: a tuple of
    (id, path, format, digest, size, sidecar path, sidecar digest), each path a file of
    `seeds_dir` named by the id, so nothing outside the folder is ever read for it."""
    if type(made) is not tuple:
        return False
    kinds = (str, str, str, str, int, str, str)
    for each in made:
        if type(each) is not tuple or len(each) != 7 or \
                not all(type(v) is k for v, k in zip(each, kinds)):
            return False
        seed_id, rel, fmt, _digest, _size, side, _extra = each
        stem, dot, suffix = rel.rpartition(".")
        if not (ID_RE.fullmatch(seed_id) and stem == f"{seeds_dir}/{seed_id}" and dot
                and FORMATS.get(f".{suffix.lower()}") == fmt
                and side in ("", *(f"{stem}{ext}" for ext in SIDECAR_EXTS))):
            return False
    return True


def _as_scanned(entries: list[os.DirEntry] | OSError, state: tuple, folder: str) -> bool:
    """Whether a listing of `folder` holds the very names its scanned `state` does."""
    return not isinstance(entries, OSError) and {f"{folder}/{e.name}" for e in entries} \
        == {name for name, _state in state[1]} | set(state[2])


def _entries(folder: Path) -> list[os.DirEntry] | OSError:
    """The folder's entries (see files.listing), or why it cannot be listed."""
    try:
        return listing(folder)
    except OSError as exc:
        return exc


def _load_seeds(root: Path, seeds_dir: str, memo, inputs: InputFiles,
                entries: list[os.DirEntry] | OSError
                ) -> tuple[dict[str, Seed], list[Problem], list[Made]]:
    """The seeds of the folder's `entries` (see `_entries`), the problems, and what each
    seed was made of. A warm memo carries each document's load (its seed, problems and
    what it was made of), taken again while the build's scan saw its files as they were:
    a save in one seed loads that seed alone."""
    folder = root / seeds_dir
    if not folder.exists():
        return {}, [], []
    col, problem = Collector(), folder_problem(folder, root)
    if problem:
        col.error(f"{seeds_dir}/", None, problem, code="bad-link")
        return {}, col.problems, []
    if isinstance(entries, OSError):
        col.error(rel_path(root, folder), None, "cannot read folder: "
                  f"{entries.strerror or entries}", code="seed-read")
        return {}, col.problems, []
    plan = _plan(root, seeds_dir, entries, memo)
    col.extend(plan.listed)
    carried = Carried(memo, _LOADED)
    told = _inputs(plan.rels, inputs)
    were = carried.get_many([doc[0] for doc in plan.docs], told)
    _parse_ahead(root, [doc for doc, was in zip(plan.docs, were) if was is None], memo,
                 inputs)
    seeds: dict[str, Seed] = {}
    made: list[Made] = []
    for (key, paths, sidecars), was, seen in zip(plan.docs, were, told):
        if len(paths) > 1:
            names = " and ".join(rel_path(root, p) for p in paths)
            col.error(rel_path(root, paths[1]), None,
                      f"two seeds have the id '{paths[0].stem}' ({names}); rename or remove one "
                      "(ids must differ in more than letter case)", code="seed-duplicate")
            continue
        if was is None:
            seed, problems, of = seed_file(root, paths[0], memo, inputs, sidecars)
            if seen is not None and not any(p.code == "seed-read" for p in problems):
                carried.put(key, seen, (seed, of), problems, _asked(root, of, seed, inputs))
        else:
            (seed, of), problems = was[1], was[2]
        col.extend(problems)
        if seed:
            seeds[seed.id] = seed
            made.append(of)
    carried.done()
    col.extend(plan.orphans)
    # Early cut-off (see sitegen.memo.as_last): a seed parsed again from what the last
    # build's was is that seed, so what follows from the seeds that did not change stands
    # by identity (compared by what they were parsed from: their blocks are packed).
    return as_last(memo, _SEEDS, dict(sorted(seeds.items())), _PARSED_FROM), col.problems, \
        sorted(made)


def _inputs(rels: list[tuple[str, ...]], inputs: InputFiles) -> list[tuple | None]:
    """Each document's files and what the build's scan saw of them (see
    InputFiles.seen): a document's load stands while they are equal; None where only
    the bytes can tell."""
    seen = iter(inputs.seen([rel for group in rels for rel in group]))
    found = [(group, tuple(islice(seen, len(group)))) for group in rels]
    return [None if None in each[1] else each for each in found]


def _asked(root: Path, made: Made | None, seed: Seed | None, inputs: InputFiles) -> tuple:
    """The remembered values a document's load asked for: its files' digests, its parse,
    its sidecar's (while the load is carried, they are in use)."""
    if made is None or seed is None:
        return ()
    rel, side, extra = made[1], made[5], made[6]
    # (the sidecar's meta: a parse finds no `extract` of its own, see SeedMeta.over)
    asked = [("file-digest", inputs.known(rel)), ("seed", made_parse(root, made, seed.meta)[0])]
    if side:
        asked += [("file-digest", inputs.known(side)), ("sidecar", (side, extra))]
    return tuple(asked)


def _plan(root: Path, seeds_dir: str, entries: list[os.DirEntry], memo) -> _Plan:
    """The listing `entries` worked out (see `_Plan`): carried by a warm memo while they
    are the very same list (see Scan.entries)."""
    last = memo.carried(_PLAN)
    if last is None or last.entries is not entries:
        listed = Collector()
        files, docs = _documents(root, seeds_dir, entries, listed)
        folder, present = root / seeds_dir, set(files)
        docs_sidecars = [(key, paths, [p for p in (folder / f"{paths[0].stem}{ext}"
                                                   for ext in SIDECAR_EXTS) if p in present])
                         for key, paths in docs.items()]
        orphans = Collector()
        stems = {p.stem for p in files if p.suffix.lower() in FORMATS}
        for p in files:
            if p.suffix in SIDECAR_EXTS and p.stem not in stems:
                orphans.error(rel_path(root, p), None, "sidecar without a seed document "
                              f"(expected {seeds_dir}/{p.stem}{LISTED})", code="sidecar-orphan")
        last = _Plan(entries, files, docs_sidecars,
                     [tuple(rel_path(root, p) for p in (paths[0], *sides))
                      for _key, paths, sides in docs_sidecars], listed.problems, orphans.problems)
    memo.carry(_PLAN, last)
    return last


def _documents(root: Path, seeds_dir: str, entries: list[os.DirEntry], col: Collector
               ) -> tuple[list[Path], dict[str, list[Path]]]:
    """The folder's files, and its documents by lower-cased id (ids must differ beyond
    letter case); what is no seed or sidecar is a problem in `col`."""
    folder, files = root / seeds_dir, []
    for e in entries:
        problem = link_problem(folder / e.name, root) if e.is_symlink() else None
        if problem:
            col.error(f"{seeds_dir}/{e.name}", None, problem, code="bad-link")
        elif e.is_file():
            files.append(folder / e.name)
        elif e.is_dir():
            col.warning(f"{seeds_dir}/{e.name}/", None, f"ignored: seeds are read from "
                        f"{seeds_dir}/ itself, not from folders inside it; move the files "
                        f"up into {seeds_dir}/", code="ignored-file")
    docs: dict[str, list[Path]] = {}
    for p in files:
        if p.suffix.lower() in FORMATS or not p.suffix:  # no suffix: an error says what to do
            docs.setdefault(p.stem.lower(), []).append(p)
        elif p.suffix not in SIDECAR_EXTS:  # e.g. the original beside a converted copy
            col.warning(rel_path(root, p), None, f"ignored: not a seed format ({SUPPORTED})",
                        code="ignored-file")
    return files, docs


def _parse_ahead(root: Path, docs: list[tuple[str, list[Path], list[Path]]], memo,
                 files: InputFiles) -> None:
    """Hand the memo (to work out ahead, where it can) every parse `load_seeds` will ask
    for of `docs` (see `_Plan`): all but those of web pages with a sidecar (it may say
    how to read them). Problems are not reported here: the loop meets them in order."""
    jobs = []
    for _key, paths, sidecars in docs:
        path = paths[0]
        fmt = FORMATS.get(path.suffix.lower())
        if fmt == "html" and sidecars:
            continue
        if len(paths) == 1 and fmt and ID_RE.fullmatch(path.stem):
            rel = rel_path(root, path)
            try:
                jobs.append(parse_job(path.stem, rel, root, files.digest(path, rel), fmt,
                                      None))
            except OSError:
                continue
    memo.run("seed", jobs, label="parsing seeds")
