"""A bidder's pages in its clerk's words: receipts named by what they attest, the receipt check
explained without a command line, its reasons in Chinese; and the audit trail that staff and
supervisors read names each event and says what it recorded, never a Python dict."""

import copy
import json
import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from bidding.models import Receipt
from tests.bidding.conftest import submit
from tests.bidding.test_receipts import FIELDS, tamper
from tests.untranslated import english_words, python_reprs, visible_texts

pytestmark = pytest.mark.django_db


def chinese_client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    if user is not None:
        client.force_login(user)
    return client


def english_left(html: str, names=()) -> list:
    return [(t, english_words(t, frozenset(names))) for t in visible_texts(html, "zh-hans") if english_words(t, frozenset(names))]


def test_the_bidder_s_receipts_are_named_by_what_they_attest(tender, bidder):
    submit(tender, bidder)
    client = chinese_client(bidder.user)
    client.post(reverse("bidding:withdraw", args=[tender.lot.pk]), {"confirmed": "yes"})
    html = client.get(reverse("bidding:bid_page", args=[tender.lot.pk])).content.decode()
    links = [re.sub(r"\s+", " ", link).strip() for link in re.findall(r'class="receipt-link">([^<]*)<', html)]
    assert len(links) == 2 and Receipt.objects.filter(bid__lot=tender.lot).count() == 2
    assert links[0].startswith("投标回执 20") and links[1].startswith("撤回回执 20"), links
    assert "submitted" not in html and "withdrawn" not in html


def test_the_bid_page_tells_how_to_check_a_receipt_without_a_command_line(tender, bidder):
    html = chinese_client(bidder.user).get(reverse("bidding:bid_page", args=[tender.lot.pk])).content.decode()
    assert "verify_receipt" not in html
    check = re.search(r'<p id="check-a-receipt">(.*?)</p>', html, re.S).group(1)
    assert "回执核验" in check and f'href="{reverse("bidding:receipt_verify")}"' in check
    assert english_left(html, [bidder.user.username]) == []


def verify(document) -> str:
    body = document if isinstance(document, bytes) else json.dumps(document, ensure_ascii=False).encode()
    upload = SimpleUploadedFile("receipt.json", body, content_type="application/json")
    return chinese_client().post(reverse("bidding:receipt_verify"), {"receipt": upload}).content.decode()


def test_the_receipt_check_gives_its_reasons_in_chinese(tender, bidder):
    _sealed, uploaded = submit(tender, bidder)
    document = uploaded.document
    added = copy.deepcopy(document)
    added["receipt"]["files"][1]["comment"] = "x"
    cases = [document, {"hello": "world"}, b"not json", b'{"receipt": 1, "receipt": 2}', added,
             *[tamper(document, path) for path in FIELDS]]
    for case in cases:
        html = verify(case)
        assert 'class="card errors" role="alert"' in html or 'class="card" role="status"' in html, case
        assert english_left(html) == [], case
    assert "该回执确为平台签发" not in verify(b"not json")
    # the tool for technical auditors stays, out of the way
    page = chinese_client().get(reverse("bidding:receipt_verify")).content.decode()
    assert "<details" in page and "verify_receipt --offline" in page


def test_the_audit_trail_names_each_event_and_says_what_it_recorded(tender, bidder):
    submit(tender, bidder)
    with time_machine.travel(tender.after()):  # the bidder's events are hidden until the deadline
        client = chinese_client(tender.staff)
        html = client.get(reverse("trading:audit"), {"project": tender.project.pk}).content.decode()
    assert python_reprs(html, "zh-hans") == []
    assert english_left(html, [tender.staff.username, bidder.user.username, "system"]) == []
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    completed = next(r for r in rows if "bid.completed" in r)
    assert "递交投标文件" in completed and '<code class="muted action-code">bid.completed</code>' in completed
    assert re.search(r"版本：1；文件：.*（.*KB）", completed), completed
    assert "交易中心工作人员" in html and "{" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
