"""A local HTTP server on 127.0.0.1 for importer tests: canned responses, requests recorded.

Responses are JSON unless a route's headers name another Content-Type (images, for covers)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Canned:
    """Responses by path; each path serves its list in order, the last one repeatedly."""

    routes: dict[str, list[tuple[int, dict[str, str], bytes]]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    base: str = ""
    bodies: list[bytes] = field(default_factory=list)  # of POST requests, in order


@contextmanager
def serve(canned: Canned) -> Iterator[Canned]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            canned.requests.append((self.path, dict(self.headers.items())))
            path = self.path.split("?", 1)[0]
            answers = canned.routes.get(path) or [(404, {}, b'{"error": "not found"}')]
            status, headers, body = answers.pop(0) if len(answers) > 1 else answers[0]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            if "Content-Type" not in headers:
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client may stop reading (a size limit): the test needs no traceback of it.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            canned.bodies.append(self.rfile.read(length))
            self.do_GET()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    canned.base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield canned
    finally:
        server.shutdown()
        server.server_close()
