"""The dev server's HTTP side: output/ served read-only, live reload by long-polling a build generation."""

from __future__ import annotations

import json
import mimetypes
import socket
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from generator.serve.hosts import host_check

POLL_PATH = "/__omakase__/poll"
POLL_TIMEOUT = 20.0


@dataclass
class Snapshot:
    generation: int  # every finished build attempt
    version: int  # every successful build
    error: str | None


class BuildState:
    """What the last build did, and a way to wait until the next one finishes."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._snap = Snapshot(0, 0, None)
        self.closed = False

    def snapshot(self) -> Snapshot:
        with self._cond:
            return self._snap

    def record(self, error: str | None, *, new_version: bool = True) -> Snapshot:
        """A build attempt ended (or, before it ends, its pages are ready): wake the tabs.
        A successful one is a new version, which they reload, unless they already did."""
        with self._cond:
            old = self._snap
            self._snap = Snapshot(old.generation + 1, old.version + (error is None and new_version), error)
            self._cond.notify_all()
            return self._snap

    def wait_after(self, generation: int, timeout: float) -> Snapshot:
        """Block until a build newer than `generation` finished (or timeout, or close)."""
        with self._cond:
            self._cond.wait_for(lambda: self._snap.generation != generation or self.closed, timeout=timeout)
            return self._snap

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


def safe_path(root: Path, raw_path: str) -> Path | None:
    """The file under `root` a request path names, or None when it tries to leave `root`.

    Refuses `..` and `.` segments, percent-encoded dots and slashes, backslashes and NUL,
    and anything whose real path (after symlinks) is outside `root`."""
    lowered = raw_path.lower()
    if any(code in lowered for code in ("%2e", "%2f", "%5c", "%00")):
        return None
    decoded = unquote(raw_path)
    if "\\" in decoded or "\x00" in decoded or not decoded.startswith("/"):
        return None
    if any(segment in (".", "..") for segment in decoded.split("/")):
        return None
    base = root.resolve()
    target = (base / decoded.lstrip("/")).resolve()
    if target != base and not target.is_relative_to(base):
        return None
    return target


_RELOAD_SCRIPT = """<script>
(function () {
  var generation = %(generation)s, version = %(version)s, box = null;
  function overlay(text) {
    if (!text) { if (box) { box.remove(); box = null; } return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "omakase-build-error";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;" +
        "padding:1.5rem;background:rgba(20,0,0,.92);color:#fff;font:14px/1.5 monospace;" +
        "white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "Build failed; showing the last good site underneath.\\n\\n" + text;
  }
  function poll() {
    fetch("%(poll)s?since=" + generation, {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        generation = s.generation;
        if (s.error) { overlay(s.error); }
        else if (s.version !== version) { location.reload(); return; }
        else { overlay(null); }
        poll();
      })
      .catch(function () { setTimeout(poll, 1000); });
  }
  overlay(%(error)s);
  poll();
})();
</script>
"""


def reload_script(snap: Snapshot) -> str:
    error = json.dumps(snap.error).replace("<", "\\u003c")  # never closes the script element
    return _RELOAD_SCRIPT % {
        "generation": snap.generation,
        "version": snap.version,
        "error": error,
        "poll": POLL_PATH,
    }


def inject(page: bytes, snap: Snapshot) -> bytes:
    """The page with the reload script before its last </body> (or at the end)."""
    script = reload_script(snap).encode("utf-8")
    at = page.lower().rfind(b"</body>")
    return page + script if at < 0 else page[:at] + script + page[at:]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # a dev server that logs every request drowns the build messages

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self._respond(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._respond(head=False)

    def _respond(self, head: bool) -> None:
        host = self.headers.get("Host")
        if not host or not self.server.hosts.allows(host):
            # A page of another site whose name was made to resolve to this machine (DNS
            # rebinding) sends its own name: it gets nothing of this server.
            status = HTTPStatus.MISDIRECTED_REQUEST if host else HTTPStatus.BAD_REQUEST
            self._send(status, b"Unexpected Host header\n", "text/plain; charset=utf-8", head)
            return
        parts = urlsplit(self.path)
        if parts.path == POLL_PATH:
            self._poll(parts.query, head)
            return
        root = self.server.output_dir
        target = safe_path(root, parts.path)
        if target is None:
            self._send(HTTPStatus.BAD_REQUEST, b"Bad path\n", "text/plain; charset=utf-8", head)
            return
        if any(segment.startswith(".") for segment in unquote(parts.path).split("/")):
            self._not_found(head)  # build marks, stamps, an editor's or git's files: never served
            return
        early = self.server.early
        if early:
            name = unquote(parts.path).lstrip("/")
            if name == "" or name.endswith("/"):
                name += "index.html"
            data = early.get(name)
            if data is not None:
                self._data(name, data, HTTPStatus.OK, head)
                return
        if target.is_dir():
            if not parts.path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", parts.path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            target = target / "index.html"
        if not target.is_file():
            self._not_found(head)
            return
        self._file(target, HTTPStatus.OK, head)

    def _not_found(self, head: bool) -> None:
        page = self.server.output_dir / "404.html"
        if page.is_file():
            self._file(page, HTTPStatus.NOT_FOUND, head)
            return
        body = (
            b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            b"<title>Not found</title></head><body><h1>Not found</h1>"
            b"<p>The site has not been built yet, or this page does not exist.</p></body></html>"
        )
        self._send(
            HTTPStatus.NOT_FOUND, inject(body, self.server.state.snapshot()), "text/html; charset=utf-8", head
        )

    def _file(self, path: Path, status: HTTPStatus, head: bool) -> None:
        try:
            data = path.read_bytes()
        except OSError:  # swapped away mid-request: the next request sees the new site
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"Rebuilding\n", "text/plain", head)
            return
        self._data(path.name, data, status, head)

    def _data(self, name: str, data: bytes, status: HTTPStatus, head: bool) -> None:
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = inject(data, self.server.state.snapshot())
        if kind.startswith("text/") or kind in (
            "application/javascript",
            "application/json",
            "application/xml",
            "image/svg+xml",
        ):
            kind += "; charset=utf-8"
        self._send(status, data, kind, head)

    def _poll(self, query: str, head: bool) -> None:
        try:
            since = int(parse_qs(query).get("since", ["-1"])[0])
        except ValueError:
            since = -1
        snap = self.server.state.wait_after(since, self.server.poll_timeout)
        body = json.dumps(
            {"generation": snap.generation, "version": snap.version, "error": snap.error}
        ).encode()
        try:
            self._send(HTTPStatus.OK, body, "application/json", head)
        except ConnectionError:  # BrokenPipeError, ConnectionResetError
            # The tab was closed or reloaded while it waited: there is no one to answer.
            self.close_connection = True

    def _send(self, status: HTTPStatus, body: bytes, kind: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], output_dir: Path, state: BuildState, poll_timeout: float
    ) -> None:
        self.output_dir = output_dir
        self.state = state
        self.poll_timeout = poll_timeout
        # While a rebuild finishes: the files it rewrote (relative path -> bytes), served
        # before the rest of its work (search bundles, open data) publishes them.
        self.early: dict[str, bytes] = {}
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.hosts = host_check(address[0], int(self.server_address[1]))

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that goes away mid-answer (a closed tab, a reload) is not an error
        of the server's: no traceback for it; anything else is printed as usual."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)
