"""`sitegen serve` without a browser: the server over HTTP, port handling, the watcher and
the coalescing of bursts of changes into single rebuilds."""
from __future__ import annotations

import os
import re
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlsplit

import pytest

from serve_tools import ServeProcess, free_port
from sitegen.commands import serve as serve_module
from sitegen.cli import make_parser
from sitegen.errors import SiteError
from sitegen.runtime.watch import Coalescer, Watcher

BRIEFING = "content/briefings/putins-red-lines.md"


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# -- coalescing ------------------------------------------------------------------------------

def test_a_burst_of_changes_gives_one_rebuild_with_every_path():
    calls = []
    c = Coalescer(lambda paths: calls.append(set(paths)), quiet=0.4).start()
    try:
        for i in range(5):  # an editor saving several times, 20 ms apart
            c.notify({f"content/briefings/{i % 2}.md"})
            time.sleep(0.02)
        assert not calls  # still within the quiet time
        wait_until(lambda: calls and c.idle())
        time.sleep(0.5)
        assert calls == [{"content/briefings/0.md", "content/briefings/1.md"}]
    finally:
        c.stop(5)


def test_changes_during_a_rebuild_give_exactly_one_more():
    started, release, calls = threading.Event(), threading.Event(), []

    def rebuild(paths):
        calls.append(set(paths))
        started.set()
        if len(calls) == 1:
            release.wait(5)

    c = Coalescer(rebuild, quiet=0.05).start()
    try:
        c.notify({"a.md"})
        assert started.wait(5)
        for name in ("b.md", "c.md", "b.md", "d.md"):  # while the first rebuild runs
            c.notify({name})
            time.sleep(0.01)
        release.set()
        wait_until(lambda: len(calls) == 2 and c.idle())
        time.sleep(0.3)
        assert calls == [{"a.md"}, {"b.md", "c.md", "d.md"}]
    finally:
        c.stop(5)


def test_changes_that_never_stop_still_rebuild():
    calls = []
    c = Coalescer(lambda paths: calls.append(paths), quiet=0.1, longest=0.3).start()
    try:
        deadline = time.monotonic() + 0.8
        while time.monotonic() < deadline:
            c.notify({"x.md"})
            time.sleep(0.02)
        assert calls, "no rebuild while changes kept coming"
    finally:
        c.stop(5)


# -- watching ----------------------------------------------------------------------------------

def test_watcher_sees_added_changed_and_removed_inputs_only(small):
    w = Watcher(small)
    assert w.changes() == set()
    (small / "content/briefings/new.md").write_text("x")
    (small / "content/briefings/.hidden.md").write_text("x")
    (small / "content/briefings/new.md.swp").write_text("x")
    (small / "public").mkdir()
    (small / "public/index.html").write_text("output is not watched")
    (small / "notes.txt").write_text("neither is this")
    assert w.changes() == {"content/briefings/new.md"}
    (small / "config.yaml").write_text("title: Changed\n")
    (small / "content/briefings/new.md").unlink()
    assert w.changes() == {"config.yaml", "content/briefings/new.md"}
    (small / "themes/default/templates").mkdir(parents=True)
    (small / "themes/default/templates/base.html").write_text("x")
    assert w.changes() == {"themes/default/templates/base.html"}


