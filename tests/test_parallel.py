"""Rendering on several processes gives the same output as one process, byte for byte."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import snapshot

from sitegen.runtime import parallel
from sitegen.commands.build import build
from sitegen.errors import SiteError


def test_parallel_build_equals_serial_build(example, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)  # fork even for the small example
    build(example, out_dir=str(example / "one"), workers=1)
    build(example, out_dir=str(example / "two"), workers=2)
    one, two = snapshot(example / "one"), snapshot(example / "two")
    assert len(one) > 20 and one == two


def test_fork_map_keeps_order_and_really_uses_workers(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    items = list(range(200))
    assert list(parallel.fork_map(lambda i: i * i, items, workers=2)) == [i * i for i in items]
    pids = set(parallel.fork_map(lambda _i: os.getpid(), items, workers=2))
    assert os.getpid() not in pids and len(pids) >= 1


def test_fork_map_sends_at_most_a_chunk_of_items_at_once():
    """Large results travel in small chunks (the search index's groups: one at a time),
    so few of them wait in this process for their turn; each chunk's items in order."""
    for count, most in ((400, 1), (400, parallel.CHUNK), (10, 4), (1000, 7)):
        chunks = parallel._chunks(count, 2, most)
        assert [i for start, end in chunks for i in range(start, end)] == list(range(count))
        assert max(end - start for start, end in chunks) == min(most, max(1, count // 8))


def test_fork_map_hands_back_a_chunk_at_a_time(monkeypatch):
    from sitegen.runtime import progress

    arrived: list[int] = []
    monkeypatch.setattr(progress, "tick", lambda _label, done, _total: arrived.append(done))
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    items = list(range(400))
    assert list(parallel.fork_map(str, items, 2, label="x", chunk=1)) == list(map(str, items))
    sizes = [done - before for before, done in zip([0, *arrived], arrived)]
    assert sizes == [1] * 400  # each chunk as it arrived (in any order)
    arrived.clear()
    assert list(parallel.fork_map(str, items, 2, label="x")) == list(map(str, items))
    sizes = [done - before for before, done in zip([0, *arrived], arrived)]
    assert sorted(sizes) == [400 % parallel.CHUNK] + [parallel.CHUNK] * (400 // parallel.CHUNK)


def test_errors_in_workers_arrive_whole(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)

    def fail(i):
        if i == 150:
            raise SiteError.at("themes/x.html", 3, "template error")
        return i

    try:
        list(parallel.fork_map(fail, list(range(200)), workers=2))
    except SiteError as exc:
        assert str(exc.problems[0]) == "themes/x.html:3: error: template error"
    else:
        raise AssertionError("the worker's error was lost")


def test_work_in_the_background_comes_back_from_another_process(tmp_path):
    """`in_background`: the result as fn() gives it, worked out in a forked worker while
    this process goes on (the worker waits for a file made only once the call returned);
    with one core, at once, here."""
    import time

    go = tmp_path / "go"

    def work():
        deadline = time.monotonic() + 30
        while not go.exists():
            if time.monotonic() > deadline:
                return "never told to go", os.getpid()
            time.sleep(0.01)
        return list(range(5)), os.getpid()

    result = parallel.in_background(work, workers=2)
    go.touch()
    value, pid = result()
    assert value == list(range(5)) and pid != os.getpid()
    seen = []
    result = parallel.in_background(lambda: seen.append(os.getpid()) or "done", workers=1)
    assert seen == [os.getpid()] and result() == "done"


def test_a_failure_in_the_background_is_met_here(tmp_path):
    """A worker that fails hands back nothing: fn() runs here, and its error is this
    process's, whole."""
    calls = tmp_path / "calls"

    def fail():
        with calls.open("a") as f:
            f.write(f"{os.getpid()}\n")
        raise SiteError.at("themes/x.html", 3, "template error")

    result = parallel.in_background(fail, workers=2)
    try:
        result()
    except SiteError as exc:
        assert str(exc.problems[0]) == "themes/x.html:3: error: template error"
    else:
        raise AssertionError("the error was lost")
    pids = calls.read_text().split()
    assert len(pids) == 2 and pids[1] == str(os.getpid()) != pids[0]


def test_work_that_cannot_be_forked_is_done_here(monkeypatch):
    """A fork refused (no memory, a process limit) does the work in this process."""
    import multiprocessing.context

    def refuse(_process):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.context.ForkProcess, "start", refuse)
    seen = []
    result = parallel.in_background(lambda: seen.append(os.getpid()) or "done", workers=2)
    assert seen == [os.getpid()] and result() == "done"


def _gone(pid: int, seconds: float = 10.0) -> bool:
    """Whether process `pid` ended and was reaped within `seconds`."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.01)
    return False


def _started(path) -> int:
    """The pid a background worker wrote to `path` once it started."""
    import time

    deadline = time.monotonic() + 30
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, "the worker never started"
        time.sleep(0.01)
    return int(path.read_text())


@pytest.mark.parametrize("size", [100, 1 << 20])  # a result within a pipe's buffer, and not
def test_a_background_worker_whose_result_is_not_taken_is_ended(tmp_path, size):
    """A build that fails before it asks for the result, or whose wait for it is
    interrupted (Ctrl-C), leaves no worker behind, whether or not the result fits in the
    pipe (a larger one waits for a reader)."""
    import time

    started = tmp_path / "pid"

    def work():
        started.write_text(str(os.getpid()))
        return b"x" * size

    result = parallel.in_background(work, workers=2)
    pid = _started(started)
    time.sleep(0.2)  # (the worker is sending, or waiting to)
    del result  # never asked for
    assert _gone(pid)

    started.unlink()
    result = parallel.in_background(lambda: work() and time.sleep(60), workers=2)
    pid = _started(started)
    import signal
    import threading

    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
    asked = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        result()  # interrupted while it waits
    assert time.monotonic() - asked < 10 and _gone(pid)  # (not once the worker is done)


def test_the_cyclic_garbage_collector_sits_out_the_build(small, monkeypatch):
    """Its full collections would walk the whole site graph again and again for nothing."""
    import gc

    from sitegen.render import Renderer

    seen = []
    stream = Renderer.stream
    monkeypatch.setattr(Renderer, "stream", lambda self, page: seen.append(gc.isenabled())
                        or stream(self, page))
    assert gc.isenabled()
    build(small, workers=1)
    assert seen and not any(seen)
    assert gc.isenabled()  # and is back afterwards
    with pytest.raises(SiteError):
        build(small, out_dir=str(small / "content" / "out"))
    assert gc.isenabled()


def _resident_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads Linux's /proc")
def test_memory_a_stage_freed_goes_back_to_the_system_before_workers_fork(monkeypatch):
    """The C allocator keeps what a stage freed; given back before the next stage's
    workers are forked, the build's largest process stays smaller."""
    from sitegen.runtime import gcpause
    blocks = [bytes(2000) + bytes([i % 256]) for i in range(60_000)]  # 120 MB, malloc's
    pins = blocks[::64]  # kept: free() cannot give back the holes between them
    del blocks
    before = _resident_mib()
    gcpause.give_back()
    assert before - _resident_mib() > 60
    del pins
    asked = []
    monkeypatch.setattr(parallel, "give_back", lambda: asked.append(True))
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    assert list(parallel.fork_map(abs, [-1, -2, -3], workers=2)) == [1, 2, 3]
    assert asked == [True]


def test_ahead_computes_misses_in_workers_and_replays_their_problems(monkeypatch):
    from sitegen.engine.memo import Memo
    from sitegen.errors import Collector

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)

    def compute(i):
        def run(out):
            out.warning(f"f{i}.md", i, "careful")
            return os.getpid()
        return run

    memo = Memo(workers=2, warm=True)
    memo("step", 0, lambda _out: "held", Collector())  # a hit: not computed again
    memo.start()
    memo.run("step", [(i, compute(i)) for i in range(4)])
    assert all(memo.has("step", i) for i in range(4))
    out = Collector()
    got = [memo("step", i, compute(i), out) for i in range(4)]
    assert got[0] == "held" and os.getpid() not in got[1:]
    assert memo.misses("step") == 0  # none computed here
    assert [p.line for p in out.problems] == [1, 2, 3]


def test_values_worked_out_ahead_are_stored_as_the_workers_encoded_them(tmp_path,
                                                                          monkeypatch):
    """A persisted step's values made in workers come encoded for the store: this process
    stores them without encoding them again, and a new process reads them back."""
    from sitegen.engine import store as store_module
    from sitegen.engine.memo import Memo
    from sitegen.engine.store import Store
    from sitegen.errors import Collector

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    jobs = [(f"k{i}", lambda _out, i=i: {"value": i, "pid": os.getpid()}) for i in range(4)]

    def refused(value):
        raise AssertionError(f"encoded here: {value!r}")

    memo = Memo(Store(tmp_path), workers=2)
    memo.start()
    with monkeypatch.context() as patched:
        patched.setattr(store_module, "encode", refused)
        memo.run("briefing", jobs)
        made = [memo("briefing", key, compute, Collector()) for key, compute in jobs]
        memo.save()
    assert os.getpid() not in {value["pid"] for value in made}
    again = Memo(Store(tmp_path))
    again.start()
    assert [again("briefing", key, refused, Collector()) for key, _ in jobs] == made


def test_pages_rendered_and_written_by_workers_are_reused_by_the_next_build(
        example, tmp_path, monkeypatch):
    """Workers write their pages and work out their keys: the next build trusts those
    exactly as it trusts keys worked out in one process."""
    import shutil

    from conftest import edit
    from sitegen.render import Renderer

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    rendered = {}
    stream = Renderer.stream
    for workers in (1, 2):
        site = shutil.copytree(example, tmp_path / f"site-{workers}")
        total = build(site, workers=workers).pages
        seen = rendered[workers] = []
        monkeypatch.setattr(Renderer, "stream", lambda self, page, seen=seen:
                            seen.append(page.site_path) or stream(self, page))
        edit(site, "content/briefings/donbas-false-flag-allegations.md", "title: ",
             "title: Updated ")
        build(site, workers=1)
        monkeypatch.setattr(Renderer, "stream", stream)
    assert 0 < len(rendered[2]) < total and sorted(rendered[1]) == sorted(rendered[2])
    build(site, out_dir=str(site / "cold"), workers=1, cache=False)
    assert snapshot(site / "public") == snapshot(site / "cold")


def test_a_new_process_works_out_the_pages_keys_on_another_core(example, tmp_path,
                                                                monkeypatch):
    """A build without the previous build's pages at hand works out every page's key in
    a background worker while it makes the search index: it renders the pages one core
    renders, and the output equals a clean build's."""
    import shutil

    from sitegen.engine import reuse
    from sitegen.render import Renderer

    keyed = tmp_path / "keyed"
    key = reuse.PageReuse.key

    def noted(keys, page):
        with keyed.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return key(keys, page)

    monkeypatch.setattr(reuse.PageReuse, "key", staticmethod(noted))
    rendered = {}
    stream = Renderer.stream
    for workers in (1, 2):
        site = shutil.copytree(example, tmp_path / f"site-{workers}")
        build(site, workers=workers)
        keyed.unlink(missing_ok=True)
        seen = rendered[workers] = []
        monkeypatch.setattr(Renderer, "stream", lambda self, page, seen=seen:
                            seen.append(page.site_path) or stream(self, page))
        edited = site / "content/briefings/donbas-false-flag-allegations.md"
        edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                          encoding="utf-8")
        build(site, workers=workers)
        monkeypatch.setattr(Renderer, "stream", stream)
        pids = set(keyed.read_text().split())
        assert (os.getpid() in map(int, pids)) == (workers == 1) and len(pids) == 1
    total = len(list((site / "public").rglob("*.html")))
    assert 0 < len(rendered[2]) < total and sorted(rendered[1]) == sorted(rendered[2])
    build(site, out_dir=str(site / "cold"), workers=1, cache=False)
    assert snapshot(site / "public") == snapshot(site / "cold")


def test_the_preview_keeps_the_book_chapters_it_renders_itself(example, tmp_path,
                                                              monkeypatch):
    """Workers render the chapters of the preview's first build without keeping them; an
    edit renders its book volume whole once, in the preview's own process, which keeps
    them: the next edit renders only the chapters it changed."""
    from conftest import briefing_files, edit
    from sitegen.engine.rebuild import IncrementalBuilder
    from sitegen.render import Renderer

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    builder = IncrementalBuilder(example, tmp_path / "serve", workers=2)
    builder.build()
    briefings = len(briefing_files(example))
    chapters = []
    render_part = Renderer.render_part
    monkeypatch.setattr(Renderer, "render_part", lambda self, page, template, data:
                        chapters.append(template) or render_part(self, page, template, data))
    monkeypatch.setattr(parallel, "MIN_ITEMS", 10 ** 6)  # rendered here, where it is counted
    for word in ("Updated", "Again"):
        chapters.clear()
        edit(example, "content/briefings/donbas-false-flag-allegations.md", "title: ",
             f"title: {word} ")
        builder.build()
        if word == "Updated":  # the volume whole: the workers' chapters were not kept
            assert len(chapters) == briefings > 3
        else:  # the chapters that show the title (its own, and where it is linked)
            assert 0 < len(chapters) < briefings
    build(example, out_dir=str(tmp_path / "cold"), workers=1, cache=False)
    assert snapshot(tmp_path / "serve") == snapshot(tmp_path / "cold")


def test_long_builds_say_how_far_they_are(example, monkeypatch):
    from sitegen.runtime import progress

    monkeypatch.setattr(progress, "EVERY", 0.0)  # a line per item: the example is quick
    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)  # parse and render in workers too
    messages = []
    result = build(example, workers=2, cache=False, log=messages.append)
    pages = [m for m in messages if m.startswith("rendering pages: ")]
    assert pages[-1].startswith(f"rendering pages: {result.pages:,} of {result.pages:,} (")
    assert any(m.startswith("parsing briefings: ") for m in messages)
    assert any(m.startswith("rendering Markdown: ") for m in messages)


