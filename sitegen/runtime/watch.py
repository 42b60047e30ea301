"""From file changes to rebuilds: `Watcher` says which of the site's inputs changed;
`Coalescer` turns bursts of changes into single rebuilds.

What changed is always found by a scan (`load.scan`: a `stat` per file) compared with the
previous one: a file changed within the settle time is also compared by content, so two
saves within one tick of the file system clock, with the same size, are not missed. After
a change report, only the reported paths are looked at again where that tells as much as
a whole scan (see Scan.updated); the scan made anyway (below) is whole. When to scan:
as soon as the operating system reports a change to an input (`watchfiles`: inotify,
FSEvents, ReadDirectoryChangesW; it watches the files at the site root
(`config.SITE_FILES`), `content/`, `seeds/` and `themes/`, anew when one appears or is
replaced), and every `longest` seconds anyway, or less often on a site whose scan takes
long (an idle preview spends at most SCAN_SHARE of a core scanning);
where it cannot watch (too many folders for the system's limit, say), by polling.
"""
from __future__ import annotations

import os
import threading
import time
import traceback
from pathlib import Path
from typing import Callable, Iterable, Iterator

import watchfiles

from ..load.config import SITE_FILES
from ..load.files import passed_over
from ..load.scan import Scan

WATCHED = (*SITE_FILES, "content", "seeds", "themes")
TICK_MS = 50  # how often a wait for the operating system's news looks at its deadline
SCAN_SHARE = 0.02  # of a core, at most, that an idle preview's scans take while watching


class Watcher:
    """Snapshots of the files under `paths` (relative to `root`); `changes()` gives the
    relative paths added, removed or modified since the previous call. `notify`: wake up
    on the operating system's change reports (else poll)."""

    def __init__(self, root: Path, paths: Iterable[str] = WATCHED, notify: bool = True):
        self.root, self.paths = Path(root), tuple(paths)
        self._stop = threading.Event()
        self._events = self._reports() if notify else None
        self.state = Scan(self.root, self.paths)
        self._whole = False  # the next scan is whole: reports may have been lost since

    def _reports(self) -> Iterator[set] | None:
        """The operating system's change reports for the inputs that exist now: a set of
        changes, or an empty one every TICK_MS; None where they cannot be watched."""
        self._watching = self._targets()
        if not self._watching:
            return None
        events = watchfiles.watch(
            *(self.root / top for top, _ in self._watching), watch_filter=None, debounce=100,
            step=10, rust_timeout=TICK_MS, yield_on_timeout=True, stop_event=self._stop,
            raise_interrupt=False)
        try:
            next(events)  # watching starts here: what changes from now on is reported
        except Exception:  # noqa: BLE001 - e.g. the system's limit of watched folders
            return None
        return events

    def _targets(self) -> tuple[tuple[str, int], ...]:
        """The watched inputs that exist, with their inodes: a folder made later, or a
        config.yaml an editor replaced, needs watching anew."""
        found = []
        for top in self.paths:
            try:
                found.append((top, os.stat(self.root / top).st_ino))
            except OSError:
                continue
        return tuple(found)

    def _is_input(self, path: str) -> bool:
        return not any(map(passed_over, Path(os.path.relpath(path, self.root)).parts))

    def changes(self, reported: set[str] | None = None) -> set[str]:
        """What changed since the last call: by a whole scan, or only at the `reported`
        paths (absolute; see Scan.updated) where that can tell."""
        old = self.state
        new = old.updated(reported) if reported is not None and not self._whole else None
        self.state, self._whole = new or Scan(self.root, self.paths), False
        return self.state.changed_since(old)

    def wait(self, poll: float = 0.05, longest: float = 1.0) -> set[str]:
        """Wait until something may have changed (a change report, or `longest` seconds
        or more when a scan is slow; without reports, `poll` seconds or more when a scan is
        slow, at most `longest`), then give what changed."""
        reported: set[str] | None = None  # the paths reported, when a report woke us
        if self._events is not None:
            deadline = time.monotonic() + max(longest, self.state.seconds / SCAN_SHARE)
            try:
                while time.monotonic() < deadline:
                    paths = {path for _change, path in next(self._events)}
                    if any(map(self._is_input, paths)):
                        reported = paths
                        break
            except Exception:  # noqa: BLE001 - watching broke (its folder went): poll
                self._close_reports()
                reported = None
        else:
            time.sleep(min(longest, max(poll, 4 * self.state.seconds)))
        changed = self.changes(reported)
        if self._events is not None and self._targets() != self._watching:
            # Watching anew: what changes meanwhile is reported to no one, so the next
            # scan is whole (as after watching broke).
            self._close_reports()
            self._events = self._reports()
            self._whole = True
        return changed

    def _close_reports(self) -> None:
        if self._events is not None:
            self._events.close()
            self._events = None

    def close(self) -> None:
        self._stop.set()
        self._close_reports()


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
