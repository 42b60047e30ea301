"""Knowing what stands: a stamp of every input of a build (from its scan, load.scan), and
the record of the last successful build in the store, so a no-change rebuild costs a walk
over file metadata (and a read of the files that were racy then) and the pages of the
last build can stand while their keys are unchanged.

The stamp covers the files at the site root (config.SITE_FILES), everything under
content/ and seeds/, the theme's folders (the site's and the bundled ones), the build
options and sitegen's own code. The record also notes the identity of the output
folder's marker file, so an output replaced or removed since is noticed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import Problem
from ..load.config import SITE_FILES
from ..load.scan import Scan, still
from .digest import code_digest
from .store import Store


def inputs(root: Path, theme_dirs: list[Path]) -> Scan:
    """The scan of every input of a build: the files at the site root
    (config.SITE_FILES), content/, seeds/ and the theme's folders."""
    return Scan(root, (*SITE_FILES, "content", "seeds", *theme_dirs))


def stamp(scan: Scan, options: tuple) -> str:
    """Digest of the metadata of every input file, the options and the code (the
    content of racy files is not in it: the record keeps it, see `up_to_date`)."""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr((code_digest(), options)).encode())
    h.update(scan.digest().encode())
    return h.hexdigest()


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


def up_to_date(store: Store, out: Path, current: str, scan: Scan,
               marker: str) -> list[Problem] | None:
    """The warnings of the last build when it had this stamp, the files that were racy
    in its scan hold the bytes they held then, and its output is still in place; None
    when a build is needed. (A file racy now was racy then too, its metadata being the
    same: git re-checks racily clean entries the same way.)"""
    record = _record(store, out, marker)
    try:
        if record and record["stamp"] == current and scan.racy.keys() <= record["racy"].keys() \
                and still(scan.root, record["racy"]):
            return [Problem(**w) for w in record["warnings"]]
    except (KeyError, TypeError, AttributeError):
        pass
    return None


def output_intact(store: Store, out: Path, marker: str) -> bool:
    """Whether `out` is still the output folder the last successful build wrote."""
    return _record(store, out, marker) is not None


def record(out: Path, marker: str, current: str, scan: Scan, warnings: list[Problem]) -> dict:
    """The record of a build just done (see Store.commit_build), with the content of the
    files its scan found racy."""
    return {"stamp": current, "racy": scan.racy, "out": str(out.resolve()),
            "marker": _identity(out / marker), "warnings": [w.__dict__ for w in warnings]}
