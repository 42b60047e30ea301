"""`sitegen serve`: build the site into a private temporary folder, serve it with live
reload, and rebuild (incrementally) whenever an input changes.

Threads: the main thread runs the web server (tornado, with livereload's WebSocket
handler and client script); a watcher thread polls the inputs; the coalescer's thread
asks for one rebuild per burst of changes, then asks the server to reload open pages.
The builds themselves run in a process of their own, on every core (see buildprocess). While
the site does not build, every HTML page is served with the error overlay on top of the
last good build (see `overlay`). A site whose `base_url` has a path (`/briefings/`) is
served under that path, as where it is published, so `404.html`'s root-absolute links work.
"""
from __future__ import annotations

import errno
import ipaddress
import logging
import mimetypes
import posixpath
import shutil
import signal
import sys
import tempfile
import threading
import traceback
import webbrowser
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector
from livereload.watcher import Watcher as _LivereloadWatcher
from tornado import httpserver, ioloop, netutil, web

from ..runtime.buildprocess import BuildProcess
from ..integrity import MANIFEST
from ..errors import Problem, SiteError
from ..engine.rebuild import Rebuilt
from .overlay import error_page, inject, render_overlay
from ..urls import base_path
from ..load.scan import Scan
from ..runtime.watch import Coalescer, Watcher

POLL = 0.05  # seconds between two looks at the inputs, where they cannot be watched
QUIET = 0.03  # seconds without a change before rebuilding (the reports come grouped already)
PORT_TRIES = 10  # a port in use: try this many following ones
LIVE_SCRIPT = ('<script>(function(){var s=document.createElement("script");'
               'var port=window.location.port||(window.location.protocol=="https:"?443:80);'
               's.src="//"+window.location.hostname+":"+port+"/livereload.js?port="+port;'
               'document.head.appendChild(s);})();</script>')


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Preview:
    """The private build folder, its incremental builder, and what the browser is shown."""

    def __init__(self, root: Path, folder: Path, drafts: bool = False):
        self.root, self.folder = root, folder
        self.builder = BuildProcess(root, folder, drafts, log=say)
        self.built = False  # the folder holds a good build
        self.problems: list[Problem] = []  # errors of the latest build; [] when it worked
        self.overlay: str | None = None  # HTML shown over pages while there are errors
        self.base = "/"  # the path the site is served under: base_url's, of the last good build
        self._warnings: list[Problem] = []
        self.closed = False

    def close(self) -> None:
        """Stop the build process, and a build it is running."""
        self.closed = True
        self.builder.close()

    def rebuild(self, changed: set[str] = frozenset(), scan: Scan | None = None) -> str | None:
        """Build (from the watcher's latest `scan`, when given); report in the terminal.
        Returns what the browser should reload ('*' for everything, or one stylesheet's
        path), or None when nothing it shows changed."""
        what = ", ".join(sorted(changed)[:3]) + (" …" if len(changed) > 3 else "")
        try:
            result: Rebuilt | None = self.builder.build(scan)
            problems = []
        except SiteError as exc:
            result, problems = None, exc.problems
        except Exception as exc:  # a bug: say so, keep serving the last good build
            traceback.print_exc()
            result, problems = None, [Problem("(sitegen)", None, f"internal error: {exc!r}")]
        if self.closed:
            return None  # stopped because the preview is closing: nothing to report
        before = self.problems
        self.problems = problems
        if result is None:
            for p in problems:
                say(str(p))
            say(f"build failed: {len(problems)} error(s)"
                + ("; still serving the last good build" if self.built else ""))
            self.overlay = render_overlay(self.root, problems, stale=self.built)
            return "*" if problems != before else None
        self.built, self.overlay = True, None
        self.base = base_path(self.builder.config.base_url) or "/"
        if result.warnings != self._warnings:
            for p in result.warnings:
                say(str(p))
        self._warnings = result.warnings
        say(f"{what + ': ' if what else ''}built in {result.seconds:.2f} s "
            f"({result.rendered} of {result.pages} pages rendered, "
            f"{len(result.changed)} files changed)")
        if before:
            return "*"
        shown = [p for p in result.changed if p != MANIFEST]  # no page shows the manifest
        if not shown:
            return None
        if all(p.endswith(".css") for p in shown):
            return shown[0]
        return "*"


