"""Every page of the demo, for every demo role, in the page's language only.

The demo is loaded once (in a transaction rolled back at the end); for each demo role a test
client logs in and walks the site from the home page and the workspace, following every link
to a page of the site (GET only; downloads, the admin, the log-out and the language switch
left alone), and reads each page as a person would (tests/untranslated.py). A Chinese page
with English words on it fails, naming the role, the page and the text; so does an English
page with Chinese interface text (names and data in Chinese are data), and so does a page that
breaks (a 500).
"""

import re
from collections import Counter, defaultdict
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import translation

from bidding.models import OpeningHall
from tests.bidding.test_record_pdf import flat, pdf_text
from tests.untranslated import chinese_runs, cjk_runs, english_words, python_reprs, visible_texts
from trading import event_text
from trading.models import AuditEvent, User

# One account of each demo role, and a second where the role sees other things (README.md).
ACCOUNTS = [
    None,  # the public
    "staff.nanning", "staff.liuzhou", "staff.gx", "staff.luzhai",
    "supervisor.gx", "supervisor.liuzhou",
    "tenderee.nnjt", "agent.huabiao",
    "bidder.yongjiang", "bidder.anda",
    "expert.01",
    "custodian.01",
]
# The home page and the workspace, and pages a role may not find linked: a custodian's own
# page, the receipt check, the audit trail, an address that does not exist (the 403 and 404
# pages are pages too).
START = ["/", "/work/", "/custodian/", "/receipts/verify/", "/work/audit/", "/no-such-page/"]
NOT_PAGES = re.compile(
    r"^/(admin|static|media|i18n|jsi18n)/|^/accounts/logout/"
    r"|\.(pdf|json|age|pem|txt|zip)$|/download/$|^/bids/sealed/|^/bids/uploads/"
)
SAME_SHAPE = 15  # pages of one shape (one path pattern, the same query keys) read per role
LINK = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*["']([^"'#][^"']*)["']""", re.IGNORECASE)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module, inside a transaction rolled back after it."""
    where = tmp_path_factory.mktemp("demo")
    with override_settings(
        KAIBIAO_DEMO_KEYS_DIR=where / "demo-keys", KAIBIAO_SEALED_ROOT=where / "sealed",
        KAIBIAO_RECEIPT_KEY_FILE=where / "keys" / "receipt-signing-key.pem", MEDIA_ROOT=where / "media",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ), django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("load_demo", stdout=open("/dev/null", "w"))
            yield {"names": names_in_the_data(), "data_runs": runs_in_the_data()}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def names_in_the_data() -> frozenset:
    """Names with Latin letters that the data holds: the usernames."""
    return frozenset(User.objects.values_list("username", flat=True))


def runs_in_the_data() -> frozenset:
    """Every run of Chinese in every text the database holds (names, titles, bodies, reasons,
    the audit events' data): on an English page such a run is data, not interface text."""
    runs = set()
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField))]
        if not fields:
            continue
        for row in model.objects.values_list(*fields):
            for value in row:
                for text in _strings(value):
                    runs |= cjk_runs(text)
    return frozenset(runs)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def shape(url: str) -> str:
    parts = urlsplit(url)
    return re.sub(r"\d+|[0-9a-f-]{36}", "N", parts.path) + "?" + ",".join(sorted(k for k, _v in parse_qsl(parts.query)))


