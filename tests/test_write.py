"""The write stage: an existing output is brought to the new one in place, changing only
what changed, and only once everything new is staged."""
from __future__ import annotations

import hashlib
import os
import re

import pytest

from conftest import snapshot
from sitegen.errors import SiteError
from sitegen.integrity import MANIFEST, manifest, read_manifest
from sitegen.outfolder import MARKER
from sitegen.write import Kept, OutputWriter


def write_site(out, files, **options):
    return OutputWriter(out).write(files, **options)


def _stats(folder):
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*")}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _site(out):
    """The output's own files (not the marker), each listed in the manifest with its digest."""
    files = {k: v for k, v in snapshot(out).items() if k not in (MARKER, MANIFEST)}
    assert snapshot(out)[MARKER] and read_manifest(snapshot(out)[MANIFEST])[0] == {
        k: sha256(v) for k, v in files.items()}
    return files


def test_a_new_output_is_written_whole_and_marked(tmp_path):
    out = tmp_path / "public"
    assert write_site(out, iter([("index.html", b"home"), ("a/b.css", b"css")])) == (1, 3)
    assert snapshot(out) == {MARKER: (out / MARKER).read_bytes(), "a/b.css": b"css",
                             "index.html": b"home", "SHA256SUMS": manifest(
                                 {"a/b.css": sha256(b"css"), "index.html": sha256(b"home")})}
    assert not list(tmp_path.glob(".public.sitegen-*"))


def test_only_changed_files_are_written_and_stale_ones_go(tmp_path):
    out = tmp_path / "public"
    write_site(out, [("same.html", b"S"), ("kept.html", b"K"), ("changed.html", b"C"),
                     ("old/gone.html", b"G"), ("deep/er/gone.html", b"G"),
                     ("dir", b"a file that becomes a folder")])
    for p in out.rglob("*.html"):
        os.utime(p, ns=(1, 1))
    before = _stats(out)
    pages, files = write_site(out, [("same.html", b"S"), Kept(["kept.html"]),
                                    ("changed.html", b"C2"), ("dir/new.html", b"N")])
    assert (pages, files) == (4, 5)  # with the manifest
    now = _stats(out)
    assert now["same.html"] == before["same.html"]  # same bytes: not even its date changes
    assert now["kept.html"] == before["kept.html"]
    assert now["changed.html"] != before["changed.html"]
    assert _site(out) == {"changed.html": b"C2", "dir/new.html": b"N", "kept.html": b"K",
                          "same.html": b"S"}
    assert not (out / "old").exists() and not (out / "deep").exists()  # emptied folders go too
    write_site(out, [("dir", b"a file again")])
    assert (out / "dir").read_bytes() == b"a file again"
    assert not list(tmp_path.glob(".public.sitegen-*"))


def test_empty_folders_go_and_every_files_size_is_known_without_a_walk(tmp_path):
    from sitegen.write import largest_files
    out = tmp_path / "public"
    write_site(out, [("big.html", b"B" * 100), ("a/small.html", b"s"), ("s.js", b"js")])
    (out / "empty/deeper").mkdir(parents=True)
    writer = OutputWriter(out)
    writer.write([Kept(["big.html"]), ("a/small.html", b"s" * 10), ("s.js", iter(["j"]))])
    assert not (out / "empty").exists()
    assert writer.sizes == {"big.html": 100, "a/small.html": 10, "s.js": 1}
    assert largest_files(writer.sizes) == {".html": ("big.html", 100), ".js": ("s.js", 1)}


def test_a_failure_before_everything_is_staged_changes_nothing(tmp_path):
    out = tmp_path / "public"
    write_site(out, [("a.html", b"A"), ("b.html", b"B")])
    before, stats = snapshot(out), _stats(out)
    changes = []

    def files():
        yield "a.html", b"A changed"
        yield "c.html", b"new"
        raise RuntimeError("template error")

    with pytest.raises(RuntimeError):
        write_site(out, files(), before_change=lambda: changes.append(1))
    assert snapshot(out) == before and _stats(out) == stats
    assert changes == [] and not list(tmp_path.glob(".public.sitegen-*"))


