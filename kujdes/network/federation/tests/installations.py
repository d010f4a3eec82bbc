"""Test harness of the federation room.

`handler_replaced` puts a test's own handler in the registry for one package type, the way a room
registers its own (the inbox's checks are untouched). `PeerInbox` is a peer's inbox on a real
loopback socket that answers as told (for the outbox's retries and failures); `closed_port()` is an
address where nothing listens. The rest of this module runs a second Kujdes installation as a
subprocess on loopback (see `SecondInstallation`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import django

from kujdes.core.tests.installation import REPO, Installation
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


# --- a second installation on loopback -------------------------------------------------------


class WireTap:
    """A loopback TCP proxy in front of an HTTP server that keeps every byte sent through it: what
    an eavesdropper (or a hub) between two installations would see."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections: list[tuple[bytearray, bytearray]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        sent, answered = bytearray(), bytearray()
        with self.lock:
            self.connections.append((sent, answered))
        try:
            upstream = socket.create_connection(self.upstream, timeout=120)
        except OSError:
            client.close()
            return
        back = threading.Thread(target=self._pump, args=(upstream, client, answered), daemon=True)
        back.start()
        self._pump(client, upstream, sent)
        back.join(timeout=120)
        upstream.close()
        client.close()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket, record: bytearray) -> None:
        try:
            while data := source.recv(65536):
                record.extend(data)
                target.sendall(data)
        except OSError:
            pass
        finally:
            with suppress(OSError):
                target.shutdown(socket.SHUT_WR)

    def sent(self) -> bytes:
        """Every byte clients sent through the tap (requests), in order of connection."""
        with self.lock:
            return b"".join(bytes(sent) for sent, _answered in self.connections)

    def everything(self) -> bytes:
        with self.lock:
            return b"".join(bytes(sent) + bytes(answered) for sent, answered in self.connections)

    def close(self) -> None:
        self.listener.close()


def free_port() -> int:
    return closed_port()


def http_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 — a loopback test server
        return json.loads(response.read())


_MIGRATED = Path(tempfile.gettempdir()) / "kujdes-test-migrated"


def _migrations_digest() -> str:
    """Names the state of every migration (and Django's version) in this working tree."""
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted((REPO / "kujdes").rglob("migrations/*.py")):
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:20]


def _cache_store(target: Path, files: dict[str, Path]) -> None:
    """Copy freshly migrated SQLite databases (a consistent copy each, WAL included) to `target`."""
    _MIGRATED.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=_MIGRATED))
    for name, path in files.items():
        source = sqlite3.connect(path)
        copy = sqlite3.connect(staging / name)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    try:
        staging.rename(target)
    except OSError:  # another run stored the same state first
        shutil.rmtree(staging, ignore_errors=True)


class SecondInstallation(Installation):
    """Installation B, another Kujdes in a temporary folder: its own var dir, SQLite database, key
    store and master key, served by `kujdes runserver` on a loopback port behind a `WireTap`, and
    driven through the `kujdes` command like an operator would."""

    def __init__(self, root: Path) -> None:
        (root / "var").mkdir(parents=True, exist_ok=True)
        super().__init__(root, f"sqlite:///{root / 'var' / 'kujdes.sqlite3'}")
        self.env.update(
            {
                "KUJDES_TASKS": "immediate",
                "KUJDES_EMAIL_BACKEND": "console",
                "KUJDES_LOG_LEVEL": "DEBUG",
                "PYTHONUNBUFFERED": "1",
            }
        )
        self.port = free_port()
        self.direct_url = f"http://127.0.0.1:{self.port}"
        self.tap = WireTap("127.0.0.1", self.port)
        # What peers are told (its card's address): through the tap.
        self.url = self.tap.url
        self.log_path = root / "server.log"
        self.outputs: list[subprocess.CompletedProcess[str]] = []
        self.server: subprocess.Popen[bytes] | None = None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = super().run(*args, check=check)
        self.outputs.append(result)
        return result

    def run_input(self, args: list[str], stdin: str) -> subprocess.CompletedProcess[str]:
        """`kujdes ARGS…` with `stdin` as its standard input (what must not be on a command line)."""
        result = subprocess.run(  # noqa: S603 — our interpreter, our module
            [sys.executable, "-m", "kujdes", *args],
            cwd=REPO,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        self.outputs.append(result)
        if result.returncode != 0:
            raise AssertionError(f"kujdes {' '.join(args[:2])} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def federation(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("federation", *args, check=check)

    def prepare(self, *, setup: str, name: str, country: str, operator: str) -> None:
        """Keys, database, the snippet `setup` (organisations, partners), the federation identity.

        Migrating an empty database from scratch is most of the cost: the migrated, still empty
        databases are kept in the temporary folder under a digest of every migration, and copied
        from there when they match; `kujdes migrate` then runs all the same (and finds nothing to do).
        """
        self.run("keys", "init")
        cached = _MIGRATED / _migrations_digest()
        databases = {"kujdes.sqlite3": self.root / "var", "keystore.sqlite3": self.root / "keys"}
        if cached.is_dir():
            for file_name, folder in databases.items():
                shutil.copyfile(cached / file_name, folder / file_name)
        self.run("migrate", "--no-input", "-v", "0")
        if not cached.is_dir():
            _cache_store(cached, {name: folder / name for name, folder in databases.items()})
        self.shell(setup)
        self.federation(
            "init", "--name", name, "--url", self.url, "--country", country, "--operator", operator
        )

    def serve(self) -> None:
        log = self.log_path.open("ab")
        self.server = subprocess.Popen(  # noqa: S603 — our interpreter, our module
            [sys.executable, "-m", "kujdes", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise AssertionError(f"installation B's server stopped:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.direct_url}/healthz", timeout=2):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"installation B's server did not answer within 60 s:\n{self.log()}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()
        self.tap.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def card(self) -> dict[str, Any]:
        return http_json(f"{self.direct_url}/federation/card")

    def peer_add(self, card: dict[str, Any], *, partner: str) -> str:
        path = self.root / f"card-{card['installation_id']}.json"
        path.write_text(json.dumps(card), encoding="utf-8")
        return self.federation("peer", "add", str(path), "--partner", partner, "--yes").stdout

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows of B's database, read directly (read-only; UUIDs are 32 hex digits in SQLite)."""
        path = self.root / "var" / "kujdes.sqlite3"
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=20)
        try:
            return connection.execute(query, params).fetchall()
        finally:
            connection.close()

    def files(self) -> list[Path]:
        """Everything B keeps on disk: database (and its WAL), key store, master key, logs."""
        return [path for path in self.root.rglob("*") if path.is_file()]
