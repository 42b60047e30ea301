"""The reader's benchmark: what a reader opens and waits for, in headless Chromium from
file://, on a generated site of N briefings (see gen_site.py).

    python benchmarks/browser.py -n 1000 -n 10000

For each N: the largest HTML page (a source document's own page apart) and the largest
script; search, as the median over one-word queries of different frequencies, each in
a fresh browser context (nothing of the index loaded yet): bytes of the index loaded and
milliseconds from typing the word to the results shown (the page's 80 ms pause after
typing included); the time until a book volume and the book's contents page have loaded;
and the files whose bytes change when one briefing is added (and built again), by kind,
twice: once where it starts a new list page, once where it does not.
Needs Chromium at /usr/bin/chromium and Playwright (`pip install -e '.[test]'`).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from gen_site import generate  # noqa: E402
from sitegen.commands.build import build# noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
ADDED = """---
title: A briefing added for the benchmark
date: {date}
seeds: [bench-new]
topics: [topic-0001]
bottom_line: Something new happened.
key_points:
  - text: It happened.
    cite: p1
timeline:
  - date: 2021
    event: The new thing starts
    cite: p1
---
Analysis of the new thing.
"""


def largest(out: Path) -> dict:
    pages = [(p.stat().st_size, p.relative_to(out).as_posix()) for p in out.rglob("*.html")
             if not p.relative_to(out).as_posix().startswith("sources/")
             or p.parent.name == "sources" or p.parent.parent.name == "page"]
    scripts = [(p.stat().st_size, p.relative_to(out).as_posix()) for p in out.rglob("*.js")]
    return {"page": max(pages), "script": max(scripts)}


def queries(out: Path, count: int = 7) -> list[str]:
    """One-word queries from rare to very common: words of the index at evenly spaced
    ranks of their document frequency."""
    rows = {}
    for shard in sorted((out / "search/t").glob("*.js")):
        text = shard.read_text(encoding="utf-8")
        for term, row in json.loads(text[text.index(",") + 1:text.rindex(")")]).items():
            if term.isalpha() and len(term) >= 4:
                rows[term] = (len(row) - 2) // 2 + 10**6 * row[0]
    ranked = sorted(rows, key=lambda t: (rows[t], t))
    return [ranked[int(i * (len(ranked) - 1) / (count - 1))] for i in range(count)]


def search_runs(browser, out: Path, words: list[str]) -> list[tuple[str, int, float, str]]:
    runs = []
    for word in words:
        context = browser.new_context()
        page = context.new_page()
        loaded: list[str] = []
        page.on("requestfinished", lambda r: loaded.append(r.url))
        page.goto((out / "search/index.html").as_uri())
        page.wait_for_function("document.querySelector('#search-status').textContent"
                               ".startsWith('Type to search')")
        start = time.perf_counter()
        page.locator("#search-q").fill(word)
        page.wait_for_function("w => document.querySelector('#search-status').textContent"
                               ".includes('\u201c' + w + '\u201d')", arg=word, polling="raf")
        ms = (time.perf_counter() - start) * 1000
        size = sum(Path(u[len("file://"):]).stat().st_size for u in loaded
                   if "/search/" in u and u.endswith(".js"))
        runs.append((word, size, ms, page.locator("#search-status").inner_text()))
        context.close()
    return runs


def load_ms(browser, url: str, times: int = 3) -> float:
    page = browser.new_page()
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        page.goto(url, wait_until="load")
        samples.append((time.perf_counter() - start) * 1000)
    page.close()
    return statistics.median(samples)


def digests(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.blake2b(p.read_bytes()).hexdigest()
            for p in out.rglob("*") if p.is_file()}


def changed_by_adding(root: Path, name: str) -> dict[str, list[str]]:
    """Add a briefing (with a seed of its own) dated as the newest, build; the files that
    changed, by kind."""
    out = root / "public"
    before = digests(out)
    newest = max(p.stem for p in (root / "content/briefings").glob("*.md"))
    date = (root / "content/briefings" / f"{newest}.md").read_text().split("date: ")[1][:10]
    (root / f"seeds/{name}.txt").write_text("New source\n\nThe new thing starts.\n")
    (root / f"content/briefings/{name}.md").write_text(
        ADDED.format(date=date).replace("bench-new", name))
    build(root)
    after = digests(out)
    kinds: dict[str, list[str]] = {}
    for rel in sorted(before.keys() & after.keys()):
        if before[rel] != after[rel]:
            top = rel.split("/")[0]
            if rel.startswith(("briefings/index", "briefings/page/", "sources/index",
                               "sources/page/", "timeline/", "topics/index")):
                kind = "list pages"
            elif rel.startswith("topics/topic-0001/"):
                kind = "the new briefing's topic"
            else:
                kind = top
            kinds.setdefault(kind, []).append(rel)
    return kinds


def measure(n: int, work: Path) -> dict:
    from playwright.sync_api import sync_playwright
    root = generate(work / f"site-{n}", n)
    t = time.perf_counter()
    build(root)
    built = time.perf_counter() - t
    out = root / "public"
    result = {"n": n, "build_s": round(built, 1), **largest(out),
              "search_total_bytes": sum(p.stat().st_size for p in (out / "search").rglob("*.js"))}
    volumes = sorted(p for p in (out / "book").glob("*/index.html"))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        runs = search_runs(browser, out, queries(out))
        result["search"] = runs
        result["search_bytes_median"] = statistics.median(r[1] for r in runs)
        result["search_ms_median"] = statistics.median(r[2] for r in runs)
        result["book_contents_ms"] = load_ms(browser, (out / "book/index.html").as_uri())
        picks = volumes[:: max(1, len(volumes) // 3)][:3] or [out / "book/index.html"]
        result["book_volume_ms"] = statistics.median(
            load_ms(browser, p.as_uri()) for p in picks)
        result["book_volume_largest"] = max(p.stat().st_size for p in picks)
        browser.close()
    # N is a round number: the first addition starts a new list page, the second does not.
    for name in ("zz-added-1", "zz-added-2"):
        result[f"changed_by_adding_{name[-1]}"] = {
            k: len(v) if len(v) > 6 else v for k, v in changed_by_adding(root, name).items()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, action="append", help="briefings (repeatable)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sitegen-browser-") as tmp:
        for n in args.n or [1000, 10000]:
            print(json.dumps(measure(n, Path(tmp)), indent=1), flush=True)


if __name__ == "__main__":
    main()
