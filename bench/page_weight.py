"""Page weight of the UI shell: bytes on the wire, cold and warm, and first paint on slow 3G.

Builds a throw-away installation (SQLite in a temporary directory, the demo
network, collected and compressed static files), serves it with gunicorn as in
production, and drives Debian's Chromium (/usr/bin/chromium) through Playwright
and the Chrome DevTools Protocol. Nothing is downloaded.

- Cold: a new browser context (empty cache; only the session cookie carried
  over), every response counted: HTML, CSS, JS, favicon.
- Warm: the same page opened again in that context (the browser cache holds
  the static files; signed-in HTML is never cached, by design).
- Bytes are Chromium's `encodedDataLength`: what came over the socket,
  response headers included.
- Django does not compress HTML (BREACH); a reverse proxy does in production.
  "Behind a compressing proxy" replaces the HTML body by its gzip size (level 6).
- First contentful paint: cold, under emulated slow 3G (400 ms latency,
  400 kbit/s down and up).

Run with `make bench` (all benchmarks) or `.venv/bin/python bench/page_weight.py`.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hmac
import json
import os
import platform
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _document import document_section_write

from kujdes.core.tests.chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Page weight (UI shell)"
# Budgets (KB = 1,000 bytes).
COLD_BUDGET = 50_000
WARM_BUDGET = 15_000
FCP_BUDGET_MS = 2_000
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50_000,  # bytes/s ≈ 400 kbit/s
    "uploadThroughput": 50_000,
}
ACCOUNT = "admin-al"
SIGNED_IN_PAGES = [
    ("Home", "/"),
    ("Users", "/organisation/users/"),
    ("Units", "/organisation/units/"),
    ("Two-factor authentication", "/accounts/2fa/"),
    ("API tokens", "/account/tokens/"),
]


@dataclass
class Load:
    """One page load: every response, by CDP request id."""

    urls: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    from_cache: set[str] = field(default_factory=set)
    accept_encoding: str = ""
    content_encodings: dict[str, str] = field(default_factory=dict)
    html_body: bytes = b""

    @property
    def total(self) -> int:
        return sum(self.sizes.values())

    def by_kind(self, kind: str) -> int:
        return sum(size for rid, size in self.sizes.items() if self.kinds.get(rid) == kind)

    @property
    def requests(self) -> int:
        return len(self.urls)

    @property
    def behind_proxy(self) -> int:
        """The same load with the HTML gzipped by a reverse proxy."""
        html_body = len(self.html_body)
        return self.total - html_body + len(gzip.compress(self.html_body, compresslevel=6))


@dataclass
class Row:
    name: str
    path: str
    cold: Load
    warm: Load


def _kind(url: str, mime: str, resource_type: str) -> str:
    if resource_type == "Document":
        return "html"
    if "css" in mime:
        return "css"
    if "javascript" in mime:
        return "js"
    if url.endswith((".svg", ".ico", ".png")) or mime.startswith("image/"):
        return "icon"
    return "other"


@contextmanager
def recording(context: Any, page: Any) -> Iterator[tuple[Any, list[Load]]]:
    """A CDP session on the page; each `loads[-1]` collects the responses of the current load."""
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    loads: list[Load] = [Load()]
    types: dict[str, str] = {}

    def will_be_sent(event: dict[str, Any]) -> None:
        load = loads[-1]
        rid = event["requestId"]
        load.urls[rid] = event["request"]["url"]
        types[rid] = event.get("type", "")
        if event.get("type") == "Document":
            headers = {k.lower(): v for k, v in event["request"].get("headers", {}).items()}
            load.accept_encoding = headers.get("accept-encoding", load.accept_encoding)

    def extra_info(event: dict[str, Any]) -> None:
        # The real request headers (Accept-Encoding is added by the network stack).
        headers = {k.lower(): v for k, v in event.get("headers", {}).items()}
        if "accept-encoding" in headers and types.get(event["requestId"]) == "Document":
            loads[-1].accept_encoding = headers["accept-encoding"]

    def response_received(event: dict[str, Any]) -> None:
        load = loads[-1]
        rid = event["requestId"]
        response = event["response"]
        load.kinds[rid] = _kind(response["url"], response.get("mimeType", ""), event.get("type", ""))
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        if headers.get("content-encoding"):
            load.content_encodings[load.kinds[rid]] = headers["content-encoding"]
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            load.from_cache.add(rid)

    def served_from_cache(event: dict[str, Any]) -> None:
        loads[-1].from_cache.add(event["requestId"])

    def loading_finished(event: dict[str, Any]) -> None:
        rid = event["requestId"]
        load = loads[-1]
        if rid in load.urls:
            load.sizes[rid] = int(event.get("encodedDataLength", 0))

    cdp.on("Network.requestWillBeSent", will_be_sent)
    cdp.on("Network.requestWillBeSentExtraInfo", extra_info)
    cdp.on("Network.responseReceived", response_received)
    cdp.on("Network.requestServedFromCache", served_from_cache)
    cdp.on("Network.loadingFinished", loading_finished)
    try:
        yield cdp, loads
    finally:
        cdp.detach()


def measured_goto(page: Any, loads: list[Load], url: str) -> Load:
    loads.append(Load())
    response = page.goto(url, wait_until="load")
    if response is None or response.status != 200:
        raise RuntimeError(f"{url} answered {response and response.status} ({page.url})")
    page.wait_for_load_state("networkidle")
    time.sleep(0.2)  # the last loadingFinished events
    load = loads[-1]
    load.html_body = response.body()
    return load


def cold_and_warm(browser: Any, base_url: str, path: str, storage_state: Any = None) -> tuple[Load, Load]:
    context = browser.new_context(storage_state=storage_state)
    try:
        page = context.new_page()
        with recording(context, page) as (_cdp, loads):
            cold = measured_goto(page, loads, base_url + path)
            warm = measured_goto(page, loads, base_url + path)
        return cold, warm
    finally:
        context.close()


def first_contentful_paint(browser: Any, base_url: str, path: str, storage_state: Any = None) -> float:
    context = browser.new_context(storage_state=storage_state)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        page.goto(base_url + path, wait_until="load", timeout=60_000)
        page.wait_for_function(
            "performance.getEntriesByName('first-contentful-paint').length > 0", timeout=30_000
        )
        return float(page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime"))
    finally:
        context.close()


def totp_now(secret: str) -> str:
    """RFC 6238 (SHA-1, 6 digits, 30 s), as allauth's authenticator apps compute it."""
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, server: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


