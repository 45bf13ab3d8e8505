"""Every GET route of the site, filled with the ids of the objects a test made, and what it shows.

The routes are read from the URL resolver, not listed, so a page added later is walked with no
change here: each `<int:…>` takes every id the test names (a lot's, a project's, a seat's…),
each `<uuid:…>` every uuid it names, a `<str:…>`/`<path:…>` a placeholder. Then the links of the
pages reached (a query such as ?project=12 is a page of its own), a few of each shape. A reader
is a test client logged in as one person (or nobody). What each page shows is its text as served:
the HTML with its attributes, a JSON or text file as it is, a PDF's text (pdftotext)."""

import itertools
import re
import subprocess
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.test import Client
from django.urls import URLResolver, get_resolver

# Not pages: Django's admin (operators only, tests/bidding/test_admin_operators_only.py), the
# language switch and the log-out (POST forms), the script catalog, static files.
SKIPPED = re.compile(r"^(admin|i18n|jsi18n|static|media)/|^accounts/logout/")
PARAMETER = re.compile(r"<(?:(\w+):)?(\w+)>")
LINK = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"'#][^"']*)["']""", re.IGNORECASE)
SAME_SHAPE = 6  # linked pages of one shape read per reader
MAX_LINKED = 150  # linked pages per reader, beyond the routes themselves


def routes(patterns=None, prefix="") -> list[str]:
    """Every route of the site as written (`bids/lots/<int:lot_id>/`), includes flattened."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if SKIPPED.search(route):
            continue
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, route)
        else:
            found.append(route)
    return found


def filled(route: str, ints, uuids) -> list[str]:
    """The route with every combination of the ids given for its parameters."""
    params = PARAMETER.findall(route)
    choices = [[str(i) for i in ints] if kind == "int" else [str(u) for u in uuids] if kind == "uuid" else ["x"]
               for kind, _name in params]
    urls = []
    for values in itertools.product(*choices):
        values = iter(values)
        urls.append("/" + PARAMETER.sub(lambda _m: next(values), route))
    return urls


def shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+|[0-9a-f-]{36}", "N", parts.path) + "?" + ",".join(sorted(k for k, _v in parse_qsl(parts.query)))


def text_of(response) -> str:
    """What a reader gets: the page's text as served, a download's too (a PDF's as text)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf") and body.startswith(b"%PDF"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "page.pdf"
            path.write_bytes(body)
            return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True).stdout.decode()
    return body.decode("utf-8", errors="replace")


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", raise_request_exception=False)
    if user is not None and user.is_authenticated:
        client.force_login(user)
    return client


def walk(user, ints, uuids) -> dict[str, tuple[int, str]]:
    """{url: (status, text)} of every route filled with the ids, then of the pages they link to."""
    client = client_for(user)
    shown: dict[str, tuple[int, str]] = {}
    queue = [url for route in routes() for url in filled(route, ints, uuids)]
    start = len(queue)
    shapes = Counter()
    while queue:
        url = queue.pop(0)
        if url in shown:
            continue
        linked = len(shown) >= start
        if linked:
            if shapes[shape(url)] >= SAME_SHAPE or len(shown) - start >= MAX_LINKED:
                continue
            shapes[shape(url)] += 1
        response = client.get(url)
        text = text_of(response)
        shown[url] = (response.status_code, text)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            for href in LINK.findall(text):
                target = urlsplit(urljoin(url, href.replace("&amp;", "&")))
                if target.scheme not in ("", "http") or target.netloc not in ("", "testserver"):
                    continue
                path = target.path + (f"?{target.query}" if target.query else "")
                if not SKIPPED.search(target.path.lstrip("/")) and path not in shown:
                    queue.append(path)
    return shown
