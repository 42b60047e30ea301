"""The store (`.sitegen-cache/store.sqlite`) and the no-change fast path: a warm build
equals a cold one byte for byte; a damaged, stale, foreign or copied store is started
afresh, never trusted; nothing in it can run code; a killed build leaves the last good
state; what a build did not use is collected."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import shutil
from pathlib import Path

import pytest

from conftest import briefing_files, edit, snapshot, write_site

from sitegen.commands.build import build
from sitegen.engine import codec, store as store_module
from sitegen.engine.memo import Memo
from sitegen.engine.store import Store
from sitegen.errors import Collector, Problem, SiteError
from sitegen.load import files

B = "content/briefings/harbour-reopens.md"
EDITS = [
    (B, "It reopened on Monday.", "It reopened on Monday morning."),
    (B, "The [[harbour-town]] story.", "The [[harbour-town]] story, told again."),
    ("seeds/harbour.txt", "ferries resume in 2024", "ferries resume in 2024, weather allowing"),
    ("content/topics/harbour-town.yaml", "kind: place", "kind: place\naliases: [the harbour]"),
    ("config.yaml", "title: Small site", "title: Small site, renamed"),
    ("themes/default/templates/404.html", "Page not found", "Nothing here"),
]


def _pages(folder):
    return {k: v for k, v in snapshot(folder).items() if k != ".sitegen-output"}


def _rows(root, step=None):
    """(step, key, value) of every memo entry, read with sqlite3 as any tool would."""
    db = sqlite3.connect(root / ".sitegen-cache/store.sqlite")
    try:
        query = "SELECT step, key, value FROM memo" + (" WHERE step = ?" if step else "")
        return set(db.execute(query, (step,) if step else ()))
    finally:
        db.close()


def _steps(root):
    store = Store(root)
    try:
        return store.steps()
    finally:
        store.close()


@pytest.mark.parametrize("settled", [False, True], ids=["fresh-files", "settled-files"])
def test_warm_builds_equal_cold_builds_over_a_sequence_of_edits(small, example, settled,
                                                                monkeypatch):
    if settled:  # every file counts as unchanged since long: its digest is found by metadata
        monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    write_site(small, {"themes/default/templates/404.html": (
        example / "themes/default/templates/404.html").read_text()})
    for rel, old, new in [(None, None, None)] + EDITS:
        if rel:
            edit(small, rel, old, new)
        warm = build(small, out_dir=str(small / "warm"), workers=1)
        cold = build(small, out_dir=str(small / "cold"), workers=1, cache=False)
        assert warm.site is not None  # an input changed: it really built
        assert [str(w) for w in warm.warnings] == [str(w) for w in cold.warnings]
        assert _pages(small / "warm") == _pages(small / "cold"), rel
    assert _steps(small)["markdown"] >= 1


def test_second_build_without_changes_does_nothing_and_repeats_warnings(small, monkeypatch):
    # The files were written just now: only settled files let a build stop at "nothing
    # changed" (see test_oracle's racy-timestamp tests); here they count as settled.
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    write_site(small, {"seeds/unused.txt": "Unused\n\nNobody cites this paragraph.\n"})
    first = build(small, workers=1)
    before = snapshot(small / "public")
    messages = []
    second = build(small, workers=1, log=messages.append)
    assert second.site is None and "nothing changed" in messages[0]
    assert [str(w) for w in second.warnings] == [str(w) for w in first.warnings]
    assert snapshot(small / "public") == before
    edit(small, B, "Monday", "Tuesday")
    assert build(small, workers=1).site is not None
    (small / "public/index.html").unlink()
    (small / "public/.sitegen-output").unlink()
    (small / "public/.sitegen-output").write_text("replaced by hand\n")
    assert build(small, workers=1).site is not None


def test_a_damaged_store_is_started_afresh(small):
    build(small, workers=1)
    path = small / ".sitegen-cache/store.sqlite"
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    edit(small, B, "Monday", "Tuesday")
    messages = []
    build(small, workers=1, log=messages.append)
    assert any(m.startswith("cache: started afresh") and "damaged" in m for m in messages)
    assert "Tuesday" in (small / "public/briefings/harbour-reopens/index.html").read_text()
    edit(small, B, "Tuesday", "Wednesday")
    messages.clear()
    build(small, workers=1, log=messages.append)
    assert not [m for m in messages if m.startswith("cache: started afresh")]  # replaced


def test_entries_that_name_other_code_are_never_run_but_computed_again(small, tmp_path,
                                                                        monkeypatch):
    build(small, workers=1)
    forged = b'j["D","os:system","touch PWNED"]'
    with pytest.raises(codec.Undecodable):
        codec.decode(forged)
    db = sqlite3.connect(small / ".sitegen-cache/store.sqlite")
    with db:
        db.execute("UPDATE memo SET value = ? WHERE step IN ('briefing', 'markdown')", (forged,))
    db.close()
    monkeypatch.chdir(tmp_path)
    edit(small, "seeds/harbour.txt", "ferries resume", "ferries do resume")
    build(small, workers=1)
    assert not (tmp_path / "PWNED").exists()
    build(small, out_dir=str(small / "cold"), workers=1, cache=False)
    assert _pages(small / "public") == _pages(small / "cold")


def test_the_codec_builds_only_sitegen_records_and_plain_values():
    import datetime as dt

    from markupsafe import Markup

    from sitegen.load.blocks import Block, Blocks

    value = (1, 2.5, None, True, "x\ud800", b"\x00\xff", [1, (2,)], {"a": (1,), 2: "b"},
             frozenset({"p"}), dt.date(2024, 5, 1), Markup("<b>"),
             Problem("a.md", 3, "careful", "warning"),
             Blocks([Block("paragraph", "Text", "p1", line=3)]))
    back = codec.decode(codec.encode(value))
    assert back == value and type(back[6][1]) is tuple and type(back[10]) is Markup
    assert back[12].paragraph_count == 1 and back[12].paragraph_chars == 4
    for forged in (b'j["D","os:system","ls"]', b'j["D","sitegen.nowhere:X"]',
                   b'j["D","sitegen.engine.store:Store"]', b'j{"a": 1}', b'j["?"]', b"j\xff",
                   b'["T"]', b"z\x00\x01", b'a\x00\x00\x00\x05["y",3]'):
        with pytest.raises(codec.Undecodable):
            codec.decode(forged)
    assert "sitegen.nowhere" not in sys.modules
    with pytest.raises(TypeError, match="cannot hold"):
        codec.encode(object())


def test_a_store_made_in_another_folder_is_started_afresh(small, tmp_path):
    """A site copied or downloaded with its store builds from its files, not the store."""
    build(small, workers=1)
    copy = tmp_path / "copy"
    shutil.copytree(small, copy)
    shutil.rmtree(copy / "public")
    edit(copy, B, "Monday", "Tuesday")
    messages = []
    build(copy, workers=1, log=messages.append)
    assert any("another folder" in m for m in messages if m.startswith("cache: started afresh"))
    build(copy, out_dir=str(copy / "cold"), workers=1, cache=False)
    assert _pages(copy / "public") == _pages(copy / "cold")


def test_a_store_of_other_code_is_stale(small, monkeypatch):
    build(small, workers=1)
    assert _steps(small)["markdown"]
    monkeypatch.setattr(store_module, "code_digest", lambda: "another version")
    assert _steps(small) == {}


def test_rebuild_renders_only_pages_whose_inputs_changed(example):
    build(example, workers=1)
    out = example / "public"
    untouched = out / "topics/security-alliances/index.html"
    edited = out / "briefings/donbas-false-flag-allegations/index.html"
    asset = next((out / "assets").rglob("*.css"))
    before = {p: p.stat().st_ino for p in (untouched, edited, asset)}
    edit(example, "content/briefings/donbas-false-flag-allegations.md", "title: ",
         "title: Updated ")
    build(example, workers=1)
    assert untouched.stat().st_ino == before[untouched]  # left as it was, not rendered again
    assert asset.stat().st_ino == before[asset]  # same bytes: not written again
    assert edited.stat().st_ino != before[edited]
    assert "Updated " in edited.read_text()
    build(example, out_dir=str(example / "cold"), workers=1, cache=False)
    assert _pages(out) == _pages(example / "cold")


def test_no_place_for_the_store_means_a_good_build_without_one(small):
    (small / ".sitegen-cache").write_text("a file where the cache folder should be")
    messages = []
    result = build(small, workers=1, log=messages.append)
    assert result.site is not None and any("cache: not used" in m for m in messages)
    assert (small / "public/index.html").is_file()


def test_a_store_that_cannot_be_written_does_not_fail_the_build(small):
    build(small, workers=1)
    path = small / ".sitegen-cache/store.sqlite"
    db = sqlite3.connect(path)  # another process holds the write lock for the whole build
    db.execute("BEGIN EXCLUSIVE")
    try:
        edit(small, B, "Monday", "Tuesday")
        messages = []
        original = store_module.sqlite3.connect
        store_module.sqlite3.connect = lambda *a, **k: original(*a, **{**k, "timeout": 0.1})
        try:
            result = build(small, workers=1, log=messages.append)
        finally:
            store_module.sqlite3.connect = original
    finally:
        db.rollback()
        db.close()
    assert result.site is not None
    assert any(m.startswith("cache: not") for m in messages)
    assert "Tuesday" in (small / "public/briefings/harbour-reopens/index.html").read_text()


def test_pages_are_rendered_again_by_other_sitegen_code(small, monkeypatch):
    """Reused pages were made by this sitegen: after an upgrade every page renders anew."""
    from sitegen.engine import pagekey, record
    from sitegen.render import Renderer

    build(small, workers=1)
    rendered = []
    stream = Renderer.stream
    monkeypatch.setattr(Renderer, "stream", lambda self, page: rendered.append(page.site_path)
                        or stream(self, page))
    edit(small, B, "It reopened on Monday.", "It reopened on Monday morning.")
    total = build(small, workers=1).pages
    assert 0 < len(rendered) < total and "404.html" not in rendered
    rendered.clear()
    for module in (store_module, record, pagekey):
        monkeypatch.setattr(module, "code_digest", lambda: "another version")
    build(small, workers=1)
    assert len(rendered) == total


def test_an_edit_writes_only_the_entries_that_changed_and_collects_the_old(example):
    build(example, workers=1)
    before = _rows(example)
    counts = _steps(example)
    edit(example, "content/briefings/donbas-false-flag-allegations.md", "title: ",
         "title: Updated ")
    build(example, workers=1)
    after = _rows(example)
    written = {step for step, _key, _value in after - before}
    dropped = {step for step, _key, _value in before - after}
    assert "briefing" in written and "seed" not in written and "seed" not in dropped
    assert "briefing" in dropped  # the edited briefing's old parse is collected
    assert _steps(example) == counts  # the store follows the site's size, not the edits


def _outputs_table(root):
    db = sqlite3.connect(root / ".sitegen-cache/store.sqlite")
    try:
        return {path: (key, bytes(reads))
                for path, key, reads in db.execute("SELECT path, key, reads FROM outputs")}
    finally:
        db.close()


def test_an_edit_records_the_pages_keys_a_clean_build_would(example, tmp_path):
    """The table of outputs, written as what differs from the last build's, holds what a
    clean build with no store writes there."""
    build(example, workers=1)
    edit(example, "content/briefings/donbas-false-flag-allegations.md", "title: ",
         "title: Updated ")
    build(example, workers=1)
    after = _outputs_table(example)
    clean = tmp_path / "clean"
    shutil.copytree(example, clean, ignore=shutil.ignore_patterns(".sitegen-cache", "public"))
    build(clean, workers=1)
    assert after == _outputs_table(clean)


def test_outputs_written_by_another_build_meanwhile_are_replaced_whole(tmp_path):
    """Two builds of one site (two output folders) share its store: one that read the
    table before the other wrote it writes all of its rows, not what differs from what it
    read (that would leave a mix of both outputs' pages)."""
    record = {"stamp": "s"}
    first, second = Store(tmp_path), Store(tmp_path)
    try:
        first.commit_build(record, {"a.html": ("k1", b""), "b.html": ("k2", b"")}, {})
        read_first, read_second = first.outputs(), second.outputs()
        second.commit_build(record, {**read_second, "c.html": ("k3", b"")}, {})
        mine = {**read_first, "a.html": ("k9", b"")}
        first.commit_build(record, mine, {})
        assert _outputs_table(tmp_path) == mine
        # Read and written by the same store with no other writer: what differs changes.
        again = {"a.html": ("k9", b""), "d.html": ("k4", b"\x01" * 16)}
        first.outputs()
        first.commit_build(record, again, {})
        assert _outputs_table(tmp_path) == again
        # Only what differs: a row it did not read nor make (put in by hand, the token
        # left as it was) is left alone; a writing with the table not read since is whole.
        first.outputs()
        db = sqlite3.connect(tmp_path / ".sitegen-cache/store.sqlite")
        with db:
            db.execute("INSERT INTO outputs VALUES ('z.html', 'kz', x'')")
        db.close()
        first.commit_build(record, {**again, "e.html": ("k5", b"")}, {})
        assert _outputs_table(tmp_path) == {**again, "e.html": ("k5", b""), "z.html": ("kz", b"")}
        first.commit_build(record, again, {})  # (the table not read since: written whole)
        assert _outputs_table(tmp_path) == again
    finally:
        first.close()
        second.close()


def test_a_build_collects_the_store_once_a_twentieth_of_it_may_be_stale(tmp_path, monkeypatch):
    """A collection walks every entry used: an edit's few stale entries wait for more."""
    from sitegen.engine import memo as memo_module

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from gen_site import generate

    root = generate(tmp_path / "site", 60, seed=3)
    build(root, workers=1)
    counts = sum(_steps(root).values())
    path = sorted((root / "content/briefings").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                    encoding="utf-8")
    build(root, workers=1)
    assert counts < sum(_steps(root).values()) < counts * 1.05  # the old parse waits
    monkeypatch.setattr(memo_module, "STALE_SHARE", 10 ** 9)  # due at once
    build(root, workers=1, out_dir=str(tmp_path / "other"))
    assert sum(_steps(root).values()) == counts


def test_a_rebuild_reads_only_the_files_that_changed(small, monkeypatch):
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    (small / "seeds/other.txt").write_text("Another document.\n\nIts second paragraph.\n")
    build(small, workers=1)
    edit(small, B, "It reopened on Monday.", "It reopened on Monday morning.")
    read = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda p: read.append(p.name) or real(p))
    assert build(small, workers=1).site is not None
    assert "harbour-reopens.md" in read
    assert not {"other.txt", "harbour.txt", "harbour-town.yaml"} & set(read)


