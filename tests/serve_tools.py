"""Running `sitegen serve` as a real subprocess in tests and benchmarks: start it, read
what it prints, fetch pages, wait for rebuilds, stop it."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServeProcess:
    """`python -m sitegen serve --no-open` on a site; `.url` once it serves."""

    def __init__(self, root: Path, *args: str, port: int | None = None, timeout: float = 60):
        self.port = free_port() if port is None else port
        env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--root", str(root), "--no-open",
             "--port", str(self.port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        self.line_times: list[float] = []  # time.perf_counter() when each line arrived
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        m = self.wait_for_line(r"serving .* at (http://\S+) \(from (.+?)\)", timeout)
        self.url, self.folder = m.group(1), Path(m.group(2))

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.line_times.append(time.perf_counter())
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = 30, start: int = 0) -> re.Match:
        """The first line from `start` on that matches (waiting for it)."""
        return self.find_line(pattern, timeout, start)[1]

    def find_line(self, pattern: str, timeout: float = 30, start: int = 0
                  ) -> tuple[int, re.Match]:
        """(index, match) of the first line from `start` on that matches (waiting for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, line in enumerate(self.lines[start:], start):
                m = re.search(pattern, line)
                if m:
                    return i, m
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no line matching {pattern!r} in:\n{self.output}")

    def get(self, path: str = "") -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as r:
                return r.status, r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8")

    def wait_for(self, path: str, predicate, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, text = self.get(path)
            if predicate(text):
                return text
            time.sleep(0.005)
        raise AssertionError(f"{path} never matched; last status {status}; output:\n{self.output}")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        return self.proc.returncode

    def __enter__(self) -> "ServeProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
