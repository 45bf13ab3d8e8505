"""End-to-end tests: a live Daphne (channels' ChannelsLiveServerTestCase) and headless
Chromium driven by Playwright, with Debian's chromium (Playwright's own download does not
work here). `make test` installs chromium; without it these tests fail and say so.

Every browser test has the same set-up from here: chromium() for the browser, new_context() for
each person's context (CONTEXT: the window, the language and the time zone), log_in() through the
login form, and screenshot() for the pictures kept as test artifacts (ARTIFACTS)."""

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("KAIBIAO_CHROMIUM", "/usr/bin/chromium")
DIST = Path(__file__).resolve().parents[2] / "frontend" / "static" / "frontend" / "dist"
PASSWORD = "correct-horse-battery"  # tests.trading.factories' default password

# Each browser context: a desktop window (Playwright's default size, said once), the platform's
# language and time zone, whatever the machine that runs the tests is set to.
CONTEXT = {"viewport": {"width": 1280, "height": 720}, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
# A phone's window (an iPhone's 375 CSS pixels): every page must work at this width (issue 16).
PHONE = {"width": 375, "height": 812}
WIDTHS = {"desktop": CONTEXT["viewport"], "phone": PHONE}
# Where screenshots are kept after the run (KAIBIAO_E2E_ARTIFACTS, or kaibiao-e2e-artifacts in
# the system's temporary folder).
ARTIFACTS = Path(os.environ.get("KAIBIAO_E2E_ARTIFACTS", Path(tempfile.gettempdir()) / "kaibiao-e2e-artifacts"))

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


def new_context(browser, **options):
    """A browser context of its own, set up as every test's is (CONTEXT); `options` add to it
    (accept_downloads=True, for one; viewport=PHONE for a phone)."""
    return browser.new_context(**{**CONTEXT, **options})


def log_in(context, base_url, username, password=PASSWORD):
    """A new page in `context`, logged in as `username` through the login form (the demo's
    accounts: password=demo.data.DEMO_PASSWORD)."""
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.card button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    return page


def screenshot(page, name: str) -> Path:
    """The whole page as a picture kept after the run: ARTIFACTS/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits_the_width(page):
    """Nothing on the page makes it scroll sideways: the document is no wider than the window
    (a wide table scrolls inside its own box, not the page)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the {page.viewport_size['width']} px window"
