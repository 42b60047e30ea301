"""Write stage: new and changed files are written to a staging folder beside the output
and moved in only when all are there, so a failed build leaves the previous output
untouched; unchanged files are not written at all.

sitegen marks each output folder it creates with MARKER and never deletes or
replaces a folder without it.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .errors import SiteError

MARKER = ".sitegen-output"
MARKER_TEXT = "This folder was created by sitegen; every build rewrites what it holds.\n"


@dataclass(frozen=True)
class Kept:
    """An output file the previous build wrote that stays as it is (see sitegen.reuse)."""


def check_output_dir(root: Path, out: Path, shown: str) -> None:
    """Refuse an output folder that would clobber the site's own files or a stranger's."""
    root, out = root.resolve(), out.resolve()
    where = "config.yaml" if shown == "output_dir" else "--out"
    if out == root or out in root.parents:
        raise SiteError.at(where, None, f"output folder {out} is the site root or contains it; "
                                        "choose a folder inside it such as 'public'",
                           code="bad-output")
    for protected in ("content", "seeds", "themes"):
        p = root / protected
        if out == p or p in out.parents:
            raise SiteError.at(where, None, f"output folder {out} lies inside {protected}/; "
                                            "choose a folder such as 'public'",
                               code="bad-output")
    if out.exists():
        if not out.is_dir():
            raise SiteError.at(where, None, f"output path {out} exists and is not a folder",
                               code="bad-output")
        if not (out / MARKER).is_file() and any(out.iterdir()):
            raise SiteError.at(where, None, f"output folder {out} is not empty and was not made "
                                            "by sitegen; empty it, or choose another folder",
                               code="bad-output")


def write_site(out: Path, files: Iterable[tuple[str, bytes | Path | Kept]],
               before_change: Callable[[], None] = lambda: None) -> tuple[int, int]:
    """Make the folder `out` hold exactly `files` ((relative POSIX path, bytes, a file to
    copy, or `Kept`: the file already in `out` stands), consumed one at a time.
    Returns the number of HTML pages and of files.

    Every new or changed file is first written to a staging folder beside `out`; only
    when all are there does `out` change: files whose bytes did not change are left
    alone (their dates too, so `rsync` and caches see them unchanged), changed ones are
    moved in, files no longer produced are deleted. A new `out` is the staging folder
    itself, renamed. Any failure before that point leaves `out` as it was.
    `before_change` is called just before `out` starts to change."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = out.parent / f".{out.name}.sitegen-new"
    for leftover in (stage, out.parent / f".{out.name}.sitegen-old"):  # interrupted builds
        if leftover.is_dir() and (leftover / MARKER).is_file():
            shutil.rmtree(leftover)
    fresh = not out.exists()
    if not fresh and not (out / MARKER).is_file() and any(out.iterdir()):
        raise SiteError.at(str(out), None, "not replaced: this folder was not made by sitegen",
                           code="bad-output")
    try:
        stage.mkdir()
        (stage / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        staged, produced = _stage(stage, out, files, fresh)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    before_change()
    if fresh:
        os.replace(stage, out)
    else:
        _commit(out, stage, staged, produced)
    return sum(rel.endswith(".html") for rel in produced), len(produced)


def _stage(stage: Path, out: Path, files, fresh: bool) -> tuple[list[tuple[Path, str]], set[str]]:
    """Write what changed into `stage`: the whole tree when `out` is new, else one flat
    file per changed output file. Returns (staged file, output path) pairs and every
    output path produced."""
    staged, produced, made = [], set(), set()
    for rel, content in files:
        produced.add(rel)
        if isinstance(content, Kept):
            continue
        data = content.read_bytes() if isinstance(content, Path) else content
        if fresh:
            target = stage / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            target.write_bytes(data)
        elif not _holds(out / rel, data):
            tmp = stage / str(len(staged))
            tmp.write_bytes(data)
            staged.append((tmp, rel))
    return staged, produced


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` has exactly these bytes."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _commit(out: Path, stage: Path, staged: list[tuple[Path, str]], produced: set[str]) -> None:
    """Bring the existing folder `out` to the new output: delete what is no longer
    produced, then move the staged files in."""
    produced = produced | {MARKER}
    for dirpath, dirnames, filenames in os.walk(out, topdown=False):
        folder = Path(dirpath)
        for name in filenames:
            if (folder / name).relative_to(out).as_posix() not in produced:
                (folder / name).unlink()
        if folder != out and not any(folder.iterdir()):
            folder.rmdir()
    for tmp, rel in staged:
        target = out / rel
        if target.is_dir():  # a folder where a file now goes: the new output wins
            shutil.rmtree(target)
        for parent in reversed(target.relative_to(out).parents[:-1]):
            if (out / parent).is_file():  # a file where a folder now goes
                (out / parent).unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
    if not (out / MARKER).is_file():
        shutil.move(stage / MARKER, out / MARKER)
    shutil.rmtree(stage, ignore_errors=True)


def update_site(out: Path, files: dict[str, bytes | Path],
                before: dict[str, bytes]) -> tuple[dict[str, bytes], list[str]]:
    """Bring the folder `out`, holding `before` (as this function last left it), to `files`
    in place: delete the files no longer produced, write only those whose bytes changed,
    each atomically. For the live preview's private folder, not for a published one.
    Returns what the folder now holds (the next `before`) and the paths changed."""
    out.mkdir(parents=True, exist_ok=True)
    if not (out / MARKER).is_file():
        (out / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    now = {rel: c.read_bytes() if isinstance(c, Path) else c for rel, c in files.items()}
    changed = sorted(before.keys() - now.keys())
    for rel in changed:
        target = out / rel
        target.unlink(missing_ok=True)
        for folder in target.parents:  # drop folders this left empty
            if folder == out or not folder.is_dir() or any(folder.iterdir()):
                break
            folder.rmdir()
    for rel, data in now.items():
        old = before.get(rel)
        if old is data or old == data:
            continue
        changed.append(rel)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.sitegen-tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return now, changed