class SiteHandler(web.RequestHandler):
    """Files of the preview folder; directories give their index.html; HTML pages get the
    error overlay while the build is broken."""

    def initialize(self, preview: Preview, loopback_only: bool = True) -> None:
        self.preview, self.loopback_only = preview, loopback_only

    def prepare(self) -> None:
        refuse_foreign_host(self, self.loopback_only)

    def head(self, path: str) -> None:
        """What GET would answer, without the body (Tornado sends none for HEAD)."""
        self.get(path)

    def compute_etag(self) -> None:
        return None

    def get(self, path: str) -> None:
        self.set_header("Cache-Control", "no-store")
        preview = self.preview
        base = unquote(preview.base)
        if not ("/" + path).startswith(base):  # outside the path the site is served under
            if "/" + path in ("/", base.rstrip("/")):
                return self.redirect(base + ("?" + self.request.query if self.request.query
                                             else ""))
            return self._not_found()
        path = path[len(base) - 1:]
        rel = posixpath.normpath("/" + path).lstrip("/")
        if any(part.startswith(".") for part in rel.split("/")):
            return self._not_found()
        target = preview.folder / rel if rel else preview.folder
        if target.is_dir():
            if path and not path.endswith("/"):  # to the folder, on this host: `base` and
                return self.redirect(base + rel + "/" + (  # `rel` make one leading slash
                    "?" + self.request.query if self.request.query else ""))
            target = target / "index.html"
        if not target.is_file():
            if preview.overlay is not None and not preview.built and _looks_like_page(rel):
                return self._send(error_page(preview.overlay), "text/html", 500)
            return self._not_found()
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self._send(target.read_bytes(), kind)

    def _not_found(self) -> None:
        page = self.preview.folder / "404.html"
        if page.is_file():
            return self._send(page.read_bytes(), "text/html", 404)
        self._send(b"<!doctype html><title>Not found</title><h1>Not found</h1>", "text/html", 404)

    def _send(self, data: bytes, kind: str, status: int = 200) -> None:
        if kind == "text/html" and self.preview.overlay is not None and self.preview.built:
            data = inject(data, self.preview.overlay)
        self.set_status(status)
        self.set_header("Content-Type", f"{kind}; charset=utf-8" if kind.startswith("text/")
                        or kind in ("application/javascript", "application/json") else kind)
        self.finish(data)


def _looks_like_page(rel: str) -> bool:
    return rel == "" or rel.endswith((".html", "/")) or "." not in rel.rsplit("/", 1)[-1]


def is_loopback(host: str) -> bool:
    """A loopback name or address: localhost (and *.localhost), 127.0.0.0/8, ::1."""
    host = host.lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(host: str) -> str:
    """The name or address in a Host header, without its port."""
    if host.startswith("["):  # [::1]:8000
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def refuse_foreign_host(handler: web.RequestHandler, loopback_only: bool) -> None:
    """Bound to loopback, answer only requests for a loopback host: a page elsewhere that
    points a name of its own at 127.0.0.1 (DNS rebinding) gets nothing from the preview."""
    if not loopback_only:
        return
    host = handler.request.host or ""
    if not is_loopback(_host_name(host)):
        handler.set_status(403)
        handler.set_header("Content-Type", "text/plain; charset=utf-8")
        handler.finish(f"sitegen serve answers only requests for a loopback host, not "
                       f"{host!r}; to serve to your network, start it with --host 0.0.0.0\n")


def application(preview: Preview, loopback_only: bool = True) -> web.Application:
    """The web app: livereload's WebSocket and client script, then the preview's files;
    with `loopback_only`, for loopback hosts only (see refuse_foreign_host)."""
    LiveReloadHandler.watcher = _LivereloadWatcher()  # only read for its log messages
    LiveReloadHandler.live_css = True

    class Injector(LiveScriptInjector):  # puts the live-reload script before </head>
        script = LIVE_SCRIPT.encode()

    class Reloads(LiveReloadHandler):
        def prepare(self) -> None:
            refuse_foreign_host(self, loopback_only)

    class ReloadScript(LiveReloadJSHandler):
        def prepare(self) -> None:
            refuse_foreign_host(self, loopback_only)

    return web.Application(
        [(r"/livereload", Reloads), (r"/livereload.js", ReloadScript),
         (r"/(.*)", SiteHandler, {"preview": preview, "loopback_only": loopback_only})],
        transforms=[Injector], log_function=lambda _handler: None)