def test_a_worker_renders_book_chapters_without_keeping_them(example, monkeypatch):
    """A worker's own memo would otherwise hold every chapter it rendered (a cold build
    of a large book: tens of MiB in the largest process); the memo's own process keeps
    those it renders."""
    from sitegen.book import BOOK_PAGE
    from sitegen.engine.memo import Memo
    from sitegen.engine.reuse import PartCachingRenderer
    from sitegen.engine.store import Store
    from sitegen.errors import Collector
    from sitegen.load.config import load_config
    from sitegen.pages import site_pages
    from sitegen.pipeline import load_site
    from sitegen.theme import load_theme

    config = load_config(example)
    site = load_site(example, config, Collector())
    memo = Memo(Store(example), warm=True)
    memo.start()
    renderer = PartCachingRenderer(load_theme(example, config.theme), site, memo)
    book = next(page for page in site_pages(site) if page.site_path == BOOK_PAGE)

    def render(_item):
        return renderer.render(book), memo.held("part")

    monkeypatch.setattr(parallel, "MIN_ITEMS", 2)
    (html, kept_there), _again = parallel.fork_map(render, [0, 1], workers=2)
    assert kept_there == 0 and memo.held("part") == 0
    assert renderer.render(book) == html
    assert memo.held("part") == len(site.briefings) > 3


def test_progress_counts_what_workers_finished_even_behind_a_slow_first_item(monkeypatch):
    """The first pages (a large site's book) take longest; results still come back in
    order, but the count must not wait for them (at 100,000 briefings the line said
    "1 of 205,008" after 96 s of silence, then jumped to 103,169)."""
    import time

    from sitegen.runtime import progress

    monkeypatch.setattr(progress, "EVERY", 0.0)
    messages = []

    def work(i):
        if i == 0:
            time.sleep(1.0)
        return i * 2

    with progress.reporting(messages.append):
        results = list(parallel.fork_map(work, list(range(400)), workers=2, label="work"))
    assert results == [i * 2 for i in range(400)]
    counts = [int(m.split(": ")[1].split(" of ")[0].replace(",", "")) for m in messages]
    assert counts == sorted(counts) and counts[-1] == 400
    assert counts[0] > 1, messages[:3]  # other chunks were counted before the slow one