def test_a_file_changed_just_now_is_read_whatever_its_metadata_says(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one")
    memo = Memo(warm=True)
    digest = files.InputFiles(memo).digest(path, "a.md")
    assert len(memo) == 0  # too recent to be known by its metadata: read every time
    path.write_text("two")
    assert files.InputFiles(memo).digest(path, "a.md") != digest


def test_a_racy_file_in_the_scan_is_known_by_the_digest_the_scan_took(tmp_path):
    from sitegen.load.scan import Scan

    (tmp_path / "content").mkdir()
    path = tmp_path / "content/a.md"
    path.write_text("one")
    memo, scan = Memo(warm=True), Scan(tmp_path, ("content",))
    assert "content/a.md" in scan.racy  # written just now
    path.write_text("two")  # after the scan: the load reads no file to know it
    digest = files.InputFiles(memo, scan).digest(path, "content/a.md")
    assert digest == scan.racy["content/a.md"] and len(memo) == 0
    with pytest.raises(SiteError, match="changed while the site was being built"):
        files.InputFiles.data(path, "content/a.md", digest)  # so the parse stops there
    # Same size, and maybe the same times: the next scan digests it.
    assert files.InputFiles(memo, Scan(tmp_path, ("content",))).digest(
        path, "content/a.md") != digest


def test_a_scan_notes_each_kind_of_input_by_its_metadata(tmp_path, monkeypatch):
    """A settled file, a racy one, a link to a file, a link to nothing and a pipe, each as
    the rules of load.scan say (a settled plain file, the common case, is noted by the
    walk itself: it must note what the general way would)."""
    from sitegen.load.scan import Scan, content_digest

    monkeypatch.setattr(files, "SETTLE_NS", 400_000_000)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("A settled seed.\n")
    (seeds / "link.txt").symlink_to(seeds / "a.txt")
    (seeds / "nothing.txt").symlink_to(seeds / "gone.txt")
    os.mkfifo(seeds / "pipe.txt")
    time.sleep(0.5)  # (time is the subject here: the files above settle)
    (seeds / "b.txt").write_text("A racy seed.\n")
    scan = Scan(tmp_path, ("seeds",))

    def noted(name: str, real: str = "") -> tuple:
        st = os.stat(seeds / name) if (seeds / name).exists() else os.lstat(seeds / name)
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, real)

    assert scan.files == {
        "seeds/a.txt": noted("a.txt"), "seeds/b.txt": noted("b.txt"),
        "seeds/link.txt": noted("link.txt", str(seeds.resolve() / "a.txt")),
        "seeds/nothing.txt": noted("nothing.txt", str(seeds.resolve() / "gone.txt")),
        "seeds/pipe.txt": noted("pipe.txt")}
    assert scan.racy == {"seeds/b.txt": content_digest(seeds / "b.txt")}
    assert scan.special == {"seeds/nothing.txt", "seeds/pipe.txt"}


