"""Every page of the loaded demo, for each kind of person, at a desktop's and a phone's width
(375 px): it fits the window (nothing makes the page scroll sideways; a wide table scrolls in its
own `.table-wrap` box), it answers, the browser's console shows no error and nothing it asks for
is missing, and a screenshot of it is kept (ARTIFACTS/<role>-<path>-<width>.png) to be looked at.

The pages are found, not listed: from the portal (and, logged in, the workspace), the links of
every page reached, on this site, that a GET shows as a page (no download, no admin, no log-out).
Pages of one shape (/notices/12/ and /notices/13/; /notices/?kind=result and ?kind=failure) are
walked PER_SHAPE times at most, the first found, then the one farthest from it (crawl), and
MAX_PAGES per person. A new page linked from the navigation or from another page is walked with
no change here; a new kind of person is one more entry in ROLES."""

import io
import os
import re
import shutil
import tempfile
from collections import deque
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
# While working on a page: KAIBIAO_WALK_ROLES=public,staff.nanning walks only those.
if os.environ.get("KAIBIAO_WALK_ROLES"):
    ROLES = [None if name == "public" else name for name in os.environ["KAIBIAO_WALK_ROLES"].split(",")]
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
        self.console: list[str] = []  # errors in the console, and what the page asked for and did not get
        page.on("console", lambda message: message.type == "error" and self.console.append(message.text))
        page.on("pageerror", lambda error: self.console.append(str(error)))
        page.on("response", lambda r: r.status >= 400 and self.console.append(f"{r.status} for {r.url}"))

    def to_walk(self, url: str) -> bool:
        """On this site, and not one of NOT_A_PAGE."""
        return url.startswith(self.base_url + "/") and not NOT_A_PAGE.search(urlsplit(url).path)

    def is_a_page(self, url: str) -> bool:
        """Shown as an HTML page, not downloaded (asked with HEAD, as this person)."""
        response = self.page.request.head(url)
        return response.headers.get("content-type", "").startswith("text/html")

    def visit(self, url: str) -> list[str]:
        """Open `url`, check it and keep its screenshot; the links it has to walk."""
        self.console.clear()
        response = self.page.goto(url, wait_until="networkidle", timeout=WAIT)
        where = f"{self.role or 'public'} {self.width} {url.removeprefix(self.base_url)}"
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
        links = [urljoin(self.page.url, href).split("#")[0] for href in hrefs]
        return [link for link in links if self.to_walk(link)]

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


def numbers(url: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", urlsplit(url).path)]


def farthest(candidates: list[str], visited: list[str]) -> str:
    """The candidate whose numbers are farthest from every visited page's of its shape: in the
    demo, ids follow age, so after an open tender's hall comes a long-closed one's."""
    def distance(url):
        return min(sum(abs(a - b) for a, b in zip(numbers(url), numbers(other))) for other in visited)
    return max(candidates, key=distance)


def crawl(walk: Walk, starts: list[str]) -> list[str]:
    """The pages reached from `starts`, each visited once, within the caps: breadth first, the
    first page of each shape; then, while any is left, the page of a shape seen least that is
    farthest from those of its shape already visited, and what that page links to."""
    visited, seen, not_pages = [], set(starts), set()  # not_pages: shapes that are downloads
    by_shape: dict[str, list[str]] = {}  # shape → its pages visited
    waiting: dict[str, list[str]] = {}  # shape → its links not visited yet
    queue = deque(starts)
    while len(visited) < MAX_PAGES:
        if queue:
            url = queue.popleft()
            kind = shape(url)
            if kind in not_pages:
                continue
            if by_shape.get(kind):
                waiting.setdefault(kind, []).append(url)  # its turn comes when the queue is empty
                continue
        else:
            shapes = [s for s, links in waiting.items() if links and len(by_shape[s]) < PER_SHAPE]
            if not shapes:
                break
            kind = min(shapes, key=lambda s: len(by_shape[s]))
            url = farthest(waiting[kind], by_shape[kind])
            waiting[kind].remove(url)
        if kind not in by_shape and not walk.is_a_page(url):
            not_pages.add(kind)
            continue
        by_shape.setdefault(kind, []).append(url)
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

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.addClassCleanup(shutil.rmtree, SCRATCH, True)

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
