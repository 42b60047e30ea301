"""Live-preview latency: how long after saving a briefing `sitegen serve` has rebuilt the
site, and how long until an open browser page shows the change.

    python benchmarks/serve_latency.py                 # the example site and 1,000 briefings
    python benchmarks/serve_latency.py --sizes 0 5000  # 0 = the bundled example site
    python benchmarks/serve_latency.py --no-browser    # save-to-rebuilt only
    python benchmarks/serve_latency.py --compare-hugo  # `hugo server` on the same corpus too

For each site it starts `sitegen serve` (a subprocess), opens one briefing's page in
headless Chromium, then 10 times changes that briefing's title and measures
save -> rebuilt (the server's "built in" line arrives) and save -> reloaded (the open
page shows the new title). It prints the medians. Targets: < 300 ms on the example site,
< 1 s on 1,000 briefings. With --compare-hugo it also runs `hugo server` (in its default
fast-render mode) on the same corpus (see others.make_hugo) and measures its first build
and save -> the edited page served with the new title (polled over HTTP).
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO / "tests")]

from gen_site import generate  # noqa: E402
from serve_tools import ServeProcess, free_port  # noqa: E402
import others  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
CONNECTED = "() => !!(window.LiveReload && window.LiveReload.connector.protocol)"
EXAMPLE = ("config.yaml", "content", "seeds", "themes")


def make_site(root: Path, n: int) -> Path:
    """The bundled example (n = 0) or a generated site of n briefings."""
    root.mkdir(parents=True, exist_ok=True)
    if n == 0:
        for part in EXAMPLE:
            src = REPO / part
            (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
        return root
    generate(root, n)
    return root


def settle() -> None:
    """Before a server starts, and before the first edit: the disk has written what was
    just written — the corpus copied for this run, the first build's output — which
    otherwise goes on being written back meanwhile, slowing whichever tool comes first
    (the first build) and a server that writes its output, sitegen, and not one that
    serves from memory, Hugo (the edits); a user's first save comes a while after the
    preview starts."""
    os.sync()
    time.sleep(1.0)


def measure(root: Path, edits: int, browser) -> tuple[list[float], list[float], float]:
    """Per edit: save -> rebuilt and save -> reloaded (ms); and the first build's seconds."""
    briefings = sorted((root / "content/briefings").glob("*.md"))
    path = briefings[len(briefings) // 2]
    page_path = f"briefings/{path.stem}/index.html"
    original = path.read_text(encoding="utf-8")
    rebuilt, reloaded = [], []
    settle()
    with ServeProcess(root, timeout=600) as server:
        first = float(server.wait_for_line(r"built in ([\d.]+) s").group(1))
        page = None
        if browser:
            page = browser.new_page()
            page.goto(server.url + page_path)
            page.wait_for_function(CONNECTED, timeout=30_000)
        try:
            settle()
            for k in range(edits):
                title = f"Latency edit {k}"
                seen = len(server.lines)
                text = re.sub(r"(?m)^title: .*$", f'title: "{title}"', original, count=1)
                start = time.perf_counter()
                path.write_text(text, encoding="utf-8")
                if page is not None:
                    page.wait_for_function(
                        f"() => document.title.startsWith({title!r})", polling=5, timeout=60_000)
                    reloaded.append((time.perf_counter() - start) * 1000)
                index, _ = server.find_line(r"built in", timeout=60, start=seen)
                rebuilt.append((server.line_times[index] - start) * 1000)
                if page is not None:
                    page.wait_for_function(CONNECTED, timeout=30_000)
                time.sleep(0.3)  # separate edits, not one burst
        finally:
            path.write_text(original, encoding="utf-8")
            if page is not None:
                page.close()
    return rebuilt, reloaded, first


def measure_hugo(site: Path, work: Path, edits: int) -> tuple[list[float], float]:
    """`hugo server` on the site's corpus: per edit save -> page served with the edit
    (ms), and the seconds until it first served."""
    import http.client
    import subprocess
    import urllib.error
    import urllib.request
    _command, _out = others.make_hugo(site, work)
    port = free_port()
    settle()
    start = time.perf_counter()
    proc = subprocess.Popen(["hugo", "server", "--source", str(work), "--port", str(port),
                             "--bind", "127.0.0.1", "--baseURL", f"http://127.0.0.1:{port}/"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in proc.stdout:
            if "Web Server is available" in line:
                break
        first = time.perf_counter() - start
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        files = sorted((work / "content/briefings").glob("*.md"))
        path = files[len(files) // 2]
        url = f"http://127.0.0.1:{port}/briefings/{path.stem}/"
        original = path.read_text(encoding="utf-8")

        def page() -> str:
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    return r.read().decode("utf-8")
            except (urllib.error.URLError, OSError, http.client.HTTPException):
                return ""  # not served yet, or cut off while hugo rewrote it: ask again

        page()  # visited: fast render mode renders it again on a change
        settle()
        served = []
        for k in range(edits):
            title = f"Latency edit {k}"
            text = re.sub(r"(?m)^title: .*$", f"title: {title}", original, count=1)
            start = time.perf_counter()
            path.write_text(text, encoding="utf-8")
            while f"<title>{title}</title>" not in page():
                if time.perf_counter() - start > 120:
                    raise RuntimeError("hugo server never showed the edit")
                time.sleep(0.005)
            served.append((time.perf_counter() - start) * 1000)
            time.sleep(0.3)
        return served, first
    finally:
        proc.terminate()
        proc.wait(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000],
                        help="sites to measure: 0 = the bundled example, N = generated")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--compare-hugo", action="store_true",
                        help="also time `hugo server` on the same corpus")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, {platform.machine()}, Python "
          f"{platform.python_version()}")
    pw = browser = None
    if not args.no_browser:
        from playwright.sync_api import sync_playwright
        pw = sync_playwright().start()
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        for n in args.sizes:
            with tempfile.TemporaryDirectory(prefix="sitegen-latency-") as tmp:
                root = make_site(Path(tmp) / "site", n)
                rebuilt, reloaded, first = measure(root, args.edits, browser)
                hugo = (measure_hugo(root, Path(tmp) / "hugo", args.edits)
                        if args.compare_hugo and n else None)
            name = "example site" if n == 0 else f"{n} briefings"
            line = (f"{name}: save -> rebuilt median {statistics.median(rebuilt):.0f} ms "
                    f"(min {min(rebuilt):.0f}, max {max(rebuilt):.0f}; each in turn: "
                    f"{', '.join(f'{ms:.0f}' for ms in rebuilt)})")
            if reloaded:
                line += f"; save -> browser shows it median {statistics.median(reloaded):.0f} ms"
            print(line + f"; first build {first:.2f} s", flush=True)
            if hugo:
                served, hugo_first = hugo
                print(f"{name}, hugo server: save -> edited page served median "
                      f"{statistics.median(served):.0f} ms (min {min(served):.0f}, max "
                      f"{max(served):.0f}); first build served {hugo_first:.2f} s "
                      f"(ratio sitegen/hugo: save {statistics.median(rebuilt) / statistics.median(served):.2f}, "
                      f"first build {first / hugo_first:.2f})", flush=True)
    finally:
        if browser:
            browser.close()
            pw.stop()


if __name__ == "__main__":
    main()