def crawl(client: Client):
    """(url, response) of every page reachable from START, breadth first."""
    seen, queue, shapes = set(), list(START), Counter()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if shapes[shape(url)] >= SAME_SHAPE or int(dict(parse_qsl(urlsplit(url).query)).get("page", "1") or 1) > 2:
            continue
        shapes[shape(url)] += 1
        response = client.get(url)
        yield url, response
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in LINK.findall(response.content.decode()):
            target = urljoin(url, href.replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if not NOT_PAGES.search(parts.path) and target not in seen:
                queue.append(target)


def client_for(username, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def read_every_page(username, language, check):
    """{url: [offending texts]} over the crawl, and the pages that broke."""
    found, broken, pages = defaultdict(list), [], 0
    for url, response in crawl(client_for(username, language)):
        pages += 1
        if response.status_code >= 500:
            broken.append(url)
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        for text in visible_texts(html, language):
            bad = check(text)
            if bad:
                found[url].append(f"{text!r} → {bad}")
        found[url] += [f"{text!r} → a Python repr" for text in python_reprs(html, language)]
        if not found[url]:
            del found[url]
    return found, broken, pages


def report(role, language, found, broken) -> str:
    """Each offending text once, with the pages it is on (the first three)."""
    pages_of = defaultdict(list)
    for url, texts in found.items():
        for text in dict.fromkeys(texts):
            pages_of[text].append(url)
    who = f"{role or 'public'} [{language}]"
    lines = [f"{who} {text}   on {' '.join(urls[:3])}{' …' if len(urls) > 3 else ''}" for text, urls in pages_of.items()]
    lines += [f"{who} {url}: the page broke (500)" for url in broken]
    return "\n".join(lines)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ACCOUNTS, ids=lambda u: u or "public")
def test_every_page_reads_in_chinese(demo, username):
    found, broken, pages = read_every_page(username, "zh-hans", lambda text: english_words(text, demo["names"]))
    assert pages > 5
    if found or broken:
        pytest.fail("English on Chinese pages:\n" + report(username, "zh-hans", found, broken), pytrace=False)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ACCOUNTS, ids=lambda u: u or "public")
def test_every_page_reads_in_english_when_english_is_chosen(demo, username):
    found, broken, pages = read_every_page(username, "en", lambda text: chinese_runs(text, demo["data_runs"]))
    assert pages > 5
    if found or broken:
        pytest.fail("Chinese interface text on English pages:\n" + report(username, "en", found, broken), pytrace=False)


# --- the events, as the audit trail and the opening record name them ---------------------------


@pytest.mark.django_db
def test_every_event_of_the_demo_has_a_name_and_a_summary_without_codes(demo):
    """Every event the demo's loading recorded (every floor's, every hall's) is named, every key
    of its data labelled, and its summary reads in Chinese (names, codes and digests aside)."""
    problems = []
    with translation.override("zh-hans"):
        for event in AuditEvent.objects.order_by("seq"):
            if event.action not in event_text.named_actions():
                problems.append(f"{event.action}: no name")
            unlabelled = event_text.unlabelled_keys(event.action, event.data)
            if unlabelled:
                problems.append(f"{event.action}: no label for {unlabelled}")
            words = english_words(event_text.summary(event.action, event.data), demo["names"])
            if words:
                problems.append(f"{event.action}: English in its summary {words}")
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.django_db
def test_the_opening_record_names_each_step_of_the_opening(demo, tmp_path):
    """The record PDF's process log (开标过程记录) names each step (签到, 唱标, 解密状态…) and
    what it recorded, never the event's code (hall.bid_status)."""
    halls = list(OpeningHall.objects.exclude(record_pdf=None).select_related("lot__project"))
    assert halls
    for hall in halls:
        text = flat("".join(pdf_text(bytes(hall.record_pdf), tmp_path)))
        log = text[text.index("开标过程记录"):]
        assert not re.search(r"hall\.|bid_status|row_read|signed_in", log), hall.lot
        with translation.override("zh-hans"):
            names = [flat(event_text.action_name(f"hall.{kind}"))
                     for kind in ("hall_opened", "bidding_closed", "decryption_started", "row_read", "confirmation_open")]
        assert names[0] == "开标大厅开启" and names[3] == "唱标"
        for name in names:
            assert name in log, (hall.lot.project.code, name)
        assert english_words(log.replace("SHA-256", ""), demo["names"]) == [], hall.lot.project.code
