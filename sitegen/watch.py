"""From file changes to rebuilds: `Watcher` says which of the site's inputs changed;
`Coalescer` turns bursts of changes into single rebuilds.

What changed is always found by a scan (a `stat` per file) compared with the previous one.
A file changed within the last `racy` seconds is also compared by content, so two saves
within one tick of the file system clock, with the same size, are not missed. When to scan:
on Linux as soon as inotify reports an event in a watched folder (and once a second
anyway); elsewhere, or when inotify is unavailable, by polling.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import select
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Callable, Iterable

from .load.files import passed_over

WATCHED = ("config.yaml", "content", "seeds", "themes")
# inotify: modify, attrib, close_write, moved_from/to, create, delete, delete_self, move_self
_IN_EVENTS = 0x2 | 0x4 | 0x8 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800


class Watcher:
    """Snapshots of the files under `paths` (relative to `root`); `changes()` gives the
    relative paths added, removed or modified since the previous call."""

    def __init__(self, root: Path, paths: Iterable[str] = WATCHED, racy: float = 2.0,
                 use_inotify: bool = True):
        self.root, self.paths, self.racy_ns = Path(root), tuple(paths), int(racy * 1e9)
        self.folders: set[str] = set()  # every folder the latest scan went through
        self.scan_seconds = 0.0
        self._notify = _Inotify.open() if use_inotify else None
        self._watched: set[str] = set()
        self.state = self.scan()
        self._watch_folders()

    def changes(self) -> set[str]:
        new = self.scan()
        old, self.state = self.state, new
        self._watch_folders()
        return {rel for rel in old.keys() | new.keys()
                if rel not in old or rel not in new or _differs(old[rel], new[rel])}

    def wait(self, poll: float = 0.05, longest: float = 1.0) -> set[str]:
        """Wait until something may have changed (an inotify event; else `poll` seconds, or
        more when a scan is slow; at most `longest`), then give what changed."""
        if self._notify is not None:
            if self._notify.wait(longest):
                time.sleep(0.01)  # let a save finish its writes
                self._notify.drain()
        else:
            time.sleep(min(longest, max(poll, 4 * self.scan_seconds)))
        return self.changes()

    def close(self) -> None:
        if self._notify is not None:
            self._notify.close()
            self._notify = None

    def _watch_folders(self) -> None:
        if self._notify is None:
            return
        for folder in ({str(self.root)} | self.folders) - self._watched:
            if not self._notify.add(folder):
                self._notify.close()  # e.g. the limit of watches: poll instead
                self._notify = None
                return
        self._watched = {str(self.root)} | self.folders

    def scan(self) -> dict[str, tuple]:
        """relative path -> ((size, mtime_ns, ctime_ns, inode), content digest or None). The
        change time moves with every write, even one that sets the modification time back."""
        started = time.perf_counter()
        found: dict[str, tuple] = {}
        self.folders = set()
        now = time.time_ns()
        for top in self.paths:
            path = self.root / top
            try:
                if path.is_file():
                    self._add(found, top, os.stat(path), path, now)
                elif path.is_dir():
                    self._walk(found, path, top, now, set())
            except OSError:
                continue  # vanished while we looked: the next scan sees it
        self.scan_seconds = time.perf_counter() - started
        return found

    def _walk(self, found: dict, folder: Path, rel: str, now: int, visited: set) -> None:
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in visited:  # a symlink loop
            return
        visited.add((st.st_dev, st.st_ino))
        self.folders.add(str(folder))
        with os.scandir(folder) as entries:
            for entry in entries:
                if passed_over(entry.name):
                    continue
                sub = f"{rel}/{entry.name}"
                try:
                    if entry.is_dir():
                        self._walk(found, Path(entry.path), sub, now, visited)
                    elif entry.is_file():
                        self._add(found, sub, entry.stat(), Path(entry.path), now)
                except OSError:
                    continue

    def _add(self, found: dict, rel: str, st: os.stat_result, path: Path, now: int) -> None:
        digest = None
        if now - st.st_mtime_ns < self.racy_ns:
            try:
                digest = hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
            except OSError:
                pass
        found[rel] = ((st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino), digest)


class _Inotify:
    """Linux inotify through ctypes, used only to know when to scan."""

    def __init__(self, fd: int, add_watch):
        self.fd, self._add_watch = fd, add_watch

    @classmethod
    def open(cls) -> "_Inotify | None":
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            init, add_watch = libc.inotify_init1, libc.inotify_add_watch
        except (OSError, AttributeError):
            return None
        add_watch.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        fd = init(os.O_NONBLOCK | os.O_CLOEXEC)
        return cls(fd, add_watch) if fd >= 0 else None

    def add(self, folder: str) -> bool:
        if self._add_watch(self.fd, os.fsencode(folder), _IN_EVENTS) >= 0:
            return True
        return ctypes.get_errno() in (2, 20)  # ENOENT, ENOTDIR: gone already, no matter

    def wait(self, timeout: float) -> bool:
        return bool(select.select([self.fd], [], [], timeout)[0])

    def drain(self) -> None:
        try:
            while os.read(self.fd, 65536):
                pass
        except BlockingIOError:
            pass

    def close(self) -> None:
        os.close(self.fd)


def _differs(a: tuple, b: tuple) -> bool:
    if a[0] != b[0]:
        return True
    return a[1] is not None and b[1] is not None and a[1] != b[1]


class Coalescer:
    """Calls `action(paths)` in its own thread once per burst of changes: when `quiet`
    seconds pass without a new change (or `longest` seconds after the first, if changes
    never stop). Changes that arrive while `action` runs lead to exactly one more call,
    with every path changed meanwhile."""

    def __init__(self, action: Callable[[set[str]], None], quiet: float = 0.1,
                 longest: float = 2.0):
        self.action, self.quiet, self.longest = action, quiet, longest
        self._cond = threading.Condition()
        self._pending: set[str] = set()
        self._first = self._last = 0.0
        self._stopped = False
        self.running = False
        self._thread = threading.Thread(target=self._run, name="sitegen-rebuild", daemon=True)

    def start(self) -> "Coalescer":
        self._thread.start()
        return self

    def notify(self, paths: Iterable[str]) -> None:
        """Report changed paths (from any thread)."""
        paths = set(paths)
        if not paths:
            return
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending |= paths
            self._last = now
            self._cond.notify_all()

    def stop(self, timeout: float | None = None) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def idle(self) -> bool:
        """True when no change is waiting and no action runs."""
        with self._cond:
            return not self._pending and not self.running

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    if self._pending:
                        due = min(self._last + self.quiet, self._first + self.longest)
                        wait = due - time.monotonic()
                        if wait <= 0:
                            break
                        self._cond.wait(wait)
                    else:
                        self._cond.wait()
                if self._stopped:
                    return
                batch, self._pending = self._pending, set()
                self.running = True
            try:
                self.action(batch)
            except Exception:  # a bug in one rebuild must not end the preview
                traceback.print_exc()
            finally:
                with self._cond:
                    self.running = False
                    self._cond.notify_all()
