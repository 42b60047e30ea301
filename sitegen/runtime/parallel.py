"""Work spread over every core: worker processes forked once the data is ready share it
copy-on-write, each computes chunks of items, and the results come back in item order,
so the output equals a one-process build byte for byte.

Runs in this process instead where `fork` is unavailable, for small jobs, or when one
core is all there is. Used for Markdown (model stage) and pages (render stage), and
(`in_background`) for one piece of work done on another core while this process goes on
with another.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import weakref
from typing import Callable, Iterator, Sequence, TypeVar

from . import progress
from .gcpause import frozen_for_fork, give_back

T = TypeVar("T")
R = TypeVar("R")
CHUNK = 32
MIN_ITEMS = 200  # fewer items are done in this process: forking would cost more
_job: tuple[Callable, Sequence] | None = None  # set before forking, read by the workers


def _run_chunk(task: tuple[int, tuple[int, int]]) -> tuple[int, list]:
    number, bounds = task
    fn, items = _job
    return number, [fn(items[i]) for i in range(*bounds)]


def _start_worker() -> None:
    gc.enable()  # see gcpause.frozen_for_fork
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # ended at once, whatever the parent does


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fork_map(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None,
             min_items: int | None = None, label: str | None = None,
             chunk: int = CHUNK) -> Iterator[R]:
    """fn(item) for every item, in order; on `workers` processes when worth it (at least
    `min_items` items, default MIN_ITEMS: fewer when each item is known to be much work).
    `label` names the work in progress lines (see sitegen.runtime.progress). `chunk`: the
    most items a worker does at once; their results travel, and wait their turn, together
    (make it small where each result is large)."""
    workers = default_workers() if workers is None else workers
    min_items = MIN_ITEMS if min_items is None else min_items
    context = _forking(workers) if len(items) >= max(min_items, 2) else None
    if context is None:
        yield from _counted(map(fn, items), len(items), label)
        return
    global _job
    _job = (fn, items)
    try:
        chunks = _chunks(len(items), workers, chunk)
        with frozen_for_fork(), context.Pool(workers, initializer=_start_worker) as pool:
            yield from _in_order(pool.imap_unordered(_run_chunk, enumerate(chunks)),
                                 len(items), label)
    finally:
        _job = None


def _forking(workers: int | None):
    """The context to fork workers with, the memory freed so far given back (they start
    from a smaller process, and this one stays smaller); None where work stays here: one
    worker or core, or no `fork`."""
    workers = default_workers() if workers is None else workers
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    give_back()
    return multiprocessing.get_context("fork")


def in_background(fn: Callable[[], R], workers: int | None = None) -> Callable[[], R]:
    """Start fn() in a forked worker and go on; the callable returned waits for its result
    (pickled on its way back). Where there is one core or no `fork`, fn() runs here, at
    once. A worker whose result is not taken (never asked for, or the wait for it
    interrupted) is ended.
    Rules: fn must not use what cannot cross a fork (the store's SQLite connection), nor
    fork itself (the worker is a daemon), and must leave no effect behind but its result
    (the worker's copy of everything ends with it); should the worker fail, fn() runs
    here, so its error is met as if it had."""
    context = _forking(workers)
    started = _started(context, fn) if context is not None else None
    if started is None:  # no fork here, or none now (memory, a process limit)
        done = fn()
        return lambda: done
    worker, receive = started

    def result() -> R:
        try:
            ok, value = receive.recv()
        except (EOFError, OSError):  # the worker died: nothing came
            ok, value = False, None
        except BaseException:
            _end(worker)  # (it may be waiting to send: nobody reads now)
            raise
        finally:
            receive.close()
        worker.join()
        return value if ok else fn()

    weakref.finalize(result, _end, worker)
    return result


def _started(context, fn: Callable[[], R]) -> tuple | None:
    """(a started background worker for fn(), the end of its pipe to receive from), or
    None where the system refuses the fork."""
    receive, send = context.Pipe(duplex=False)
    worker = context.Process(target=_background, args=(fn, receive, send), daemon=True)
    try:
        with frozen_for_fork():
            worker.start()
    except OSError:
        receive.close()
        return None
    finally:
        send.close()
    return worker, receive


def _background(fn: Callable[[], R], receive, send) -> None:
    """A background worker's body: fn()'s result, or word that it failed, to the parent.
    Rule: the worker closes its copy of the pipe's reading end first, so that a send
    fails, rather than waits for ever, once the parent is gone."""
    receive.close()
    _start_worker()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent deals with Ctrl-C
    try:
        with progress.reporting(None):  # (the parent says how far it is)
            value = (True, fn())
    except BaseException:  # noqa: BLE001 - the parent computes it again and meets it
        value = (False, None)
    try:
        try:
            send.send(value)
        except (OSError, ValueError):
            pass  # the parent is gone, or did not want it
        except Exception:  # noqa: BLE001 - a result that cannot be pickled: so it says
            send.send((False, None))
    finally:
        send.close()


def _end(worker) -> None:
    """End a background worker that is still at work, and reap it."""
    if worker.is_alive():
        worker.terminate()
    worker.join()


def _chunks(count: int, workers: int, most: int) -> list[tuple[int, int]]:
    """(start, end) of each chunk of `count` items: at most `most` items, and a few
    items one at a time (each worker then has several chunks to take)."""
    size = max(1, min(most, count // (workers * 4)))
    return [(i, min(i + size, count)) for i in range(0, count, size)]


def _in_order(arrived: Iterator[tuple[int, list]], total: int, label: str | None
              ) -> Iterator:
    """The results of numbered chunks, in chunk order, from chunks arriving in any order.
    Progress counts what has arrived: a first chunk that takes long (a large site's book)
    must not hold back the count of all the others, done meanwhile."""
    pending: dict[int, list] = {}
    first = done = 0
    for number, results in arrived:
        done += len(results)
        if label is not None:
            progress.tick(label, done, total)
        pending[number] = results
        while first in pending:
            yield from pending.pop(first)
            first += 1


def _counted(results: Iterator[R], total: int, label: str | None) -> Iterator[R]:
    if label is None:
        yield from results
        return
    for done, result in enumerate(results, 1):
        progress.tick(label, done, total)
        yield result