def test_what_an_interrupted_build_left_beside_the_output_is_cleared_but_nothing_else(tmp_path):
    """A build killed just after making its staging folder, before marking it, leaves it
    empty: the next build removes it. A leftover holding anything unmarked stays."""
    out = tmp_path / "public"
    write_site(out, [("a.html", b"A")])
    (tmp_path / ".public.sitegen-new").mkdir()
    (tmp_path / ".public.sitegen-old").mkdir()
    write_site(out, [("a.html", b"B")])
    assert (out / "a.html").read_bytes() == b"B" and not list(tmp_path.glob(".public.sitegen-*"))
    (tmp_path / ".public.sitegen-new").mkdir()
    (tmp_path / ".public.sitegen-new" / "mine.txt").write_text("precious")
    with pytest.raises(FileExistsError):
        write_site(out, [("a.html", b"C")])
    assert (tmp_path / ".public.sitegen-new" / "mine.txt").read_text() == "precious"


def test_before_change_runs_once_while_the_old_output_is_still_whole(tmp_path):
    out = tmp_path / "public"
    write_site(out, [("a.html", b"A")])
    seen = []
    write_site(out, [("a.html", b"B")], before_change=lambda: seen.append(snapshot(out)))
    assert [s["a.html"] for s in seen] == [b"A"] and (out / "a.html").read_bytes() == b"B"


def test_a_folder_sitegen_did_not_make_is_never_written_into(tmp_path):
    out = tmp_path / "theirs"
    out.mkdir()
    (out / "notes.txt").write_text("precious")
    with pytest.raises(SiteError, match="not made by sitegen"):
        write_site(out, [("index.html", b"x")])
    assert snapshot(out) == {"notes.txt": b"precious"}


def test_pages_written_in_pieces_are_compared_with_the_old_file_too(tmp_path):
    out = tmp_path / "public"
    write_site(out, [("same.html", b"abc"), ("changed.html", b"abc")])
    os.utime(out / "same.html", ns=(1, 1))
    writer = OutputWriter(out)
    pieces = [("same.html", writer.put("same.html", iter(["a", "bc"]))),
              ("changed.html", writer.put("changed.html", iter(["a", "bd"]))),
              ("new.html", writer.put("new.html", iter(["é"])))]
    assert [p[1].changed for p in pieces] == [False, True, True]
    writer.write(pieces)
    assert (out / "same.html").stat().st_mtime_ns == 1
    assert _site(out) == {"changed.html": b"abd", "new.html": "é".encode(),
                          "same.html": b"abc"}


def test_a_page_of_many_pieces_is_written_whole(tmp_path):
    # every piece lands once, in order, in nested folders; an empty page is an empty file
    pieces = [f"<p>{i}é</p>" if i % 7 else "" for i in range(10_000)]
    writer = OutputWriter(tmp_path / "public")
    writer.write([("a/b/many.html", writer.put("a/b/many.html", iter(pieces))),
                  ("a/empty.html", writer.put("a/empty.html", iter([])))])
    assert (tmp_path / "public/a/b/many.html").read_text(encoding="utf-8") == "".join(pieces)
    assert (tmp_path / "public/a/empty.html").read_bytes() == b""


