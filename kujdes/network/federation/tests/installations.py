"""Test harness of the federation room.

`handler_replaced` puts a test's own handler in the registry for one package type, the way a room
registers its own (the inbox's checks are untouched). `PeerInbox` is a peer's inbox on a real
loopback socket that answers as told (for the outbox's retries and failures); `closed_port()` is an
address where nothing listens. The rest of this module runs a second Kujdes installation as a
subprocess on loopback (see `SecondInstallation`).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from kujdes.network.federation.handlers import HANDLERS, Received


@contextmanager
def handler_replaced(type_: str, handler: Callable[[Received], None]) -> Iterator[None]:
    """Packages of `type_` go to `handler` inside the block (whatever room handles them otherwise)."""
    previous = HANDLERS.get(type_)
    HANDLERS[type_] = handler
    try:
        yield
    finally:
        if previous is None:
            HANDLERS.pop(type_, None)
        else:
            HANDLERS[type_] = previous


def closed_port() -> int:
    """A loopback port nothing listens on (a peer that is down): connecting is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Posted:
    path: str
    content_type: str
    body: bytes


class PeerInbox:
    """A peer's `POST /federation/inbox` on loopback that records what it is sent and answers
    `status` with the protocol's JSON body (202 unless told otherwise)."""

    def __init__(self, status: int = 202, error: str = "") -> None:
        self.status = status
        self.error = error
        self.posted: list[Posted] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 — the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                inbox.posted.append(
                    Posted(self.path, self.headers.get("Content-Type", ""), self.rfile.read(length))
                )
                if inbox.status < 400:
                    answer = {"status": "accepted"}
                else:
                    answer = {"error": inbox.error or "refused", "detail": "as the test told"}
                data = json.dumps(answer).encode()
                self.send_response(inbox.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> PeerInbox:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