def reload_browsers(path: str) -> None:
    """Tell every connected page to reload (call on the server's thread)."""
    LiveReloadHandler.reload_waiters(path)


def bind(host: str, port: int) -> tuple[list, int, str | None]:
    """Listening sockets on `host`: `port`, or the next free one (with a note saying so).
    Raises OSError when none can be had."""
    last: OSError | None = None
    for candidate in range(port, port + (PORT_TRIES if port else 1)):
        try:
            sockets = netutil.bind_sockets(candidate, address=host)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last = exc
            continue
        actual = sockets[0].getsockname()[1]
        note = None if candidate == port else (
            f"port {port} is in use; serving on port {actual} instead")
        return sockets, actual, note
    raise OSError(errno.EADDRINUSE, f"ports {port} to {port + PORT_TRIES - 1} are all in use; "
                                    "choose another with --port") from last


def site_url(host: str, port: int, base: str = "/") -> str:
    """The address to open: `base` is the path the site is served under."""
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}{base}"


def _watch(watcher: Watcher, coalescer: Coalescer, stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            changed = watcher.wait(POLL, longest=2.0)
            if changed and not stop.is_set():
                coalescer.notify(changed)
    finally:
        watcher.close()


def _rebuilder(preview: Preview, watcher: Watcher, loop, host: str, port: int
               ) -> Callable[[set[str]], None]:
    """What the coalescer calls for a burst of changes: rebuild, then reload the browsers."""
    def rebuild(changed: set[str]) -> None:
        base = preview.base
        # The watcher's scan saw these changes (or later ones): the build takes each
        # file's metadata from it, with no walk of its own.
        path = preview.rebuild(changed, watcher.state)
        if preview.base != base:
            say(f"base_url changed: now serving at {site_url(host, port, preview.base)}")
        if path:
            loop.add_callback(reload_browsers, path)
    return rebuild


def _stop_on_signals(loop) -> None:
    """Ctrl-C and SIGTERM stop the server's loop (the preview then cleans up)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.asyncio_loop.add_signal_handler(sig, loop.stop)
        except (AttributeError, NotImplementedError, RuntimeError, ValueError):
            pass  # not on this platform: Ctrl-C raises KeyboardInterrupt instead


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = True,
          drafts: bool = False) -> int:
    """Run the live preview until Ctrl-C (or SIGTERM); returns the exit status."""
    root = Path(root).resolve()
    logging.getLogger("livereload").setLevel(logging.WARNING)
    try:
        sockets, port, note = bind(host, port)
    except OSError as exc:
        say(f"sitegen: error: cannot listen on {host}:{port}: {exc.strerror or exc}")
        return 2
    if note:
        say(note)
    folder = Path(tempfile.mkdtemp(prefix="sitegen-serve-"))
    stop = threading.Event()
    coalescer = None
    server = None
    preview = None
    try:
        # The output is a folder the first build makes: its staged files then become the
        # output in one rename, not moved in one by one.
        preview = Preview(root, folder / "site", drafts)
        watcher = Watcher(root)  # the baseline: anything changed from here on is seen
        preview.rebuild(scan=watcher.state)
        loop = ioloop.IOLoop.current()
        server = httpserver.HTTPServer(application(preview, is_loopback(host)))
        server.add_sockets(sockets)

        coalescer = Coalescer(_rebuilder(preview, watcher, loop, host, port), quiet=QUIET).start()
        threading.Thread(target=_watch, args=(watcher, coalescer, stop), daemon=True,
                         name="sitegen-watch").start()
        _stop_on_signals(loop)  # before saying it serves: a SIGTERM must stop it cleanly
        url = site_url(host, port, preview.base)
        say(f"serving {root.name or root} at {url} (from {preview.folder}); watching "
            "config.yaml, content/, seeds/, themes/. Press Ctrl-C to stop.")
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        try:
            loop.start()
        except KeyboardInterrupt:
            pass
        say("stopped")
        return 0
    finally:
        stop.set()
        if preview:
            preview.close()  # first: a rebuild under way stops, and the coalescer with it
        if coalescer:
            coalescer.stop(timeout=10)
        if server:
            server.stop()
        for sock in sockets:
            sock.close()
        shutil.rmtree(folder, ignore_errors=True)