def test_a_file_changed_during_the_build_is_an_error_not_a_wrong_parse(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one")
    digest = files.InputFiles(Memo()).digest(path, "a.md")
    path.write_text("two")
    with pytest.raises(SiteError, match="a.md: .*changed while the site was being built"):
        files.InputFiles.data(path, "a.md", digest)


def test_a_build_in_a_process_of_its_own_keeps_no_pieces_of_pages(example):
    """A book volume renders again when one of its chapters changes: no later build in a
    new process reuses the pieces of pages, so a build does not store them."""
    build(example, workers=1)
    first = _steps(example)
    assert first["markdown"] and "part" not in first
    edit(example, "content/briefings/putins-red-lines.md", "## Assessment", "## Our assessment")
    build(example, workers=1)
    assert "part" not in _steps(example)
    build(example, out_dir=str(example / "cold"), workers=1, cache=False)
    assert _pages(example / "public") == _pages(example / "cold")


def test_a_settled_step_is_stored_and_let_go_of(tmp_path):
    store = Store(tmp_path)
    memo = Memo(store)
    memo.start()
    parsed = memo("briefing", "b1", lambda _o: ("parsed b1",), Collector())
    memo.settle(["briefing"])
    assert "briefing" not in memo.held_steps() and _steps(tmp_path) == {"briefing": 1}
    memo("part", "p1", lambda _o: b"piece", Collector())
    memo.save()
    store.close()
    assert _steps(tmp_path) == {"briefing": 1, "part": 1}
    again = Memo(Store(tmp_path))
    assert again("briefing", "b1", lambda _o: "computed", Collector()) == parsed


def test_a_prefetched_step_hands_out_each_entry_and_reads_again_what_it_let_go_of(tmp_path):
    store = Store(tmp_path)
    store.put([("seed", bytes([i]) * 16, f"seed {i}", (), ()) for i in range(3)])
    store.prefetch("seed")
    other = sqlite3.connect(store.path)  # the entries go from the file: only what was
    with other:                          # read at once can still be handed out
        other.execute("DELETE FROM memo WHERE key = ?", (bytes([2]) * 16,))
    other.close()
    assert store.get("seed", bytes([2]) * 16) == ("seed 2", (), ())
    assert store.get("seed", bytes([0]) * 16) == ("seed 0", (), ())
    assert store.get("seed", bytes([0]) * 16) == ("seed 0", (), ())  # handed out again
    store.release(["seed"])
    assert store.get("seed", bytes([1]) * 16) == ("seed 1", (), ())
    assert store.get("seed", bytes([9]) * 16) is None and not store.has("seed", bytes([9]) * 16)


def test_pages_render_after_the_load_stage_let_go_of_its_entries(example, monkeypatch):
    # what the memo held for loading (parsed briefings above all) is not carried into
    # the processes forked to render pages
    from sitegen.engine.memo import LOAD_STEPS
    from sitegen.engine.reuse import PartCachingRenderer

    held = []
    made = PartCachingRenderer.__init__

    def noted(renderer, *args, **kwargs):  # the renderer of the pages: made as they start
        made(renderer, *args, **kwargs)
        held.append(renderer.memo.held_steps())

    monkeypatch.setattr(PartCachingRenderer, "__init__", noted)
    build(example, workers=2)
    assert held and not held[0] & set(LOAD_STEPS)
    assert _steps(example)["briefing"] and _steps(example)["markdown"]  # stored


def test_the_books_chapters_are_kept_compressed(example, tmp_path):
    from sitegen.engine.rebuild import IncrementalBuilder
    from sitegen.engine.reuse import unpack

    IncrementalBuilder(example, tmp_path / "serve").build()
    rows = _rows(example, "part")
    assert rows
    for _step, _key, value in rows:
        packed = codec.decode(value)
        html = unpack(packed)
        assert '<section class="book-briefing"' in html and len(packed) < len(html.encode()) / 2


def test_two_builds_of_one_site_at_once_both_succeed(example):
    """Builds of one site into two output folders share the store."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    runs = [subprocess.Popen([sys.executable, "-m", "sitegen", "build", "--root", str(example),
                              "--out", str(example / out), "-q"], env=env)
            for out in ("one", "two")]
    assert [run.wait(timeout=120) for run in runs] == [0, 0]
    assert _pages(example / "one") == _pages(example / "two")
    assert _steps(example)["briefing"] == len(briefing_files(example))


def test_two_builds_making_the_store_at_the_same_moment_both_open_it(tmp_path):
    """Two first builds of a site at once both make and open its store: neither goes
    without it, nor takes the other's half-made store for a damaged one."""
    script = (
        "import sys, time\n"
        "from sitegen.engine.store import Store\n"
        "start = float(sys.argv[2])\n"
        "while time.time() < start: pass\n"
        "said = []\n"
        "Store(sys.argv[1], said.append).close()\n"
        "print(said)\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for attempt in range(5):
        site = tmp_path / f"site{attempt}"
        site.mkdir()
        start = str(time.time() + 0.4)
        runs = [subprocess.Popen([sys.executable, "-c", script, str(site), start], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        outcomes = [run.communicate(timeout=60) for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outcomes
        assert [out.strip() for out, _err in outcomes] == ["[]", "[]"], outcomes


def test_a_killed_build_leaves_the_last_good_state(example):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    assert subprocess.run([sys.executable, "-m", "sitegen", "build", "--root", str(example),
                           "-j", "1"], env=env).returncode == 0
    for path in briefing_files(example):
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Re ", 1),
                        encoding="utf-8")
    run = subprocess.Popen([sys.executable, "-m", "sitegen", "build", "--root", str(example),
                            "-j", "1"], env=env, stderr=subprocess.PIPE, text=True)
    for line in run.stderr:  # killed once the output starts to change
        if "writing" in line or "rendering" in line or line.startswith("loaded"):
            run.send_signal(signal.SIGKILL)
            break
    run.wait(timeout=60)
    build(example, workers=1)
    build(example, out_dir=str(example / "cold"), workers=1, cache=False)
    assert _pages(example / "public") == _pages(example / "cold")


def test_the_pieces_of_pages_that_stand_stay_in_the_store(tmp_path, monkeypatch):
    """A book volume that is not rendered again still holds its chapters: they stay
    stored (a page records the pieces it read), ready for the day it changes."""
    from sitegen.engine import memo as memo_module
    from sitegen.engine.rebuild import IncrementalBuilder

    monkeypatch.setattr(memo_module, "STALE_SHARE", 10 ** 9)  # collected after each build
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from gen_site import generate

    root = generate(tmp_path / "site", 400, seed=5)  # several quarterly volumes
    builder = IncrementalBuilder(root, tmp_path / "serve")
    builder.build()
    chapters = _steps(root)["part"]
    assert chapters >= 400
    newest = sorted((root / "content/briefings").glob("*.md"))[-1]
    newest.write_text(newest.read_text(encoding="utf-8") + "\nOne more sentence.\n",
                      encoding="utf-8")
    rebuilt = builder.build()
    assert 0 < rebuilt.rendered < rebuilt.pages
    builder.idle()
    assert _steps(root)["part"] == chapters


def test_a_shipped_store_with_a_trigger_is_replaced_not_emptied(small, tmp_path):
    """A store that came with a site (another folder made it) is a new file afterwards:
    emptying its tables would keep a trigger that rewrites what the build stores."""
    build(small, workers=1)
    db = sqlite3.connect(small / ".sitegen-cache/store.sqlite")
    with db:
        db.execute("UPDATE meta SET value = '0:0' WHERE name = 'home'")
        db.execute("CREATE TRIGGER evil AFTER INSERT ON memo WHEN NEW.step = 'markdown' "
                   "BEGIN UPDATE memo SET value = X'6A223C703E50574E45443C2F703E22' "
                   "WHERE rowid = NEW.rowid; END")
    db.close()
    edit(small, B, "Monday", "Tuesday")
    build(small, workers=1)
    edit(small, B, "Tuesday", "Wednesday")
    build(small, workers=1)
    assert not any(b"PWNED" in data for data in snapshot(small / "public").values())
    db = sqlite3.connect(small / ".sitegen-cache/store.sqlite")
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone() \
        == (0,)
    db.close()


def test_a_worker_process_never_writes_to_the_store(tmp_path):
    import multiprocessing

    store = Store(tmp_path)
    memo = Memo(store)
    memo.start()
    for i in range(40):  # enough streamed values to be stored in a batch
        memo("part", ("p", i), lambda _o, i=i: b"piece %d" % i, Collector())
    before = _steps(tmp_path)

    def in_worker(queue):
        memo("part", ("p", 99), lambda _o: b"made in the worker", Collector())
        try:
            store.put([("part", b"k" * 16, b"x", (), ())])
            queue.put("wrote")
        except RuntimeError:
            queue.put("refused")

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    worker = context.Process(target=in_worker, args=(queue,))
    worker.start()
    assert queue.get(timeout=30) == "refused"
    worker.join(30)
    assert _steps(tmp_path) == before
    memo.save()
    assert _steps(tmp_path)["part"] == 40


def test_an_entry_made_of_others_keeps_them_in_use(tmp_path):
    """Using a value whose computation asked for others (its reads) uses those too: the
    store keeps them while the value stands, and a memo that lets go of what it did not
    use keeps them in memory."""
    store = Store(tmp_path)
    memo = Memo(store, warm=True)
    memo.start()

    def both(out):
        return [memo("seed", name, lambda _o, n=name: f"parsed {n}", out) for name in "ab"]

    assert memo("seeds", "folder", both, Collector()) == ["parsed a", "parsed b"]
    memo.save()
    for _ in range(2):  # the second time, the memo lets go of what it did not use
        memo.start()
        memo("seeds", "folder", both, Collector())
        memo.prune()
        memo.collect()
    assert memo.misses("seed") == 0 and memo.hits("seed") == 0 and memo.hits("seeds") == 1
    assert _steps(tmp_path) == {"seed": 2}
    assert memo.held("seed") == 2  # held in memory, not only in the store


def test_the_store_is_collected_once_new_entries_could_be_a_twentieth_of_it(tmp_path):
    """A collection walks every entry used: a warm memo collects only once what it wrote
    since could have made a twentieth of the store stale, so the store stays bounded and
    an edit's pause is short."""
    store = Store(tmp_path)
    memo = Memo(store, warm=True)

    def build(names):
        memo.start()
        for name in names:
            memo("seed", name, lambda _o, n=name: f"parsed {n}", Collector())
        memo.save()
        memo.collect()

    build([f"s{i}" for i in range(100)])
    assert _steps(tmp_path) == {"seed": 100}
    build(["new0"] + [f"s{i}" for i in range(1, 100)])  # one written: not yet collected
    assert _steps(tmp_path) == {"seed": 101}
    for k in range(1, 5):  # five written in all: a twentieth of the hundred used
        build([f"new{j}" for j in range(k + 1)] + [f"s{i}" for i in range(k + 1, 100)])
    assert _steps(tmp_path) == {"seed": 100}
    build([f"new{j}" for j in range(5)] + [f"s{i}" for i in range(5, 99)])  # one deleted
    assert _steps(tmp_path) == {"seed": 100}
    build([f"new{j}" for j in range(5)] + [f"s{i}" for i in range(5, 95)])  # five deleted
    assert _steps(tmp_path) == {"seed": 95}
    memo = Memo(Store(tmp_path), warm=True)  # a new process: what earlier runs left counts
    build([f"new{j}" for j in range(5)] + [f"s{i}" for i in range(5, 90)])
    assert _steps(tmp_path) == {"seed": 90}


def _seeds(root: Path, memo: Memo) -> tuple:
    """The seeds of `root`, loaded as a build loads them: with a scan of the folder."""
    from sitegen.load.scan import Scan
    from sitegen.load.seed_folder import load_seeds
    return load_seeds(root, memo=memo, scan=Scan(root, ("seeds",)))


def test_an_unchanged_seeds_folder_is_loaded_once_by_a_warm_memo(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # every file counts as settled
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds/one.txt").write_text("One\n\nA paragraph.\n")
    (tmp_path / "seeds/one.yaml").write_text("title: [unclosed\n")  # a problem to replay
    memo = Memo(warm=True)
    memo.start()
    seeds, problems = _seeds(tmp_path, memo)
    assert problems and set(seeds) == {"one"}
    memo.start()
    assert _seeds(tmp_path, memo) == (seeds, problems)
    assert memo.hits("seeds") == 1 and _seeds(tmp_path, memo)[0] is seeds
    path = tmp_path / "seeds/one.txt"
    st = path.stat()
    path.write_text("Uno\n\nA paragraph.\n")  # same size, times put back: the change
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # time says it changed
    memo.start()
    again, _ = _seeds(tmp_path, memo)
    assert memo.misses("seeds") == 1 and again["one"].title == "Uno"


def _seeds_folder(root: Path) -> None:
    (root / "seeds").mkdir()
    for i in range(4):
        (root / f"seeds/s{i}.txt").write_text(f"Seed {i}\n\nA paragraph of seed {i}.\n")
        (root / f"seeds/s{i}.yaml").write_text(f"source: Press {i}\nreliability: B\n")
    (root / "seeds/s1.yaml").write_text("title: [unclosed\n")  # problems to tell again
    (root / "seeds/notes.csv").write_text("a,b\n")
    (root / "seeds/bad id.txt").write_text("Bad\n\nText.\n")
    (root / "seeds/page.html").write_text(  # read by what its sidecar says
        "<html><body><nav>Menu</nav><article><h1>Page</h1><p>The article's text.</p>"
        "</article></body></html>")
    (root / "seeds/page.yaml").write_text("extract: false\n")


def test_a_new_process_makes_an_unchanged_seeds_folder_of_stored_parses_alone(
        tmp_path, monkeypatch):
    """What each seed of a folder was made of is stored with the folder's state: a build
    in a new process makes the seeds of their stored parses, without reading, digesting
    or even looking up a file's digest, and they and the problems are the very ones a
    load from nothing gives."""
    from sitegen.load.seed_folder import load_seeds
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # every file counts as settled
    _seeds_folder(tmp_path)
    clean = load_seeds(tmp_path)
    first = Memo(Store(tmp_path))
    first.start()
    assert _seeds(tmp_path, first) == clean
    first.save()
    memo = Memo(Store(tmp_path))  # a new process
    memo.start()
    monkeypatch.setattr(files, "file_sha256", lambda path: pytest.fail(f"read {path}"))
    seeds, problems = _seeds(tmp_path, memo)
    assert (seeds, problems) == clean and len(problems) >= 3
    assert [s.blocks for s in seeds.values()] == [s.blocks for s in clean[0].values()]
    assert memo.hits("seed-folder") == 1 and "Menu" in seeds["page"].blocks[0].text
    assert memo.hits("file-digest") == memo.misses("file-digest") == 0
    assert memo.misses("seed") == memo.misses("sidecar") == 0


def test_a_save_in_one_seed_loads_that_seed_alone_in_a_warm_memo(tmp_path, monkeypatch):
    """A warm memo carries each document's load while the scan sees its files as they
    were: after a save in one seed, only that seed's file is read and parsed, the others
    are the very same seeds without asking the memo, and seeds and problems are those of
    a load from nothing."""
    from sitegen.load.seed_folder import load_seeds
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # every file counts as settled
    _seeds_folder(tmp_path)
    memo = Memo(warm=True)
    memo.start()
    before, _ = _seeds(tmp_path, memo)
    (tmp_path / "seeds/s2.txt").write_text("Seed two\n\nA paragraph, longer now.\n")
    read: list[str] = []
    digest = files.file_sha256
    monkeypatch.setattr(files, "file_sha256", lambda path: read.append(path.name) or digest(path))
    memo.start()
    seeds, problems = _seeds(tmp_path, memo)
    assert read == ["s2.txt"] and memo.misses("seed") == 1 and memo.hits("seed") == 0
    assert memo.hits("sidecar") == 1 and memo.misses("sidecar") == 0  # its own sidecar's
    assert all(seeds[k] is before[k] for k in before if k != "s2")
    assert (seeds, problems) == load_seeds(tmp_path) and len(problems) >= 3
    assert seeds["s2"].title == "Seed two"


def _stored_once(root: Path) -> None:
    """A load of `root`'s seeds in a process of its own, kept in its store."""
    memo = Memo(Store(root))
    memo.start()
    _seeds(root, memo)
    memo.save()


def test_seeds_whose_stored_parse_is_gone_or_whose_record_is_not_a_loads_are_loaded(
        tmp_path, monkeypatch):
    """What the folder's entry needs and the store no longer has is worked out again; an
    entry that is not what a load leaves (paths outside the folder, say) is not used:
    either way the seeds and problems are those of a load from nothing."""
    from sitegen.engine.codec import encode
    from sitegen.load.seed_folder import load_seeds
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    _seeds_folder(tmp_path)
    clean = load_seeds(tmp_path)
    _stored_once(tmp_path)
    db = sqlite3.connect(Store(tmp_path).path)
    with db:
        db.execute("DELETE FROM memo WHERE step = 'seed'")
    memo = Memo(Store(tmp_path))
    memo.start()
    assert _seeds(tmp_path, memo) == clean and memo.hits("seed-folder") == 1
    memo.save()
    with db:
        db.execute("UPDATE memo SET value = ? WHERE step = 'seed-folder'", (encode(
            (("s0", "../../etc/passwd", "txt", "0" * 64, 1, "", ""),)),))
    db.close()
    memo = Memo(Store(tmp_path))
    memo.start()
    assert _seeds(tmp_path, memo) == clean


def test_a_load_that_could_not_read_a_seed_is_not_remembered(tmp_path, monkeypatch):
    """A file that could not be read (a passing error: a lock, a full table of open
    files) is an error of this build only: the next process reads it again."""
    from sitegen.load.seed_folder import load_seeds
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    _seeds_folder(tmp_path)
    clean = load_seeds(tmp_path)
    real = files.file_sha256

    def refused(path):
        if path.name == "s2.txt":
            raise OSError(5, "Input/output error")
        return real(path)
    monkeypatch.setattr(files, "file_sha256", refused)
    memo = Memo(Store(tmp_path))
    memo.start()
    seeds, problems = _seeds(tmp_path, memo)
    assert "s2" not in seeds and any(p.code == "seed-read" for p in problems)
    memo.save()
    monkeypatch.setattr(files, "file_sha256", real)
    memo = Memo(Store(tmp_path))
    memo.start()
    assert _seeds(tmp_path, memo) == clean


def test_the_store_keeps_the_latest_load_of_the_seeds_folder_only(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    _seeds_folder(tmp_path)
    for i in range(3):
        (tmp_path / "seeds/s3.txt").write_text(f"Seed 3\n\nEdit {i}.\n")
        _stored_once(tmp_path)
    assert Store(tmp_path).steps()["seed-folder"] == 1


def test_seeds_made_of_stored_parses_keep_what_they_were_made_of_in_the_store(
        tmp_path, monkeypatch):
    """An entry is stored with what it read: a build whose seeds came of the folder's
    entry alone keeps every file's digest in the store through a collection, so the
    next build after a seed's edit digests that file only."""
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    _seeds_folder(tmp_path)
    for _ in range(2):  # a build from nothing, then one of the folder's entry
        memo = Memo(Store(tmp_path))
        memo.start()
        _seeds(tmp_path, memo)
        memo.save()
    memo.store.collect(memo.used())
    (tmp_path / "seeds/s2.txt").write_text("Seed 2\n\nAn edited paragraph.\n")
    memo = Memo(Store(tmp_path))
    memo.start()
    seeds, _problems = _seeds(tmp_path, memo)
    assert seeds["s2"].paragraphs[0].text == "An edited paragraph."
    assert memo.misses("file-digest") == 1


def test_a_folder_record_made_of_carried_loads_keeps_what_they_read(tmp_path, monkeypatch):
    """A warm memo's folder record made after a seed's save, of the other seeds' carried
    loads, is stored with what those loads read: a new process whose seeds come of that
    record alone keeps every file's digest through a collection, so the next edit
    digests that one file."""
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    _seeds_folder(tmp_path)
    warm = Memo(Store(tmp_path), warm=True)  # the preview
    for text in ("Seed 2\n\nA paragraph.\n", "Seed 2\n\nA paragraph, edited.\n"):
        (tmp_path / "seeds/s2.txt").write_text(text)
        warm.start()
        _seeds(tmp_path, warm)
        warm.save()
    warm.store.collect(warm.used())
    memo = Memo(Store(tmp_path))  # a build in a new process: the record alone
    memo.start()
    _seeds(tmp_path, memo)
    assert memo.hits("seed-folder") == 1
    memo.save()
    memo.store.collect(memo.used())
    (tmp_path / "seeds/s1.txt").write_text("Seed 1\n\nAn edited paragraph.\n")
    memo = Memo(Store(tmp_path))
    memo.start()
    _seeds(tmp_path, memo)
    assert memo.misses("file-digest") == 1


def test_a_seeds_folder_with_a_link_back_up_is_listed_every_time(tmp_path, monkeypatch):
    """A scan that met a folder twice cannot tell what seeds/ holds: it is listed (and
    the seeds loaded file by file) every time."""
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # every file counts as settled
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds/one.txt").write_text("One\n\nA paragraph.\n")
    (tmp_path / "seeds/back").symlink_to(tmp_path / "seeds")
    memo = Memo(warm=True)
    for _ in range(2):
        memo.start()
        seeds, _problems = _seeds(tmp_path, memo)
        assert set(seeds) == {"one"}
    assert memo.hits("seeds") == memo.misses("seeds") == 0


def test_a_seeds_folder_changed_just_now_is_loaded_file_by_file(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds/one.txt").write_text("One\n\nA paragraph.\n")
    memo = Memo(warm=True)
    memo.start()
    _seeds(tmp_path, memo)
    _seeds(tmp_path, memo)
    assert memo.hits("seeds") == memo.misses("seeds") == 0


def test_a_seed_linked_from_inside_the_site_is_refused_once_it_leads_outside(tmp_path,
                                                                            monkeypatch):
    """A link whose target is the same file (same metadata) reached another way — a
    folder on its path re-pointed outside the site — is judged again, not handed out."""
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    root, outside = tmp_path / "site", tmp_path / "outside"
    (root / "seeds").mkdir(parents=True)
    (root / "real").mkdir()
    outside.mkdir()
    (outside / "a.txt").write_text("A\n\nA paragraph.\n")
    os.link(outside / "a.txt", root / "real/a.txt")  # one file, inside and outside
    (root / "via").symlink_to("real")
    (root / "seeds/a.txt").symlink_to("../via/a.txt")
    memo = Memo(warm=True)
    memo.start()
    assert set(_seeds(root, memo)[0]) == {"a"}
    (root / "via").unlink()
    (root / "via").symlink_to(outside)
    memo.start()
    seeds, problems = _seeds(root, memo)
    assert not seeds and [p.code for p in problems] == ["bad-link"]


def test_a_warm_memo_holds_only_the_latest_load_of_a_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "SETTLE_NS", -10**12)
    (tmp_path / "seeds").mkdir()
    memo = Memo(warm=True)
    for n in range(3):
        (tmp_path / f"seeds/s{n}.txt").write_text(f"S{n}\n\nA paragraph.\n")
        memo.start()
        _seeds(tmp_path, memo)
    assert memo.misses("seeds") == 1
    assert memo.held("seeds") == 1


def test_what_templates_read_is_stored_by_a_cold_build_that_renders_in_workers(example,
                                                                                 monkeypatch):
    import sitegen.pipeline as build_module
    from sitegen.engine.pagekey import PageKeys

    monkeypatch.setattr(build_module, "LARGE_SITE", 0)  # the pages render in workers
    build(example, workers=2)
    analysed = []
    real = PageKeys._names_read
    monkeypatch.setattr(PageKeys, "_names_read",
                        lambda self, template: analysed.append(template) or real(self, template))
    edit(example, "config.yaml", "title:", "description: Edited.\ntitle:")
    build(example, workers=1)  # a new build (new memo) after an edit renders every page
    assert not analysed  # each template's analysis came from the store


def test_the_load_takes_every_files_metadata_from_the_builds_scan(example, monkeypatch):
    """One scan of the inputs: the loaders stat no file the scan saw (a stat of each of
    them was a second walk over the site)."""
    build(example, workers=1)
    edit(example, "config.yaml", "title:", "description: Edited.\ntitle:")
    statted = []
    real = files.unsettled
    monkeypatch.setattr(files, "unsettled", lambda st, since: statted.append(st) or real(st, since))
    build(example, workers=1)
    assert statted == []
    build(example, out_dir=str(example / "clean"), workers=1, cache=False)
    assert _pages(example / "public") == _pages(example / "clean")


def test_a_build_that_stops_at_nothing_changed_imports_no_stage(small):
    """The no-change check is most of a no-change build's time: it must not pay for
    importing the stages it does not run (they took 0.2 s of 0.5 s)."""
    build(small, workers=1)
    code = ("import sys; from sitegen.cli import main; "
            f"main(['build', '--root', {str(small)!r}]); "
            "print(' '.join(m for m in sys.modules if m.startswith('sitegen.')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert "nothing changed" in done.stdout + done.stderr
    loaded = set(done.stdout.split())
    stages = {"sitegen.pipeline", "sitegen.model.site", "sitegen.model.graph",
              "sitegen.load.seeds", "sitegen.load.content", "sitegen.render",
              "sitegen.pages", "sitegen.search"}
    assert "sitegen.engine.record" in loaded and not loaded & stages


def test_files_removed_from_the_output_by_hand_are_made_again(example, tmp_path):
    """A search shard or a copied seed whose inputs did not change stands only while the
    output holds it: one deleted by hand is written again by the next build."""
    build(example, workers=1)
    out = example / "public"
    removed = [out / "search/d/b0.js", sorted((out / "search/t").glob("*.js"))[0],
               next((out / "sources").glob("*/*.txt"))]
    for path in removed:
        path.unlink()
    edit(example, "content/briefings/putins-red-lines.md", "## ", "## Our ")  # a build runs
    build(example, workers=1)
    assert all(path.is_file() for path in removed)
    build(example, out_dir=str(tmp_path / "clean"), workers=1, cache=False)
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_entries_are_named_by_every_character_of_their_keys_long_texts_too():
    """A key's long texts (a briefing's Markdown) are digested apart from the rest (for
    speed): two keys name one entry exactly when they are equal, whatever their texts
    hold and however long, and a long text never names what a short one does."""
    from sitegen.engine.digest import key_digest

    long = "Analysts assess the harbour will likely reopen. " * 100
    keys = [("n", long, (("a", 1),), None), ("n", long + " ", (("a", 1),), None),
            ("n", long.replace("likely", "likelY", 1), (("a", 1),), None),
            ("n", long[:len(long) // 2], (("a", 1),), None), ("n", (long,), (("a", 1),), None),
            ("n", long, (("a", 2),), None), ("n", "\udcff" + long[1:], (("a", 1),), None),
            ("n", repr(long), (("a", 1),), None), (long,), (long, long)]
    digests = [key_digest("markdown", key) for key in keys]
    assert len(set(digests)) == len(keys)
    assert key_digest("markdown", ("n", "".join(long), (("a", 1),), None)) == digests[0]
    assert key_digest("claims", keys[0]) != digests[0]


def test_an_entry_keeps_what_it_read_and_what_that_read_through_collections(tmp_path):
    """A stored entry is stored with the digests of the entries its computation asked
    for and of those they asked for: a later process that uses it alone (a hit) keeps
    all of them through a collection, so none has to be worked out again."""
    def ask(memo: Memo) -> str:
        def inner(_out):
            return memo("file-digest", ("c",), lambda _o: "c made", Collector()) + "; b made"
        return memo("markdown", ("a",), lambda _o: memo("claims", ("b",), inner,
                                                        Collector()) + "; a made", Collector())
    for _ in range(2):  # made, then used alone in a process of its own and collected
        memo = Memo(Store(tmp_path))
        memo.start()
        assert ask(memo) == "c made; b made; a made"
        memo.save()
        memo.store.collect(memo.used())
    assert memo.hits("markdown") == 1 and memo.misses("claims") == 0
    memo = Memo(Store(tmp_path))
    memo.start()
    assert memo("claims", ("b",), lambda _o: pytest.fail("made again"), Collector())
    assert memo("file-digest", ("c",), lambda _o: pytest.fail("made again"), Collector())


def test_a_new_process_takes_the_stored_claims_digests_equal_to_a_walk_of_them(
        example, monkeypatch):
    """Proven claims are stored with their digests: a new process finds its pages' keys
    without digesting any claim again (the pages of 10,000 briefings hold 65,000), and
    each page digests as a walk of it does — the same claims proven again digest alike,
    so a page standing on them stands."""
    from sitegen.changes import site_changes
    from sitegen.engine.digest import Fingerprints
    from sitegen.load.config import load_config
    from sitegen.model.site import Claim
    from sitegen.pages import site_pages
    from sitegen.pipeline import load_site
    build(example)
    memo = Memo(Store(example), fingerprints=Fingerprints())  # a new process
    memo.start()
    site = load_site(example, load_config(example), Collector(), memo=memo)
    pages = site_pages(site, site_changes(site))
    with monkeypatch.context() as patched:
        patched.setattr(Claim, "__repr__", lambda claim: pytest.fail("digested a claim"))
        told = [memo.fingerprints(page) for page in pages]
    assert memo.hits("claims") == len(site.briefings) > 3 and len(site.timeline) > 3
    assert told == list(map(Fingerprints(), pages))


@pytest.mark.parametrize("digests", ["none", "too few", "malformed", "no claims"])
def test_stored_claims_without_their_digests_are_proven_again(example, digests):
    """A stored claims entry that is not what this code stores — without its claims'
    digests, with too few, or with something else than digests — is not used: the
    claims are proven again, and the site is the one a load from nothing makes. (Digests
    of the right form are trusted as the stored claims are: the store is the site's.)"""
    from sitegen.load.config import load_config
    from sitegen.pipeline import load_site
    build(example)
    db = sqlite3.connect(example / ".sitegen-cache/store.sqlite")
    with db:
        for key, value in db.execute("SELECT key, value FROM memo WHERE step = 'claims'"
                                     ).fetchall():
            mark, claims, told = codec.decode(value)
            forged = {"none": claims, "too few": (mark, claims, told[1:]),
                      "malformed": (mark, claims, tuple("#" + "0" * 31 for _ in told)),
                      "no claims": ((), ())}[digests]
            db.execute("UPDATE memo SET value = ? WHERE step = 'claims' AND key = ?",
                       (codec.encode(forged), key))
    db.close()
    memo = Memo(Store(example))
    memo.start()
    site = load_site(example, load_config(example), Collector(), memo=memo)
    assert memo.misses("claims") == len(site.briefings) > 3 and memo.hits("claims") == 0
    assert site == load_site(example, load_config(example), Collector())
