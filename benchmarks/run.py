"""The build benchmark: generate a synthetic site of N briefings and time sitegen on it.

    python benchmarks/run.py                  # N = 1,000 and 10,000, 3 runs each
    python benchmarks/run.py -n 1000 -r 5     # one size, five runs
    python benchmarks/run.py --compare        # also Hugo, Pelican, MkDocs where installed

Scenarios (each the median of the runs, wall seconds, pages/second, peak RSS):
cold build (no output, no cache), no-change rebuild, rebuild after one briefing was
edited, rebuild after one seed was edited. Every build runs in a fresh process.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_site import SHAPES, generate  # noqa: E402
import others  # noqa: E402
from sitegen.load.files import SETTLE_NS  # noqa: E402


def timed(cmd: list[str], cwd: Path | None = None, limit: float | None = None
          ) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one command run in its own process, timed from
    its start to its exit (no process of ours in between: a wrapper's start-up, about a
    sixth of a no-change build, would be counted as the command's); the peak is that of
    the command or of any of its children, whichever was largest. Past `limit` seconds
    the command and its children are stopped and TimeoutExpired is raised."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err,
                                start_new_session=True)
        ended, fired, lock = False, threading.Event(), threading.Lock()

        def stop() -> None:  # (its process group: the command and its children)
            with lock:
                if not ended:
                    fired.set()
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(limit, stop) if limit else None
        try:
            if timer:
                timer.start()
            # Rule: waited for without being reaped, so its id cannot be reused before the
            # timer knows it ended.
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            wall = time.perf_counter() - start
            with lock:
                ended = True
        finally:
            if timer:
                timer.cancel()
            if not ended:  # interrupted: leave nothing running
                stop()
            _pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)  # (Popen must not wait again)
        if fired.is_set():
            raise subprocess.TimeoutExpired(cmd, limit)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err.read().decode(errors='replace')}")
    return wall, usage.ru_maxrss / 1024


def _touch_briefing(root: Path, i: int) -> None:
    path = sorted((root / "content/briefings").glob("*.md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + f"\nEdited paragraph number {i}.\n",
                    encoding="utf-8")


def _touch_seed(root: Path, i: int) -> None:
    path = sorted(p for p in (root / "seeds").iterdir() if p.suffix in (".txt", ".md"))[0]
    path.write_text(path.read_text(encoding="utf-8") + f"\n\nAn added closing paragraph {i}.\n",
                    encoding="utf-8")


def settled() -> None:
    """Before a timed build: the disk has written back what was just written or deleted
    (the corpus, the last run's output, the cold build's), which would otherwise slow the
    build timed next (a tool with more output to delete, or the first tool timed, the
    more)."""
    os.sync()


def bench_sitegen(root: Path, runs: int) -> dict:
    build = [sys.executable, "-m", "sitegen", "build", "-q", "--root", str(root)]
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in
                                                     ("cold", "no-change", "briefing-edit", "seed-edit")}
    for i in range(runs):
        for leftover in ("public", ".sitegen-cache"):
            shutil.rmtree(root / leftover, ignore_errors=True)
        settled()
        # As a user's build would, start after the inputs settled: a file changed within
        # the settle time is not trusted by its metadata, and the no-change build after
        # would check every file again (see sitegen/load/files.py).
        time.sleep(SETTLE_NS / 1e9)
        results["cold"].append(timed(build))
        results["no-change"].append(timed(build))
        settled()  # (an author's edit comes a while after the last build)
        _touch_briefing(root, i)
        results["briefing-edit"].append(timed(build))
        _touch_seed(root, i)
        results["seed-edit"].append(timed(build))
    pages = sum(1 for _ in (root / "public").rglob("*.html"))
    return {name: summary(rows, pages) for name, rows in results.items()} | {"pages": pages}


def summary(rows: list[tuple[float, float]], pages: int) -> dict:
    wall = statistics.median(r[0] for r in rows)
    return {"wall_s": round(wall, 3), "pages_per_s": round(pages / wall), "rss_mib":
            round(max(r[1] for r in rows)), "runs": [round(r[0], 3) for r in rows]}


def bench_others(root: Path, runs: int, work: Path, tools: list[str], limit: float) -> dict:
    out = {}
    for name in (t for t in others.available() if t in tools):
        cmd, output = others.TOOLS[name](root, work / name)
        rows = []
        try:
            for _ in range(runs):
                shutil.rmtree(output, ignore_errors=True)
                settled()
                rows.append(timed(cmd, limit=limit))
        except subprocess.TimeoutExpired:
            out[name] = {"timed_out_after_s": limit}
            continue
        pages = sum(1 for _ in output.rglob("*.html"))
        out[name] = summary(rows, pages) | {"pages": pages, "note": "cold build"}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("-n", type=int, action="append", help="briefings (repeatable); default 1000 and 10000")
    p.add_argument("-r", "--runs", type=int, default=3, help="runs per scenario (median reported)")
    p.add_argument("--compare", nargs="?", const=",".join(others.TOOLS), metavar="TOOLS",
                   help="also time these generators where installed "
                        f"(comma-separated; default {','.join(others.TOOLS)})")
    p.add_argument("--limit", type=float, default=600, metavar="SECONDS",
                   help="give up on another generator's build after this long (default 600)")
    p.add_argument("--shape", choices=SHAPES, default="synthetic",
                   help="the generated corpus' shape (see gen_site.generate)")
    p.add_argument("--json", metavar="FILE", help="write the results as JSON")
    p.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    args = p.parse_args(argv)
    report = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()}, "sizes": {}}
    for n in args.n or [1000, 10000]:
        base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
        root = base / f"site-{n}"
        try:
            shutil.rmtree(root, ignore_errors=True)
            generate(root, n, shape=args.shape)
            row = {"sitegen": bench_sitegen(root, args.runs)}
            print(f"N={n} sitegen: {json.dumps(row['sitegen'])}", flush=True)
            if args.compare:
                row |= bench_others(root, args.runs, base / f"others-{n}",
                                    args.compare.split(","), args.limit)
            report["sizes"][n] = row
            print(f"N={n}: {json.dumps(row)}", flush=True)
        finally:
            if not args.keep:
                shutil.rmtree(base, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
