"""The live preview's build process: the incremental builder and its in-memory cache live
in a process of their own, started fresh (`spawn`), so it holds no thread of the
preview's server. A process without threads can fork workers safely: every rebuild, not
only the first, parses and renders on every core.

The preview calls `build()` as it would call `IncrementalBuilder.build`: it gets what the
build did (`Rebuilt`) or its errors (SiteError). A build that crashes sitegen itself
prints its traceback and comes back as an 'internal error'; a build process that died
is started again (the next build is then a full one).

After a build, the process makes ready what the next build needs, a little at a time,
looking for a request between steps (see IncrementalBuilder.warm_up); then waits until
`idle` seconds pass without another build, runs the cyclic garbage collection the
builds put off (see gcpause, and `_collect_garbage`) and lets go of what they no longer
use (see IncrementalBuilder.idle): work that falls in the time the author reads, not
between a save and the reloaded page, and is kept short, as a save may come meanwhile.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

from . import progress
from ..errors import Problem, SiteError
from ..engine.rebuild import IncrementalBuilder, Rebuilt
from ..load.config import Config
from ..load.scan import Scan, ScanDelta
from .parallel import default_workers

IDLE = 3.0  # seconds without a build before collecting garbage
WARM_UP_STEP = 0.02  # seconds of warming up at a time, between looks for a request
THOROUGH_EVERY = 20  # idle collections: one in so many walks all objects (see _collect_garbage)


class BuildProcess:
    """Builds the site at `root` into `out` in a process of its own; one build at a time.
    `log` (a module-level function: it is sent to the process) says how long builds go."""

    def __init__(self, root: Path, out: Path, drafts: bool = False,
                 log: Callable[[str], None] | None = None, idle: float = IDLE):
        self._args = (Path(root), Path(out), drafts, log, idle)
        self.config: Config | None = None  # of the latest build that read config.yaml
        self._closed = False
        self._lock = threading.Lock()  # held by the request under way
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._sent: Scan | None = None  # the scan the process holds (see `build`)
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=_run, args=(theirs, *self._args),
                                        name="sitegen-build")
        self._process.start()
        theirs.close()

    def build(self, scan: Scan | None = None) -> Rebuilt:
        """Rebuild (from `scan`: see IncrementalBuilder.build); raises SiteError when the
        site has errors (or sitegen crashed)."""
        with self._lock:  # (one request at a time, and the scan it holds with it)
            if not self._process.is_alive() and not self._closed:
                self._conn.close()
                self._start()
            # The process holds the last scan it was sent: a later one travels as what
            # changed since (a whole scan of a large site takes longer to send than to
            # diff).
            sent, self._sent = self._sent, None  # (until the process has it)
            delta = scan.delta(sent) if scan is not None and sent is not None else None
            outcome, value, self.config = self._request(("build", delta or scan))
            self._sent = scan
        if outcome == "built":
            return value
        raise SiteError(value)

    def status(self) -> dict:
        """The build process's state: its full garbage `collections` so far (of which
        `thorough`: walked every object), the objects `frozen` out of them, the builds
        `warmed up` after, the `workers` its builds use, the `threads` it runs and the
        scans it was sent as what changed since the one before (`scan deltas`)."""
        return self._ask("status")

    def _ask(self, request):
        with self._lock:
            return self._request(request)

    def _request(self, request):
        try:
            self._conn.send(request)
            return self._conn.recv()
        except (EOFError, OSError):
            self._process.join(timeout=1)  # it is ending: have its exit code
            code = self._process.exitcode
            raise SiteError(Problem("(sitegen)", None, "internal error: the build process "
                                    f"stopped (exit code {code}); the next change starts "
                                    "it again")) from None

    def close(self, timeout: float = 1.0) -> None:
        """Stop the build process (from any thread). A build it is running is stopped too
        after `timeout` seconds, cleaning up after itself: the preview is closing; its
        caller gets a SiteError."""
        self._closed = True
        if self._lock.acquire(timeout=timeout):  # no build under way, or it ended soon
            try:
                self._conn.send("stop")
            except OSError:
                pass
            finally:
                self._lock.release()
            self._process.join(timeout)
        if self._process.is_alive():
            self._process.terminate()  # SIGTERM: it ends its workers and cleans up (`_exit`)
            self._process.join()
        with self._lock:  # a request under way has had its answer (the end of the pipe)
            self._conn.close()


def _run(conn, root: Path, out: Path, drafts: bool, log, idle: float) -> None:
    """The build process: answer requests until told to stop (or the preview is gone)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the preview, which stops us
    signal.signal(signal.SIGTERM, _exit)
    gc.disable()
    builder = IncrementalBuilder(root, out, drafts, workers=default_workers())
    due = None  # when to run the collection the latest build put off
    idles = thorough = 0  # idle collections, of which walked everything
    warming, warmed = False, 0  # see IncrementalBuilder.warm_up; warm-ups done
    held: Scan | None = None  # the last scan sent (see BuildProcess.build)
    deltas = 0  # scans sent as what changed since the one held
    try:
        while True:
            if warming and not conn.poll(0):
                warming = builder.warm_up(WARM_UP_STEP)
                warmed += not warming
                continue
            if due is not None and not conn.poll(max(0.0, due - time.monotonic())):
                idles += 1
                walk_all = idles % THOROUGH_EVERY == 0  # not the first: see the freeze below
                thorough += walk_all
                _collect_garbage(walk_all)
                builder.idle()
                due = None
                continue
            request = conn.recv()
            if request == "stop":
                return
            if request == "status":
                conn.send({"collections": gc.get_stats()[2]["collections"],
                           "thorough": thorough,
                           "frozen": gc.get_freeze_count(), "warmed up": warmed,
                           "workers": builder.workers, "threads": threading.active_count(),
                           "scan deltas": deltas})
                continue
            scan = request[1]
            if isinstance(scan, ScanDelta):
                scan, deltas = held.patched(scan), deltas + 1
            held = scan
            with progress.reporting(log):
                conn.send((*_built(builder, scan), builder.config))
            if not gc.get_freeze_count():
                # The first build's objects: frozen at once, not walked by a collection
                # (that would walk the whole memo when an author's first save is likely);
                # the few cycles among them wait for a thorough collection.
                gc.freeze()
            due, warming = time.monotonic() + idle, True
    except (EOFError, OSError):
        return  # the preview is gone


def _collect_garbage(thorough: bool) -> None:
    """The cyclic garbage collection builds put off. What survives it is frozen (left
    out of later collections: gc.freeze), so the next one walks only what later builds
    made, not the whole memo again (0.07 s instead of 0.9 s at 10,000 briefings), and an
    edit saved meanwhile waits that much less; a `thorough` one walks everything."""
    if thorough:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def _exit(_signum, _frame) -> None:
    """SIGTERM (see `BuildProcess.close`): end now. Unwinding a build would run
    multiprocessing's pool shutdown, which can hang once the build is cut off midway; so
    end the workers (they end at once: see parallel), exit."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for child in multiprocessing.active_children():
        child.terminate()
    os._exit(0)


def _built(builder: IncrementalBuilder, scan: Scan | None) -> tuple[str, object]:
    try:
        return "built", builder.build(scan)
    except SiteError as exc:
        return "failed", exc.problems
    except Exception as exc:  # noqa: BLE001 - a bug: say so, the preview keeps serving
        traceback.print_exc()
        return "failed", [Problem("(sitegen)", None, f"internal error: {exc!r}")]
