"""Every page of the loaded demo, for each kind of person, at a desktop's and a phone's width
(375 px): it fits the window (nothing makes the page scroll sideways; a wide table scrolls in its
own `.table-wrap` box), the browser's console shows no error, and a screenshot of it is kept
(ARTIFACTS/<role>-<path>-<width>.png) to be looked at.

The pages are found, not listed: from the portal (and, logged in, the workspace), every link on
every page reached, on this site, that a GET shows as a page (no download, no admin, no log-out),
at most PER_SHAPE pages of one shape (/notices/12/ and /notices/13/ are one shape, and so are
/notices/?kind=result and /notices/?kind=failure) and MAX_PAGES
per person. A new page linked from the navigation or from another page is walked without a
change here; a new kind of person is one more entry in ROLES."""

import io
import re
import shutil
import tempfile
from collections import Counter, deque
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.core.management import call_command
from django.test import override_settings

from demo.data import DEMO_PASSWORD

from .conftest import WIDTHS, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot

SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-every-page-"))
# Each kind of person the demo has, by one account: None is the public (not logged in).
ROLES = [None, "bidder.yongjiang", "staff.nanning", "supervisor.gx", "custodian.01", "expert.01"]
PER_SHAPE = 2  # pages of one shape (the same path but for its numbers)
MAX_PAGES = 40  # per person
# Not pages to walk: Django's admin, the log-out and language switch (POST forms anyway), the
# script catalog and files, and what is downloaded rather than shown.
NOT_A_PAGE = re.compile(r"^/(admin|accounts/logout|i18n|jsi18n|static|media)/|\.(pdf|json|age|pem|txt|zip)$|/download/")
WAIT = 20_000  # ms


def shape(url: str) -> str:
    """The page's shape: its path with every number replaced, and its query's names without
    their values (?kind=result and ?kind=failure are one list, filtered two ways)."""
    parts = urlsplit(url)
    names = sorted({name for name, _value in parse_qsl(parts.query, keep_blank_values=True)})
    return re.sub(r"\d+", "N", parts.path) + ("?" + "&".join(names) if names else "")


def artifact_name(role: str | None, url: str, width: str) -> str:
    """role-path-width, the path's characters those a file name can hold."""
    parts = urlsplit(url)
    path = (parts.path.strip("/") + ("-" + parts.query if parts.query else "")) or "portal"
    return f"{role or 'public'}-{re.sub(r'[^A-Za-z0-9.]+', '-', path).strip('-')}-{width}"


class Walk:
    """One person's browser page, walking URLs and keeping what went wrong on each."""

    def __init__(self, page, base_url: str, role: str | None, width: str):
        self.page, self.base_url, self.role, self.width = page, base_url, role, width
        self.problems: list[str] = []
        self.console: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.console.append(message.text))
        page.on("pageerror", lambda error: self.console.append(str(error)))

    def is_a_page(self, url: str) -> bool:
        """Same site, not excluded, and shown as an HTML page (asked with HEAD, as this person)."""
        if not url.startswith(self.base_url) or NOT_A_PAGE.search(urlsplit(url).path):
            return False
        response = self.page.request.head(url)
        return response.headers.get("content-type", "").startswith("text/html")

    def visit(self, url: str) -> list[str]:
        """Open `url`, check it and keep its screenshot; the links it has."""
        self.console.clear()
        response = self.page.goto(url, wait_until="networkidle", timeout=WAIT)
        where = f"{self.role or 'public'} {self.width} {urlsplit(url).path}{'?' + urlsplit(url).query if urlsplit(url).query else ''}"
        if response is None or response.status >= 400:
            self.problems.append(f"{where}: answered {response and response.status}")
        try:
            assert_fits_the_width(self.page)
        except AssertionError as error:
            self.problems.append(f"{where}: {error} (widest: {self.widest()})")
        if self.console:
            self.problems.append(f"{where}: console errors {self.console}")
        screenshot(self.page, artifact_name(self.role, url, self.width))
        hrefs = self.page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        return [urljoin(self.page.url, href).split("#")[0] for href in hrefs]

    def widest(self) -> str:
        """What sticks out furthest beyond the window, to name it in the failure."""
        return self.page.evaluate("""() => {
            let worst = null, right = window.innerWidth;
            for (const el of document.body.querySelectorAll('*')) {
                const r = el.getBoundingClientRect().right;
                if (r > right) { right = r; worst = el; }
            }
            if (!worst) return 'nothing';
            const name = worst.tagName.toLowerCase() + (worst.id ? '#' + worst.id : '') +
                (worst.className && typeof worst.className === 'string' ? '.' + worst.className.trim().split(/\\s+/).join('.') : '');
            return `${name} to ${Math.round(right)} px`;
        }""")


def crawl(walk: Walk, starts: list[str]) -> list[str]:
    """Every page reached from `starts` (breadth first, within the caps), each visited once."""
    seen, shapes, visited = set(starts), Counter(), []
    queue = deque(starts)
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        if shapes[shape(url)] >= PER_SHAPE or not walk.is_a_page(url):
            continue
        shapes[shape(url)] += 1
        visited.append(url)
        for link in walk.visit(url):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return visited


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem",
                   KAIBIAO_DEMO_KEYS_DIR=SCRATCH / "demo-keys", MEDIA_ROOT=SCRATCH / "media")
class EveryPageFitsTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        call_command("load_demo", stdout=io.StringIO())

    def open_as(self, contexts: ExitStack, browser, role: str | None, width: str):
        context = new_context(browser, viewport=WIDTHS[width])
        contexts.callback(context.close)
        page = log_in(context, self.live_server_url, role, DEMO_PASSWORD) if role else context.new_page()
        return Walk(page, self.live_server_url, role, width)

    def test_every_page_fits_the_width_at_desktop_and_phone(self):
        with chromium() as browser:
            for role in ROLES:
                with self.subTest(role=role or "public"), ExitStack() as contexts:
                    # Found at the desktop's width, then the same pages at the phone's.
                    desktop = self.open_as(contexts, browser, role, "desktop")
                    starts = [f"{self.live_server_url}/"] + ([desktop.page.url] if role else [])
                    pages = crawl(desktop, starts)
                    phone = self.open_as(contexts, browser, role, "phone")
                    for url in pages:
                        phone.visit(url)
                    print(f"{role or 'public'}: {len(pages)} pages at both widths")
                    assert len(pages) >= 3, pages
                    problems = desktop.problems + phone.problems
                    assert not problems, "\n".join(problems)
