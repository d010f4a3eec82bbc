"""Debian's Chromium, as the browser tests and the page-weight benchmark launch it (never downloaded)."""

CHROMIUM = "/usr/bin/chromium"
# As root, without a sandbox; without the background-networking flags Chromium
# keeps trying to reach Google's hosts through this machine's closed network.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
