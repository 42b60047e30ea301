"""The persistent cache and the no-change fast path: a warm build equals a cold one byte
for byte, and a damaged, stale or foreign cache is ignored, never trusted."""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from conftest import edit, snapshot, write_site

from sitegen import diskcache
from sitegen.build import build
from sitegen.cache import BuildCache
from sitegen.errors import SiteError
from sitegen.load import files

B = "content/briefings/harbour-reopens.md"


@pytest.fixture(autouse=True)
def private_key_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))


EDITS = [
    (B, "It reopened on Monday.", "It reopened on Monday morning."),
    (B, "The [[harbour-town]] story.", "The [[harbour-town]] story, told again."),
    ("seeds/harbour.txt", "ferries resume in 2024", "ferries resume in 2024, weather allowing"),
    ("content/topics/harbour-town.yaml", "kind: place", "kind: place\naliases: [the harbour]"),
    ("config.yaml", "title: Small site", "title: Small site, renamed"),
    ("themes/default/templates/404.html", "Page not found", "Nothing here"),
]


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
    assert list((small / ".sitegen-cache").glob("markdown-*.pickle"))


def _entries(root, step):
    """Every entry the disk cache of the site at `root` holds for `step`."""
    memo = diskcache.DiskMemo(root)
    return {d: e for shard in range(diskcache.SHARDS) for d, e in memo._shard((step, shard)).items()}


def _pages(folder):
    return {k: v for k, v in snapshot(folder).items() if k != ".sitegen-output"}


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


def test_damaged_cache_is_ignored(small, capsys):
    build(small, workers=1)
    for shard in range(diskcache.SHARDS):  # shards in use, and shards holding nothing
        (small / f".sitegen-cache/markdown-{shard:x}.pickle").write_bytes(b"garbage\n\x80\x04junk")
    edit(small, B, "Monday", "Tuesday")
    messages = []
    build(small, workers=1, log=messages.append)
    assert any(m.startswith("cache: ignored .sitegen-cache/markdown-") for m in messages)
    assert "Tuesday" in (small / "public/briefings/harbour-reopens/index.html").read_text()
    edit(small, B, "Tuesday", "Wednesday")
    messages.clear()
    build(small, workers=1, log=messages.append)
    assert not [m for m in messages if m.startswith("cache: ignored")]  # said once: replaced


class _Boom:
    def __reduce__(self):
        return (open, ("PWNED", "w"))


def test_foreign_cache_is_never_unpickled(small, monkeypatch, tmp_path):
    build(small, workers=1)
    body = pickle.dumps((diskcache.code_digest(), {b"x": _Boom()}))
    for shard in range(diskcache.SHARDS):
        (small / f".sitegen-cache/briefing-{shard:x}.pickle").write_bytes(b"0" * 64 + b"\n"
                                                                          + body)
    monkeypatch.chdir(tmp_path)
    edit(small, B, "Monday", "Tuesday")
    build(small, workers=1)
    assert not (tmp_path / "PWNED").exists()


def test_cache_of_other_code_is_stale(small, monkeypatch):
    build(small, workers=1)
    assert _entries(small, "markdown")
    monkeypatch.setattr(diskcache, "code_digest", lambda: "another version")
    assert _entries(small, "markdown") == {}


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


