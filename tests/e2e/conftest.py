"""End-to-end tests: a live Daphne (channels' ChannelsLiveServerTestCase) and headless
Chromium driven by Playwright, with Debian's chromium (Playwright's own download does not
work here). `make test` installs chromium; without it these tests fail and say so."""

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KAIBIAO_CHROMIUM", "/usr/bin/chromium")
DIST = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "dist"

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# ordinary synchronous code between browser steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def require_browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    if not (DIST / "bid-page.js").exists():
        pytest.fail(f"the browser bundle is not built in {DIST}: run `make test` (it runs npm ci && npm run build)")


@contextmanager
def chromium():
    """Headless Chromium under Playwright's sync API. That API runs an event loop in this
    thread, so a database connection the test opens meanwhile belongs to that loop's context
    (asgiref's Local), not to the thread that the test case closes: closed here, or it stays
    open to the end and PostgreSQL refuses to drop the test database."""
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, launch(playwright) as browser:
        try:
            yield browser
        finally:
            connections.close_all()


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"],
    )
