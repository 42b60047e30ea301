"""Helpers for the browser tests: Chromium via Playwright, a static server that hosts a
built site under a sub-path, a watcher for console errors and network requests, the
Nu HTML Checker and axe-core.

A missing tool is a test failure with the command that installs it, never a skip.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import shutil
import subprocess
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
VNU_JAR = REPO / "node_modules/vnu-jar/build/dist/vnu.jar"
AXE_JS = REPO / "node_modules/axe-core/axe.min.js"
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}


def require_tools() -> None:
    """Fail (not skip) when a tool the browser tests need is missing."""
    missing = []
    if not Path(CHROMIUM).is_file():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not shutil.which("java"):
        missing.append("java (apt-get install default-jre-headless)")
    for path in (VNU_JAR, AXE_JS):
        if not path.is_file():
            missing.append(f"{path.relative_to(REPO)} (run `npm ci` in the repository)")
    if missing:
        pytest.fail("browser tests cannot run, missing: " + "; ".join(missing), pytrace=False)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under `prefix` only; anything else, or a missing file, gets
    404.html with status 404, as static hosts do."""

    prefix = "/"

    def log_message(self, *args):  # keep test output quiet
        pass

    def translate_path(self, path):
        path = urlsplit(path).path
        if not path.startswith(self.prefix):
            return str(Path(self.directory) / ".outside-the-prefix")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a browser closing early is fine
        pass


@contextlib.contextmanager
def static_server(directory: Path, prefix: str = "/briefings/"):
    """Serve `directory` at http://127.0.0.1:<port><prefix>; yields that base URL."""
    handler = type("Handler", (_Handler,), {"prefix": prefix})
    server = _QuietServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class Watch:
    """Everything that went wrong on a page: console errors, uncaught exceptions,
    failed requests, requests to another host, HTTP errors (but the expected ones)."""

    def __init__(self, page, allow_status: set[str] = frozenset()):
        self.problems: list[str] = []
        self.allow_status = allow_status
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("request", self._request)
        page.on("response", self._response)

    def _console(self, message):
        if message.type == "error" and message.location.get("url") not in self.allow_status:
            self.problems.append(f"console error: {message.text} at {message.location}")

    def _failed(self, request):
        # Going on to the next page cancels late requests such as the favicon's
        # (ERR_ABORTED); a missing file is ERR_FILE_NOT_FOUND or an HTTP error status.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme not in ("file", "data", "about") and parts.hostname not in LOCAL_HOSTS:
            self.problems.append(f"request to another host: {request.url}")

    def _response(self, response):
        if response.status >= 400 and response.url not in self.allow_status:
            self.problems.append(f"HTTP {response.status}: {response.url}")


def vnu_errors(files: list[Path]) -> list[str]:
    """Nu HTML Checker errors for all `files`, in one run of the checker."""
    run = subprocess.run(["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                          *map(str, files)], capture_output=True, text=True, timeout=300)
    if not run.stderr.strip():
        assert run.returncode == 0, run.stdout
        return []
    try:
        messages = json.loads(run.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu.jar gave no JSON report (exit {run.returncode}): {run.stderr[:2000]}")
    return [f"{m.get('url', '?')}:{m.get('lastLine', '?')}: {m.get('message')} "
            f"[{m.get('extract', '').strip()[:120]}]" for m in messages
            if m.get("type") == "error" or m.get("subType") == "fatal"]


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it is now."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] if len(n["target"]) == 1 else str(n["target"])
                        for n in v["nodes"][:5])
            for v in result["violations"]]