def test_no_place_for_the_key_means_no_disk_cache_but_a_good_build(small, monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    result = build(small, workers=1)
    assert result.site is not None and (small / "public/index.html").is_file()
    assert not list((small / ".sitegen-cache").glob("*.pickle"))


def test_read_only_cache_folder_does_not_fail_the_build(small):
    (small / ".sitegen-cache").write_text("a file where the cache folder should be")
    messages = []
    result = build(small, workers=1, log=messages.append)
    assert result.site is not None and any("cache: not saved" in m for m in messages)


def test_pages_are_rendered_again_by_other_sitegen_code(small, monkeypatch):
    """Reused pages were made by this sitegen: after an upgrade every page renders anew."""
    from sitegen import manifest, pagekey
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
    for module in (diskcache, manifest, pagekey):
        monkeypatch.setattr(module, "code_digest", lambda: "another version")
    build(small, workers=1)
    assert len(rendered) == total


def test_an_edit_rewrites_only_the_cache_files_whose_entries_changed(example):
    build(example, workers=1)
    cache = example / ".sitegen-cache"
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pickle")}
    edit(example, "content/briefings/donbas-false-flag-allegations.md", "title: ",
         "title: Updated ")
    build(example, workers=1)
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.pickle")}
    rewritten = {name for name in after if before.get(name) != after[name]}
    assert any(name.startswith("briefing-") for name in rewritten)
    assert not any(name.startswith("seed-") for name in rewritten)
    assert len(rewritten) < len(after) / 2


def test_a_large_cache_is_saved_on_several_cores_byte_for_byte(example, monkeypatch, tmp_path):
    cache = example / ".sitegen-cache"
    build(example, workers=1)
    one = {p.name: p.read_bytes() for p in cache.glob("*.pickle")}
    pids = tmp_path / "pids"
    write_shard = diskcache.DiskMemo._write_shard

    def noted(memo, where):
        with open(pids, "a") as f:
            f.write(f"{os.getpid()}\n")
        return write_shard(memo, where)

    monkeypatch.setattr(diskcache.DiskMemo, "_write_shard", noted)
    monkeypatch.setattr(diskcache, "_MANY_ENTRIES", 0)  # the example is small: fork anyway
    for p in cache.glob("*.pickle"):
        p.unlink()
    (example / "public").rename(tmp_path / "old-public")  # a cold build again
    build(example, workers=2)
    assert {p.name: p.read_bytes() for p in cache.glob("*.pickle")} == one
    # written by worker processes (of two saves: the load stage's steps are saved once
    # loading is done), never by this one
    written_by = set(pids.read_text().split())
    assert len(written_by) >= 2 and str(os.getpid()) not in written_by


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
    memo = BuildCache()
    digest = files.InputFiles(memo).digest(path, "a.md")
    assert len(memo) == 0  # too recent to be known by its metadata: read every time
    path.write_text("two")
    assert files.InputFiles(memo).digest(path, "a.md") != digest


def test_a_file_changed_during_the_build_is_an_error_not_a_wrong_parse(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("one")
    digest = files.InputFiles(BuildCache()).digest(path, "a.md")
    path.write_text("two")
    with pytest.raises(SiteError, match="a.md: .*changed while the site was being built"):
        files.InputFiles.data(path, "a.md", digest)


def test_pieces_reused_in_worker_processes_stay_in_the_cache(example, monkeypatch):
    import sitegen.build as build_module

    monkeypatch.setattr(build_module, "LARGE_SITE", 0)  # fork even for the few pages of an edit
    monkeypatch.setattr(diskcache, "SHARDS", 1)  # the new chapter's file holds all the others
    build(example, workers=2)
    before = _entries(example, "part")
    chapters = len(before)
    assert chapters >= 3
    path = next((example / "content/briefings").glob("*.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    build(example, workers=2)  # the book renders in a worker, reusing all but one chapter
    after = _entries(example, "part")  # an old chapter may stay until its shard is rewritten
    assert len(set(before) & set(after)) >= chapters - 1 and len(after) >= chapters
    build(example, out_dir=str(example / "cold"), workers=1, cache=False)
    assert _pages(example / "public") == _pages(example / "cold")


def test_a_settled_step_is_saved_and_let_go_of_and_stays_saved(tmp_path):
    from sitegen.errors import Collector

    memo = diskcache.DiskMemo(tmp_path)
    parsed = memo("briefing", "b1", lambda _o: ["parsed b1"], Collector())
    memo.settle(["briefing"])
    assert not [w for w in (*memo._shards, *memo._used) if w[0] == "briefing"]  # let go of
    assert [e[0] for e in _entries(tmp_path, "briefing").values()] == [parsed]
    files = {p.name: p.stat().st_mtime_ns for p in (tmp_path / ".sitegen-cache").glob("*")}
    memo("part", "p1", lambda _o: b"piece", Collector())
    memo.save()  # the later save of the other steps leaves the settled ones as they are
    assert all((tmp_path / ".sitegen-cache" / name).stat().st_mtime_ns == ns
               for name, ns in files.items())
    assert [e[0] for e in _entries(tmp_path, "part").values()] == [b"piece"]
    assert [e[0] for e in _entries(tmp_path, "briefing").values()] == [parsed]


def test_pages_render_after_the_load_stage_let_go_of_its_cache_entries(example, monkeypatch):
    # what the memo held for loading (parsed briefings above all) is not carried into
    # the processes forked to render pages
    from sitegen.reuse import PartCachingRenderer

    held = []
    prepare = PartCachingRenderer.prepare

    def noted(renderer):
        held.append({where[0] for where in (*renderer.memo._shards, *renderer.memo._used)})
        return prepare(renderer)

    monkeypatch.setattr(PartCachingRenderer, "prepare", noted)
    build(example, workers=2)
    assert held and not held[0] & set(diskcache.LOAD_STEPS)
    assert _entries(example, "briefing") and _entries(example, "markdown")  # saved


def test_the_books_chapters_are_kept_compressed(example):
    from sitegen.reuse import unpack

    build(example, workers=1)
    entries = _entries(example, "part")
    assert entries
    for packed, _problems in entries.values():
        html = unpack(packed)
        assert '<section class="book-briefing"' in html and len(packed) < len(html.encode()) / 2


def test_two_builds_writing_one_cache_file_at_once_both_succeed(tmp_path, monkeypatch):
    """Builds of one site into two output folders share the cache; a shard both write
    ends up whole, the last one's, and no temporary file stays."""
    replace = diskcache.os.replace
    calls = []

    def replace_after_another_writer(src, dst):
        calls.append(dst)
        if len(calls) == 1:  # the other build writes the same file in between
            diskcache.write_cache_file(tmp_path, "part-0.pickle", b"second")
        replace(src, dst)

    monkeypatch.setattr(diskcache.os, "replace", replace_after_another_writer)
    diskcache.write_cache_file(tmp_path, "part-0.pickle", b"first")
    folder = tmp_path / diskcache.CACHE_DIR
    assert len(calls) == 2 and (folder / "part-0.pickle").read_bytes() == b"first"
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "part-0.pickle"]
