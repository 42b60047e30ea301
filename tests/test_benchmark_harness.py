"""The benchmark's timer (benchmarks/run.py): what it reports is the command's own."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import run  # noqa: E402


def test_peak_memory_is_the_largest_of_the_command_and_its_children():
    _wall, peak = run.timed([sys.executable, "-c", "import subprocess, sys; subprocess.run("
                             "[sys.executable, '-c', 'x = bytearray(300 << 20)'])"])
    assert 300 < peak < 400


def test_time_is_the_command_s_own():
    """No process of the harness starts between the timer and the command (a Python
    wrapper's start-up would be counted as the command's): a command that starts no
    interpreter takes a fraction of one interpreter's start."""
    start_up = min(run.timed([sys.executable, "-c", "pass"])[0] for _ in range(3))
    assert min(run.timed(["true"])[0] for _ in range(3)) < start_up / 4


def test_a_failure_says_what_the_command_said():
    with pytest.raises(SystemExit, match="boom"):
        run.timed(["sh", "-c", "echo boom >&2; exit 3"])


def test_a_command_past_the_limit_is_stopped_with_its_children(tmp_path):
    pid_file = tmp_path / "child"
    start = time.monotonic()
    with pytest.raises(subprocess.TimeoutExpired):
        run.timed(["sh", "-c", f"sleep 30 & echo $! > {pid_file}; wait"], limit=0.5)
    assert time.monotonic() - start < 10
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.01)  # (the killed child is reaped by init)
    assert not _running(child)


def _running(pid: int) -> bool:
    """Whether `pid` is a live process (not a zombie)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (OSError, IndexError):
        return False