def test_a_scan_updated_at_the_reported_paths_equals_a_whole_scan(small):
    """The watcher looks again only at the paths the operating system reports, where that
    tells as much as a whole scan; where it cannot (a folder), there is no shortcut."""
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import WATCHED

    old = Scan(small, WATCHED)
    briefing, seed = small / "content/briefings/harbour-reopens.md", small / "seeds/harbour.txt"
    st, data = seed.stat(), seed.read_bytes()
    seed.write_bytes(data.replace(b"Monday", b"Friday"))  # same size, same mtime
    os.utime(seed, ns=(st.st_atime_ns, st.st_mtime_ns))
    briefing.write_text(briefing.read_text() + "More.\n")
    (small / "content/briefings/new.md").write_text("x")
    (small / "content/briefings/.new.md.swp").write_text("x")
    (small / "content/topics").mkdir(exist_ok=True)
    topics = sorted((small / "content/topics").iterdir())
    topics[0].unlink()
    (small / "config.yaml").write_text((small / "config.yaml").read_text() + "\n")
    reported = [str(p) for p in (seed, briefing, topics[0], small / "config.yaml",
                                 small / "content/briefings/new.md",
                                 small / "content/briefings/.new.md.swp")]
    updated, whole = old.updated(reported), Scan(small, WATCHED)
    assert updated is not None and updated.files == whole.files
    assert updated.changed_since(old) == whole.changed_since(old) == {
        "seeds/harbour.txt", "content/briefings/harbour-reopens.md", "config.yaml",
        "content/briefings/new.md", topics[0].relative_to(small).as_posix()}
    (small / "content/briefings/bundle").mkdir()
    assert whole.updated([str(small / "content/briefings/bundle")]) is None
    assert whole.updated([str(small / "notes/elsewhere.md")]) is None


def test_no_shortcut_for_a_file_of_several_names(small):
    """A report names one path of a file: where an input is a link, or a file has
    another name (a hard link), only a whole scan sees every name change."""
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import WATCHED

    briefings = small / "content/briefings"
    target = briefings / "harbour-reopens.md"
    os.link(small / "seeds/harbour.txt", small / "seeds/also.txt")
    scan = Scan(small, WATCHED)
    assert scan.updated([str(small / "seeds/harbour.txt")]) is None
    (small / "seeds/also.txt").unlink()
    (briefings / "mirror.md").symlink_to(target)
    assert Scan(small, WATCHED).updated([str(target)]) is None