@contextmanager
def installation() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A production-like installation in a temporary directory, served by gunicorn."""
    tmp = Path(tempfile.mkdtemp(prefix="kujdes-bench-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("KUJDES_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'kujdes.sqlite3'}",
            "KUJDES_VAR_DIR": str(tmp),
            "KUJDES_HTTPS": "false",
            "KUJDES_STATIC_FROM_APPS": "false",
            "KUJDES_DEBUG": "false",
            "KUJDES_EMAIL_BACKEND": "console",
            "KUJDES_LOG_LEVEL": "WARNING",
        }
    )
    kujdes = [sys.executable, "-m", "kujdes"]
    server = None
    try:
        for command in (
            ["migrate", "--no-input", "-v", "0"],
            ["demo"],
            ["collectstatic", "--no-input", "-v", "0"],
        ):
            subprocess.run(kujdes + command, env=env, cwd=tmp, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
        accounts = json.loads((tmp / "demo-accounts.json").read_text(encoding="utf-8"))
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "kujdes.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "gunicorn.log").open("wb"),
        )
        base_url = f"http://127.0.0.1:{port}"
        _wait_for(f"{base_url}/healthz", server)
        yield base_url, accounts
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


def measure(
    base_url: str, accounts: list[dict[str, Any]]
) -> tuple[list[Row], dict[str, float], dict[str, str]]:
    from playwright.sync_api import sync_playwright

    account = next(a for a in accounts if a["username"] == ACCOUNT)
    rows: list[Row] = []
    fcp: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        info = {"chromium": browser.version}
        try:
            rows.append(
                Row(
                    "Sign-in (anonymous)",
                    "/accounts/login/",
                    *cold_and_warm(browser, base_url, "/accounts/login/"),
                )
            )

            # The password step, then the second-factor page from a fresh cache.
            context = browser.new_context()
            page = context.new_page()
            page.goto(f"{base_url}/accounts/login/")
            page.fill("input[name=login]", account["username"])
            page.fill("input[name=password]", account["password"])
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(f"{base_url}/accounts/2fa/authenticate/")
            pending = context.storage_state()
            context.close()

            context = browser.new_context(storage_state=pending)
            page = context.new_page()
            with recording(context, page) as (_cdp, loads):
                cold = measured_goto(page, loads, f"{base_url}/accounts/2fa/authenticate/")
                warm = measured_goto(page, loads, f"{base_url}/accounts/2fa/authenticate/")
            rows.append(Row("Second factor", "/accounts/2fa/authenticate/", cold, warm))
            page.fill("input[name=code]", totp_now(account["totp_secret"]))
            page.locator("main form:has(input[name=code]) button[type=submit]").click()
            page.wait_for_url(f"{base_url}/")
            signed_in = context.storage_state()
            context.close()

            for name, path in SIGNED_IN_PAGES:
                rows.append(Row(name, path, *cold_and_warm(browser, base_url, path, signed_in)))

            fcp["Sign-in (anonymous)"] = first_contentful_paint(browser, base_url, "/accounts/login/")
            fcp["Home"] = first_contentful_paint(browser, base_url, "/", signed_in)
        finally:
            browser.close()
    first = rows[0].cold
    info["accept_encoding"] = first.accept_encoding or "?"
    info["content_encodings"] = (
        ", ".join(f"{k}: {v}" for k, v in sorted(first.content_encodings.items())) or "none"
    )
    return rows, fcp, info


def _kb(size: int) -> str:
    return f"{size / 1000:.1f}"


def _verdict(ok: bool) -> str:
    return "✓" if ok else "✗"


def report(rows: list[Row], fcp: dict[str, float], info: dict[str, str]) -> str:
    today = dt.date.today().isoformat()
    cores = os.cpu_count() or 0
    lines = [
        SECTION,
        "",
        f"Measured {today} on a {cores}-core {platform.machine()} machine ({platform.system()}, "
        f"Python {platform.python_version()}), Chromium {info['chromium']} headless, gunicorn with one "
        "worker on 127.0.0.1, SQLite, the demo network, signed in as `admin-al`. "
        "Reproduce with `make bench` (or `.venv/bin/python bench/page_weight.py`).",
        "",
        f"Budget: ≤ {COLD_BUDGET // 1000} KB cold, ≤ {WARM_BUDGET // 1000} KB warm, first contentful paint "
        f"≤ {FCP_BUDGET_MS / 1000:g} s on slow 3G. KB = 1,000 bytes.",
        "",
        "Bytes are Chromium's `encodedDataLength` summed over every response (HTML, CSS, JS, favicon), "
        "headers included. *Cold*: new browser context, empty cache (only the session cookie carried "
        "over). *Warm*: the same page opened again in that context. Static files are served by whitenoise "
        "with hashed names, a one-year max-age and precompressed gzip; Django does not compress HTML "
        "(BREACH), so *behind a proxy* replaces the HTML body by its gzip size (level 6), as a "
        "compressing reverse proxy would. Signed-in HTML is `no-store` and is fetched on every load.",
        "",
        f"Chromium sent `Accept-Encoding: {info['accept_encoding']}`; "
        f"responses came back with Content-Encoding {info['content_encodings']}.",
        "",
        "| Page | Requests | HTML | CSS | JS | Cold, as served (KB) | Cold, behind a proxy (KB) "
        "| Warm, as served (KB) | Warm, behind a proxy (KB) | Budget (as served) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for row in rows:
        cold, warm = row.cold, row.warm
        ok = cold.total <= COLD_BUDGET and warm.total <= WARM_BUDGET
        lines.append(
            f"| {row.name} `{row.path}` | {cold.requests} | {_kb(cold.by_kind('html'))} "
            f"| {_kb(cold.by_kind('css'))} | {_kb(cold.by_kind('js'))} | {_kb(cold.total)} "
            f"| {_kb(cold.behind_proxy)} | {_kb(warm.total)} "
            f"| {_kb(warm.behind_proxy)} | {_verdict(ok)} |"
        )
    lines += [
        "",
        "HTML, CSS and JS columns: cold load, as served (KB).",
        "",
        "First contentful paint, cold, slow 3G (400 ms latency, 400 kbit/s down and up), as served:",
        "",
        "| Page | FCP (ms) | Budget |",
        "|---|---:|:---:|",
    ]
    for name, value in fcp.items():
        lines.append(f"| {name} | {value:.0f} | {_verdict(value <= FCP_BUDGET_MS)} |")
    return "\n".join(lines) + "\n"


def document_update(section: str) -> None:
    document_section_write(heading=SECTION, section=section)


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"page_weight: skipped, no Chromium at {CHROMIUM}")
        return 0
    started = time.monotonic()
    with installation() as (base_url, accounts):
        rows, fcp, info = measure(base_url, accounts)
    section = report(rows, fcp, info)
    print(section)
    document_update(section)
    print(f"Written to {DOC.relative_to(ROOT)} ({time.monotonic() - started:.0f} s).")
    over = [r.name for r in rows if r.cold.total > COLD_BUDGET or r.warm.total > WARM_BUDGET]
    over += [name for name, value in fcp.items() if value > FCP_BUDGET_MS]
    if over:
        print("Over budget: " + ", ".join(over))
    return 0


if __name__ == "__main__":
    sys.exit(main())
