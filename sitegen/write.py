"""Write stage: the whole site is written to a temporary folder beside the output and
swapped in only when complete, so a failed build leaves the previous output untouched.

sitegen marks each output folder it creates with MARKER and never deletes or
replaces a folder without it.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable

from .errors import SiteError

MARKER = ".sitegen-output"
MARKER_TEXT = "This folder was created by sitegen and is replaced on every build.\n"


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


def write_site(out: Path, files: Iterable[tuple[str, bytes | Path]]) -> tuple[int, int]:
    """Write `files` ((relative POSIX path, bytes or a file to copy) pairs, consumed one at
    a time) as the folder `out`. Returns the number of HTML pages and of files."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.sitegen-new"
    old = out.parent / f".{out.name}.sitegen-old"
    for leftover in (tmp, old):  # from an interrupted earlier build; ours by name and marker
        if leftover.is_dir() and (leftover / MARKER).is_file():
            shutil.rmtree(leftover)
    try:
        tmp.mkdir()
        (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        made, pages, count = set(), 0, 0
        for rel, content in files:
            count += 1
            pages += rel.endswith(".html")
            target = tmp / rel
            parent = target.parent
            if parent not in made:
                parent.mkdir(parents=True, exist_ok=True)
                made.add(parent)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:  # a file of the previous output that stays as it is (sitegen.reuse)
                try:
                    os.link(content.path, target)
                except OSError:
                    shutil.copyfile(content.path, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)
    return pages, count


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