def test_a_second_build_of_the_same_output_waits_for_the_first(example):
    """Without the lock, the second build took the first one's staging folder for an
    interrupted build's and removed it under the first one's feet."""
    import threading
    import time

    from sitegen.commands.build import build
    from sitegen.outfolder import output_lock

    out = example / "public"
    lock = out.parent / ".public.sitegen-lock"
    messages, results = [], []
    with output_lock(out, messages.append):  # as a build that is writing `out` does
        assert lock.exists() and not messages
        second = threading.Thread(target=lambda: results.append(
            build(example, workers=1, log=messages.append)))
        second.start()
        deadline = time.monotonic() + 60
        while not any(m.startswith("waiting: ") for m in messages):
            assert second.is_alive() and time.monotonic() < deadline, messages
            time.sleep(0.02)
        time.sleep(0.2)
        assert not out.exists() and not results  # it writes nothing while it waits
    second.join(60)
    assert results and results[0].pages > 20 and (out / "index.html").is_file()
    assert [m for m in messages if m.startswith("waiting: ")] == [
        f"waiting: another sitegen build is writing {out.resolve()}"]
    assert not lock.exists()  # there only while held
    with output_lock(out, messages.append):  # and free again
        pass


def test_an_output_on_a_file_system_without_locks_still_builds(example, monkeypatch):
    import errno

    from sitegen import outfolder
    from sitegen.commands.build import build

    def no_locks(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(outfolder.fcntl, "flock", no_locks)
    assert build(example, workers=1).pages > 20 and (example / "public/index.html").is_file()
    assert not list(example.glob(".public.sitegen-*"))


def _mounted_tmpfs(folder, size):
    """A real tmpfs of `size` at `folder`, or None where this machine lets no one mount."""
    import subprocess

    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True)
    return folder if done.returncode == 0 else None


def test_a_full_disk_leaves_the_published_output_exactly_as_it_was(small, cli, tmp_path):
    import subprocess

    disk = _mounted_tmpfs(tmp_path / "disk", "600k")
    if disk is None:
        pytest.skip("mounting a tmpfs needs privileges this machine does not give; "
                    "test_a_failed_swap_puts_the_old_output_back covers the logic")
    try:
        out = disk / "public"
        assert cli("build", "--root", small, "--out", out)[0] == 0
        before = snapshot(out)
        (small / "seeds/big.txt").write_text("Big\n\n" + "A long paragraph of words. " * 30000)
        code, _out, err = cli("build", "--root", small, "--out", out)
        assert code == 1 and "No space left on device" in err
        assert "the previous output is unchanged" in err
        assert snapshot(out) == before
        assert sorted(p.name for p in disk.iterdir()) == ["public"]  # no staging left
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_move_that_fails_half_way_says_exactly_how_far_it_got(small, cli, monkeypatch):
    """A failure while the new output moves in (a read-only folder, a full disk) never
    claims the output is unchanged: it says what was done, and the next build, which no
    longer trusts that output, brings every file up to date."""
    from sitegen import write

    assert cli("build", "--root", small)[0] == 0
    (small / "content/briefings/harbour-reopens.md").write_text(
        (small / "content/briefings/harbour-reopens.md").read_text().replace("Monday", "Friday"))
    (small / "config.yaml").write_text("title: Small site, renamed\n")  # every page changes
    real, moves = write.os.replace, []

    def second_move_fails(src, dst):
        if ".sitegen-new" in str(src):
            moves.append(src)
            if len(moves) == 2:
                raise OSError(30, "Read-only file system", str(dst))
        return real(src, dst)

    monkeypatch.setattr(write.os, "replace", second_move_fails)
    code, _out, err = cli("build", "--root", small)
    assert code == 1 and "previous output is unchanged" not in err
    assert re.search(r"error: cannot write the output: Read-only file system \(.*\); it is "
                     r"partly updated: 0 stale files removed, 1 of \d+ changed files moved in "
                     r"\(the rest are staged in \.public\.sitegen-new\); the next build brings it "
                     r"up to date", err), err
    assert "build failed: 1 error(s); the output is partly updated (see above)" in err
    monkeypatch.setattr(write.os, "replace", real)
    assert cli("build", "--root", small)[0] == 0
    assert cli("build", "--root", small, "--out", small / "clean", "--no-cache")[0] == 0
    assert {k: v for k, v in snapshot(small / "public").items()} == \
        {k: v for k, v in snapshot(small / "clean").items()}
