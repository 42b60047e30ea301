"""The output folder: which folder a build may write (`check_output_dir`: never the
site's own files, a stranger's folder or a symbolic link; sitegen marks each folder it
creates with MARKER), one build at a time (`output_lock`), and errors while writing it
(`write_errors`). The write stage (see write) fills it.
"""
from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

try:
    import fcntl
except ImportError:  # not on a POSIX system: builds of one folder are not kept apart
    fcntl = None

from .errors import SiteError

MARKER = ".sitegen-output"
MARKER_TEXT = "This folder was created by sitegen; every build rewrites what it holds.\n"


def regular_file(path: Path | str) -> bool:
    """A file of its own, not a symbolic link to one (sitegen never writes through one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def check_output_dir(root: Path, out: Path, shown: str) -> None:
    """Refuse an output folder that would clobber the site's own files or a stranger's,
    or that is a symbolic link (writing through it would write wherever it points)."""
    where = "config.yaml" if shown == "output_dir" else "--out"
    if out.is_symlink():
        raise SiteError.at(where, None, f"output folder {out} is a symbolic link; sitegen "
                                        "does not write through links: name the real folder",
                           code="bad-output")
    root, out = root.resolve(), out.resolve()
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
    above = next(p for p in out.parents if p.exists())
    if not above.is_dir():
        raise SiteError.at(where, None, f"output folder {out} cannot be made: {above} is a "
                                        "file, not a folder", code="bad-output")
    if out.exists():
        if not out.is_dir():
            raise SiteError.at(where, None, f"output path {out} exists and is not a folder",
                               code="bad-output")
        if not regular_file(out / MARKER) and any(out.iterdir()):
            raise SiteError.at(where, None, f"output folder {out} is not empty and was not made "
                                            "by sitegen; empty it, or choose another folder",
                               code="bad-output")


@contextmanager
def write_errors(out: Path) -> Iterator[None]:
    """An OSError while writing `out` (a full disk, a folder that cannot be made, …) as a
    SiteError ('write-error') that names the reason and the file."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise SiteError.at(str(out), None, f"cannot write the output: {exc.strerror or exc}"
                                           f"{where}", code="write-error") from exc


_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS}


@contextmanager
def output_lock(out: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the output folder `out` for this build: a second build of it waits here until
    the first is done (else it would take the first one's staging folder for an
    interrupted build's and remove it). The lock is a file beside `out`, there only
    while a build holds it; where the file system has no locks, builds go on without."""
    if fcntl is None:
        yield
        return
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    path = out.parent / f".{out.name}.sitegen-lock"
    waited = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not waited:
                say(f"waiting: another sitegen build is writing {out}")
                waited = True
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            if exc.errno not in _NO_LOCKS:
                raise
            os.close(fd)  # a file system without locks (some network ones): go on without
            path.unlink(missing_ok=True)
            yield
            return
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                break  # still the file at `path`: not one its holder removed meanwhile
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)  # before letting go, so a waiting build tries afresh
        os.close(fd)