def test_after_watching_anew_the_next_scan_is_whole(small, monkeypatch):
    """Changes made while the watcher starts watching anew (an editor replaced
    config.yaml) are reported to no one: the next scan looks at every input."""
    from sitegen.runtime.watch import Watcher

    briefing = small / "content/briefings/harbour-reopens.md"
    rearm = Watcher._reports

    def late_save(self):  # a save that falls between two watches
        briefing.write_text(briefing.read_text(encoding="utf-8") + "More.\n", encoding="utf-8")
        return rearm(self)
    w = Watcher(small)
    try:
        (small / "config.yaml.new").write_text("title: Small site, again\n")
        os.replace(small / "config.yaml.new", small / "config.yaml")
        monkeypatch.setattr(Watcher, "_reports", late_save)
        assert w.wait(longest=2.0) == {"config.yaml"}
        monkeypatch.setattr(Watcher, "_reports", rearm)
        time.sleep(0.2)
        topic = sorted((small / "content/topics").iterdir())[0]
        topic.write_text(topic.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        assert w.wait(longest=2.0) == {topic.relative_to(small).as_posix(),
                                       "content/briefings/harbour-reopens.md"}
    finally:
        w.close()


def test_an_updated_scan_tells_folders_as_a_whole_scan_does(small, monkeypatch):
    """An updated scan hands out the very state it had for a folder nothing was reported
    in (a lookup by it is then cheap), and for the others what a whole scan tells."""
    from sitegen.load import files
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import WATCHED

    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # nothing racy: every state tells
    folders = ("seeds", "content/briefings", "content/topics")
    old = Scan(small, WATCHED)
    before = {folder: old.folder(folder) for folder in folders}
    briefing, new = small / "content/briefings/harbour-reopens.md", small / "content/briefings/new.md"

    def seen(entries):
        return [(e.name, e.is_dir(), e.is_file(), e.is_symlink()) for e in entries]
    for step in ("modified", "added", "a pipe now"):
        listed = old.entries("content/briefings")
        briefing.write_text(briefing.read_text() + "More.\n")
        reported = [str(briefing)]
        if step == "added":
            new.write_text("x")
            reported.append(str(new))
        if step == "a pipe now":
            new.unlink()
            os.mkfifo(new)
            reported.append(str(new))
        updated, whole = old.updated(reported), Scan(small, WATCHED)
        for folder in folders:
            assert updated.folder(folder) == whole.folder(folder) is not None, (step, folder)
            assert seen(updated.entries(folder)) == seen(whole.entries(folder)), (step, folder)
        assert updated.folder("seeds") is before["seeds"]
        assert updated.folder("content/briefings") != before["content/briefings"]
        # The very listing while no file in the folder came, went or changed kind.
        assert (updated.entries("content/briefings") is listed) == (step == "modified")
        old = updated


def test_racy_files_settle_in_an_updated_scan_as_in_a_whole_one(small, monkeypatch):
    """A file changed just before a scan is compared by content (racy); once its times
    are old enough, an updated scan trusts its metadata again, as a whole scan does (else
    a preview started on a freshly copied site would never again take seeds/ whole)."""
    from sitegen.load import files
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import WATCHED

    old = Scan(small, WATCHED)
    assert "seeds/harbour.txt" in old.racy and old.folder("seeds") is None
    monkeypatch.setattr(files, "SETTLE_NS", 0)  # as if the settle time had passed
    time.sleep(0.01)
    updated, whole = old.updated([]), Scan(small, WATCHED)
    assert updated.racy == whole.racy == {}
    assert updated.folder("seeds") == whole.folder("seeds") is not None


def test_a_scan_travels_as_what_changed_and_arrives_as_the_scan_it_was(small, monkeypatch):
    """The preview sends its build process a scan as what changed since the last one
    sent: patched onto that one, it is the later scan, file by file and folder by folder,
    with the listings of the folders in which no file came, went or changed kind kept."""
    from sitegen.load import files
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import WATCHED

    monkeypatch.setattr(files, "SETTLE_NS", -10**12)  # nothing racy: every state tells
    folders = ("seeds", "content/briefings", "content/topics")
    briefing, new = small / "content/briefings/harbour-reopens.md", small / "content/briefings/new.md"

    def seen(scan, folder):
        return [(e.name, e.is_dir(), e.is_file(), e.is_symlink()) for e in scan.entries(folder)]
    held = Scan(small, WATCHED)
    for step in ("modified", "added", "a pipe now", "a file again", "a link now", "removed",
                 "racy"):
        for folder in folders:  # what the build process worked out from the scan it holds
            held.folder(folder), held.entries(folder)
        listed = held.entries("content/briefings")
        briefing.write_text(briefing.read_text() + "More.\n")
        if step == "added":
            new.write_text("x")
        elif step == "a pipe now":
            new.unlink()
            os.mkfifo(new)
        elif step == "a file again":
            new.unlink()
            new.write_text("x")
        elif step == "a link now":
            new.unlink()
            new.symlink_to(small / "seeds/harbour.txt")
        elif step == "removed":
            new.unlink()
        elif step == "racy":
            monkeypatch.setattr(files, "SETTLE_NS", 10**12)
        later = Scan(small, WATCHED)
        delta = later.delta(held)
        assert delta is not None and len(delta.files) <= 2, step
        patched = held.patched(delta)
        assert (patched.files, patched.racy, patched.special, patched.since) == \
            (later.files, later.racy, later.special, later.since), step
        assert patched.changed_since(held) == later.changed_since(held), step
        for folder in folders:
            assert patched.folder(folder) == later.folder(folder), (step, folder)
            assert seen(patched, folder) == seen(later, folder), (step, folder)
        assert (patched.entries("content/briefings") is listed) == (step in ("modified", "racy"))
        held = patched
    (small / "content/briefings/bundle").mkdir()
    assert Scan(small, WATCHED).delta(held) is None  # another folder: sent whole


def test_the_warm_up_waits_for_racy_files_to_settle_in_short_steps(small, monkeypatch):
    """Between builds, the preview waits for the files its scan found racy to settle
    (then the next scan knows them by their metadata), a step of a few ms at a time (a
    save may come meanwhile); files settled already need no wait."""
    from sitegen.load import files
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import WATCHED

    monkeypatch.setattr(files, "SETTLE_NS", 600_000_000)
    briefing = small / "content/briefings/harbour-reopens.md"
    briefing.write_text(briefing.read_text() + "More.\n")
    scan = Scan(small, WATCHED)
    assert "content/briefings/harbour-reopens.md" in scan.racy
    start, steps = time.monotonic(), []
    for _ in files.settling(scan, scan.racy):
        steps.append(time.monotonic())
    assert time.monotonic() - start >= 0.3 and len(steps) >= 10
    assert max(b - a for a, b in zip([start, *steps], steps)) < 0.05
    assert scan.updated(()).racy == {}
    assert list(files.settling(scan, scan.racy)) == []


def test_a_scan_lists_a_folder_as_a_listing_does(small):
    """The load takes a folder's files from the build's scan (no second listing): the
    same entries, links and subfolders included; where a folder is a link, it lists."""
    from sitegen.load.files import listing
    from sitegen.load.scan import Scan
    from sitegen.runtime.watch import WATCHED

    briefings = small / "content/briefings"
    (briefings / "bundle").mkdir()
    (briefings / "bundle/index.md").write_text("x")
    (briefings / ".hidden.md").write_text("x")
    (briefings / "linked.md").symlink_to(briefings / "harbour-reopens.md")
    (small / "seeds/also").symlink_to(small / "content")
    os.mkfifo(small / "seeds/pipe.txt")  # no file to read (a scan must not wait on it)
    scan = Scan(small, WATCHED)

    def seen(entries):
        return [(e.name, e.is_dir(), e.is_file(), e.is_symlink()) for e in entries]
    for folder in ("content/briefings", "seeds", "content"):
        assert seen(scan.entries(folder)) == seen(listing(small / folder))
    # Reports name a file under a linked folder by either path: no shortcut there.
    assert scan.updated([str(briefings / "harbour-reopens.md")]) is None
    (small / "seeds/also").unlink()
    (small / "seeds/back").symlink_to(small / "seeds")  # a link back up
    assert Scan(small, WATCHED).entries("seeds") is None


def test_watcher_sees_a_same_size_rewrite_within_one_clock_tick(small):
    path = small / "seeds/harbour.txt"
    w = Watcher(small)
    st = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Monday", b"Friday"))  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime
    assert w.changes() == {"seeds/harbour.txt"}


@pytest.mark.parametrize("notify", [True, False])
def test_watcher_wait_returns_soon_after_a_save(small, notify):
    w = Watcher(small, notify=notify)
    try:
        assert w.wait(poll=0.02, longest=0.1) == set()
        path = small / "content/briefings/harbour-reopens.md"
        timer = threading.Timer(0.05, lambda: path.write_text(path.read_text() + "More.\n"))
        timer.start()
        start = time.monotonic()
        changed = set()
        while not changed and time.monotonic() - start < 2:
            changed = w.wait(poll=0.02, longest=1.0)
        assert changed == {"content/briefings/harbour-reopens.md"}
        assert time.monotonic() - start < 0.8
        (small / "content/new-folder").mkdir()  # folders made later are watched too
        assert w.wait(poll=0.02, longest=0.5) == set()
        (small / "content/new-folder/x.md").write_text("x")
        assert w.wait(poll=0.02, longest=1.0) == {"content/new-folder/x.md"}
    finally:
        w.close()


# -- ports and addresses ------------------------------------------------------------------------

def test_serve_binds_to_loopback_by_default():
    args = make_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1" and args.port == 8000 and not args.no_open
    sockets, port, note = serve_module.bind("127.0.0.1", 0)
    try:
        assert note is None and port > 0
        assert {s.getsockname()[0] for s in sockets} == {"127.0.0.1"}
    finally:
        for s in sockets:
            s.close()
    assert serve_module.site_url("127.0.0.1", 8000) == "http://127.0.0.1:8000/"
    assert serve_module.site_url("::1", 8000) == "http://[::1]:8000/"


def test_a_port_in_use_moves_to_the_next_free_one_and_says_so():
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        sockets, actual, note = serve_module.bind("127.0.0.1", port)
        for s in sockets:
            s.close()
        assert actual != port
        assert note == f"port {port} is in use; serving on port {actual} instead"
    finally:
        busy.close()


def test_no_free_port_is_a_clear_error(monkeypatch, cli, small):
    monkeypatch.setattr(serve_module, "PORT_TRIES", 1)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        code, _out, err = cli("serve", "--root", small, "--no-open", "--port", port)
    finally:
        busy.close()
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err and "in use" in err and "--port" in err


# -- the server, over HTTP -----------------------------------------------------------------------

def test_serve_rebuilds_shows_errors_and_stops_cleanly(example):
    server = ServeProcess(example)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.folder.is_dir() and not str(server.folder).startswith(str(example))
        status, home = server.get()
        assert status == 200 and "/livereload.js" in home
        assert server.get("briefings/putins-red-lines/index.html")[0] == 200
        assert server.get("no/such/page.html")[0] == 404
        assert server.get("../../etc/passwd")[0] == 404
        assert server.get(".sitegen-output")[0] == 404
        path = example / BRIEFING
        original = path.read_text(encoding="utf-8")

        path.write_text(original.replace("title: Putin's red lines", "title: Served anew"),
                        encoding="utf-8")
        server.wait_for("briefings/putins-red-lines/index.html", lambda t: "Served anew" in t)

        path.write_text(original.replace("date: 2022-01-12", "date: [oops"), encoding="utf-8")
        page = server.wait_for("briefings/putins-red-lines/index.html",
                               lambda t: "sitegen-error" in t)
        assert f"{BRIEFING}:4" in page and "Served anew" in page  # last good build underneath
        assert "sitegen-error" in server.get("topics/nato/index.html")[1]  # every page
        server.wait_for_line(rf"{BRIEFING}:4: error: invalid YAML")
        server.wait_for_line(r"build failed: \d+ error")

        path.write_text(original, encoding="utf-8")
        page = server.wait_for("briefings/putins-red-lines/index.html",
                               lambda t: "sitegen-error" not in t)
        assert "Putin&#39;s red lines" in page or "Putin's red lines" in page
        assert not (example / "public").exists()  # the published output is never touched
    finally:
        code = server.stop()
    assert code == 0, server.output
    assert "stopped" in server.output
    assert not server.folder.exists()


def fetch(url: str) -> tuple[int, str, str]:
    """(status, final URL after redirects, body) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.geturl(), r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, url, e.read().decode("utf-8")


def test_a_missing_page_gets_a_styled_404_whose_links_work(example):
    """The example's base_url is https://example.org/briefings/, so its 404.html links to
    /briefings/assets/style.css: the preview serves the site under /briefings/, as where it
    is published, and those links work at any depth."""
    with ServeProcess(example) as server:
        assert urlsplit(server.url).path == "/briefings/"
        missing = server.url + "topics/no/such/page/"
        status, _, page = fetch(missing)
        assert status == 404 and "Page not found" in page and "/livereload.js" in page
        css = re.search(r'<link rel="stylesheet" href="([^"]+)"', page).group(1)
        assert css == "/briefings/assets/style.css"  # the published 404.html, unchanged
        status, _, text = fetch(urljoin(missing, css))
        assert status == 200 and "font" in text
        home = re.search(r'<a href="([^"]+)">home page</a>', page).group(1)
        status, _, text = fetch(urljoin(missing, home))
        assert status == 200 and 'class="page-home"' in text
        # Outside the site's path: the root leads to the site, anything else is not found.
        status, final, text = fetch(urljoin(server.url, "/"))
        assert (status, final) == (200, server.url) and 'class="page-home"' in text
        assert fetch(urljoin(server.url, "/assets/style.css"))[0] == 404
    assert server.proc.returncode == 0


def test_a_site_without_a_base_url_path_is_served_at_the_root(small):
    with ServeProcess(small) as server:
        assert urlsplit(server.url).path == "/"
        assert server.get("assets/style.css")[0] == 200
        status, page = server.get("no/such/page/")
        assert status == 404 and 'href="assets/style.css"' in page  # relative: no base_url


def test_a_site_that_never_built_shows_the_error_page(small):
    (small / "content/briefings/harbour-reopens.md").write_text("no front matter\n")
    with ServeProcess(small) as server:
        status, page = server.get()
        assert status == 500 and "content/briefings/harbour-reopens.md:1" in page
        assert "/livereload.js" in page  # so fixing the file brings the page back
    assert server.proc.returncode == 0


def test_sigterm_stops_and_cleans_up(small):
    server = ServeProcess(small, port=free_port())
    assert server.stop(signal.SIGTERM) == 0
    assert not server.folder.exists()


@pytest.fixture(autouse=True)
def _no_browser(monkeypatch):
    monkeypatch.setenv("BROWSER", "true")  # never open a real browser from a test


def test_the_build_process_collects_garbage_when_idle_not_between_save_and_reload(
        small, tmp_path):
    from sitegen.runtime.buildprocess import BuildProcess

    time.sleep(2.1)  # the site's files settled: no warm-up waits for them (files.settling)
    builder = BuildProcess(small, tmp_path / "preview", idle=0.5)
    try:
        builder.build()
        before = builder.status()["collections"]  # asked right after the build: none yet
        # The first build's objects are left out of collections at once, without one (a
        # large site's first idle collection would walk its whole memo, ~1 s, just when
        # a first save is likely).
        assert builder.status()["frozen"] > 0
        time.sleep(0.2)
        builder.build()  # a second save within the burst: the collection waits again
        assert builder.status()["collections"] == before
        wait_until(lambda: builder.status()["collections"] == before + 1, timeout=5)  # idle: collected
        # After each build, what the next one needs was made ready (IncrementalBuilder.warm_up).
        assert builder.status()["warmed up"] == 2
        time.sleep(0.7)
        assert builder.status()["collections"] == before + 1  # once per burst, not again and again
        assert builder.status()["thorough"] == 0  # the first walked only what came since
        # What survived is left out of the next collections (a large site's memo would be
        # walked again each time, and a save waits while it is).
        assert builder.status()["frozen"] > 0
    finally:
        builder.close()


def test_the_build_process_builds_on_every_core_and_reports_errors(small, tmp_path):
    """Every preview build, not only the first, may fork workers: the build process has
    no threads. Its errors arrive whole, and one that died is started again."""
    import os

    from sitegen.runtime import parallel
    from sitegen.runtime.buildprocess import BuildProcess

    builder = BuildProcess(small, tmp_path / "preview")
    try:
        first = builder.build()
        status = builder.status()
        assert status["threads"] == 1 and status["workers"] == parallel.default_workers()
        assert first.pages > 0 and builder.config.title
        assert (tmp_path / "preview" / "index.html").is_file()
        path = small / "content/briefings/harbour-reopens.md"
        good = path.read_text(encoding="utf-8")
        path.write_text(good.replace("topics: [", "topics: [no-such-topic, "), encoding="utf-8")
        with pytest.raises(SiteError) as failed:
            builder.build()
        assert [p.code for p in failed.value.problems] == ["unknown-topic"]
        path.write_text(good, encoding="utf-8")
        os.kill(builder._process.pid, 9)
        builder._process.join()
        with pytest.raises(SiteError, match="build process stopped \\(exit code -9\\)"):
            builder.status()
        assert builder.build().rendered == first.pages  # a new process, a full build
    finally:
        builder.close()
    assert not builder._process.is_alive()


def test_the_build_process_is_sent_what_changed_since_the_scan_it_holds(small, tmp_path):
    """After the first, the preview sends each scan as what changed since the one the
    build process holds, which builds from that as from the whole scan; a process
    started again (the last one died) is sent the whole scan."""
    import os

    from sitegen.load.scan import Scan
    from sitegen.runtime.buildprocess import BuildProcess
    from sitegen.runtime.watch import WATCHED

    builder = BuildProcess(small, tmp_path / "preview")
    page = tmp_path / "preview/briefings/harbour-reopens/index.html"
    path = small / "content/briefings/harbour-reopens.md"
    good = path.read_text(encoding="utf-8")
    try:
        builder.build(Scan(small, WATCHED))
        for n, title in enumerate(["Harbour reopens, at last", "Harbour reopens again"], 1):
            path.write_text(good.replace("title: Harbour reopens", f"title: {title}", 1),
                            encoding="utf-8")
            builder.build(Scan(small, WATCHED))
            assert f"<title>{title}" in page.read_text(encoding="utf-8")
            assert builder.status()["scan deltas"] == n
        os.kill(builder._process.pid, 9)
        builder._process.join()
        path.write_text(good, encoding="utf-8")
        assert builder.build(Scan(small, WATCHED)).pages > 0  # a new process: sent whole
        assert "<title>Harbour reopens " in page.read_text(encoding="utf-8")
        assert builder.status()["scan deltas"] == 0
    finally:
        builder.close()


def test_closing_the_preview_stops_a_build_under_way(tmp_path):
    """Ctrl-C during a long first build stops it at once, not when it is done."""
    import sys

    from serve_tools import REPO
    from sitegen.runtime.buildprocess import BuildProcess

    sys.path.insert(0, str(REPO / "benchmarks"))
    from gen_site import generate

    generate(tmp_path / "site", 1000)  # a build of several seconds
    builder = BuildProcess(tmp_path / "site", tmp_path / "preview")
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(_outcome(builder.build)))
    thread.start()
    time.sleep(1.5)
    start = time.monotonic()
    builder.close()
    thread.join(5)
    assert time.monotonic() - start < 3 and not thread.is_alive()
    assert outcome and isinstance(outcome[0], SiteError)  # stopped, not finished
    assert not builder._process.is_alive()
    with pytest.raises(SiteError):
        builder.build()  # closed: not started again
    assert not builder._process.is_alive()


def _outcome(call):
    try:
        return call()
    except SiteError as exc:
        return exc


def test_watcher_wait_keeps_its_deadline_while_other_files_churn(small):
    """Files outside the inputs (the output folder of a build running beside) neither
    wake the watcher nor keep it waiting past `longest`."""
    w = Watcher(small)
    out = small / "public"
    out.mkdir()
    stop = threading.Event()

    def churn():
        while not stop.is_set():
            (out / "index.html").write_text(str(time.monotonic()))
            time.sleep(0.01)

    thread = threading.Thread(target=churn)
    thread.start()
    result = []
    waiting = threading.Thread(target=lambda: result.append(w.wait(poll=0.02, longest=0.3)))
    try:
        waiting.start()
        waiting.join(1.0)  # a watcher that never returned would hang the test run
        assert not waiting.is_alive() and result == [set()]
    finally:
        stop.set()
        thread.join()
        waiting.join(5)
        w.close()


def test_watcher_watches_an_input_folder_made_later(small):
    w = Watcher(small)
    try:
        (small / "themes/default/templates").mkdir(parents=True)
        assert w.wait(poll=0.02, longest=2.0) == set()  # a folder alone is no input
        (small / "themes/default/templates/base.html").write_text("x")
        start = time.monotonic()
        assert w.wait(poll=0.02, longest=2.0) == {"themes/default/templates/base.html"}
        assert time.monotonic() - start < 1.0  # reported, not found by the 2 s look
        path = small / "themes/default/templates/base.html"
        start = time.monotonic()
        threading.Timer(0.1, lambda: path.write_text("y")).start()
        assert w.wait(poll=0.02, longest=2.0) == {"themes/default/templates/base.html"}
        assert time.monotonic() - start < 1.0
    finally:
        w.close()


def _raw(port: int, method: str, path: str, host: str) -> tuple[int, dict, bytes]:
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, path, skip_host=True)
    conn.putheader("Host", host)
    conn.endheaders()
    r = conn.getresponse()
    return r.status, dict(r.getheaders()), r.read()


def test_the_preview_answers_like_a_web_server_and_only_for_loopback_hosts(small):
    with ServeProcess(small) as server:
        port, local = server.port, f"127.0.0.1:{server.port}"
        status, headers, body = _raw(port, "GET", "/", local)
        assert status == 200 and b"Harbour" in body
        head = _raw(port, "HEAD", "/", local)
        assert head[0] == 200 and head[2] == b""  # HEAD: GET's answer without the body
        assert head[1]["Content-Type"] == headers["Content-Type"]
        assert _raw(port, "HEAD", "/no/such/page", local)[0] == 404
        # A folder without its slash leads to the folder on this host, never another.
        status, headers, _ = _raw(port, "GET", "//briefings", local)
        assert status in (301, 302) and headers["Location"] == "/briefings/"
        for host in ("localhost:%d" % port, "[::1]:%d" % port, "127.0.0.2", "app.localhost"):
            assert _raw(port, "GET", "/", host)[0] == 200, host
        for host in ("evil.example", "evil.example:%d" % port, "10.0.0.1", "127.0.0.1.evil"):
            status, _headers, body = _raw(port, "GET", "/", host)
            assert status == 403 and b"loopback host" in body, host
            assert _raw(port, "GET", "/livereload.js", host)[0] == 403, host


def test_a_stylesheet_edit_reloads_only_the_stylesheet(small, tmp_path):
    """The manifest changes with every rebuild; no page shows it, so a stylesheet edit
    still swaps the stylesheet alone, and an edit of a page reloads the page."""
    theme = small / "themes/default"
    (theme / "static").mkdir(parents=True)
    (theme / "static/style.css").write_text("body { color: black }")
    preview = serve_module.Preview(small, tmp_path / "preview")
    try:
        assert preview.rebuild() == "*"
        (theme / "static/style.css").write_text("body { color: navy }")
        assert preview.rebuild({"themes/default/static/style.css"}) == "assets/style.css"
        assert preview.rebuild() is None  # nothing changed
        path = small / "content/briefings/harbour-reopens.md"
        path.write_text(path.read_text().replace("Monday", "Tuesday"))
        assert preview.rebuild({"content/briefings/harbour-reopens.md"}) == "*"
    finally:
        preview.close()


def test_an_idle_watcher_scans_less_often_where_a_scan_takes_long(small):
    """Change reports wake the watcher at once; the scan it makes anyway, in case one was
    missed, comes at most every `longest` seconds and no oftener than a large site's
    scan allows (an idle preview of 100,000 briefings must not keep a core busy)."""
    from sitegen.runtime.watch import SCAN_SHARE

    w = Watcher(small)
    try:
        w.state.seconds = 0.5 * SCAN_SHARE  # a scan of 0.01 s: one every 0.5 s at most
        start = time.monotonic()
        assert w.wait(poll=0.02, longest=0.1) == set()
        assert time.monotonic() - start >= 0.45
        w.state.seconds = 10 * SCAN_SHARE  # a save is still seen at once
        path = small / "content/briefings/harbour-reopens.md"
        timer = threading.Timer(0.05, lambda: path.write_text(path.read_text() + "More.\n"))
        timer.start()
        start = time.monotonic()
        assert w.wait(poll=0.02, longest=0.1) == {"content/briefings/harbour-reopens.md"}
        assert time.monotonic() - start < 2
    finally:
        w.close()
