"""The printable receipt (投标回执): a one-page PDF with the same signed content as the JSON
receipt, both times (Beijing and the exact UTC instant signed), and a QR code that leads to a
check saying only valid or not valid. Only the bidder's own organization gets the receipt, its
page and its PDF, before the deadline and after; every other role is told it does not exist.
The PDF is read back with poppler-utils (pdfinfo, pdftotext, pdftoppm)."""

import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bidding import receipts
from bidding.models import Receipt
from tests.bidding.conftest import client_for, submit
from tests.trading.factories import UserFactory, bidder, party, staff, supervisor
from trading.choices import Role

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: install Debian's poppler-utils (`make test` does)")
    return path


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def document(tender, bidder):
    _sealed, uploaded = submit(tender, bidder)
    return uploaded.document


@pytest.fixture
def pdf(document, bidder, tmp_path) -> Path:
    answer = client_for(bidder.user).get(reverse("bidding:receipt_pdf", args=[document["receipt"]["receipt_id"]]))
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    path = tmp_path / "receipt.pdf"
    path.write_bytes(answer.content)
    return path


def pdf_text(path: Path) -> str:
    return subprocess.run([_tool("pdftotext"), "-raw", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True).stdout.decode()


def test_the_printable_receipt_is_one_page_with_the_signed_content(document, pdf):
    info = subprocess.run([_tool("pdfinfo"), str(pdf)], check=True, capture_output=True).stdout.decode()
    assert re.search(r"^Pages:\s+1$", info, re.M)
    text = flat(pdf_text(pdf))
    body = document["receipt"]
    assert "投标回执" in text
    for value in (body["receipt_id"], body["project"], f"第{body['lot']}标段（包）", body["lot_name"],
                  body["bidder"]["name"], body["bidder"]["uscc"], f"第{body['version']}版", body["key_id"],
                  receipts.content_digest(body), document["signature"]):
        assert flat(str(value)) in text, value
    for f in body["files"]:
        assert flat(f["name"]) in text and f["sha256"] in text and f"{f['size']:,}" in text
    assert "开标项文件" in text and "投标文件" in text


def test_the_receipt_shows_the_time_in_beijing_and_the_exact_utc_instant_signed(document, pdf):
    signed = document["receipt"]["server_time"]  # e.g. 2026-12-04T13:55:02.161Z
    day, clock = signed[:10], signed[11:23]
    text = flat(pdf_text(pdf))
    assert f"签名所含时间（UTC）{day}{clock}UTC（{signed}）" in text
    from trading.formats import BEIJING, local_text, parse_instant
    beijing = local_text(parse_instant(signed), "ms", zone=BEIJING)
    assert f"接收时间（北京时间）{flat(beijing)}" in text
    # eight hours apart, the same instant
    assert parse_instant(signed) == parse_instant(beijing.replace(" ", "T") + "+08:00")


def test_the_qr_code_leads_to_a_check_that_says_only_valid(document, pdf):
    text = flat(pdf_text(pdf))
    url = re.search(r"http://testserver/receipts/verify/\?receipt=[0-9a-f-]+&digest=[0-9a-f]{64}", text).group(0)
    query = parse_qs(urlsplit(url).query)
    body = document["receipt"]
    assert query == {"receipt": [body["receipt_id"]], "digest": [receipts.content_digest(body)]}

    scanned = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)  # anyone, not logged in
    page = scanned.content.decode()
    assert scanned.status_code == 200 and "Valid" in page and "Not valid" not in page
    assert scanned["Referrer-Policy"] == "no-referrer" and "no-store" in scanned["Cache-Control"]
    # nothing of the bid: not the bidder, the tender, the lot, the time or a file
    from trading.formats import local_text, parse_instant
    received = parse_instant(body["server_time"])
    for secret in (body["bidder"]["name"], body["bidder"]["uscc"], body["project"], body["lot_name"],
                   body["server_time"], local_text(received, "ms"), body["files"][0]["name"], body["files"][0]["sha256"]):
        assert secret not in page, secret


def test_the_check_says_not_valid_alike_for_a_wrong_digest_an_unknown_number_or_garbage(document):
    body = document["receipt"]
    good = receipts.content_digest(body)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")

    def verdict(**query):
        page = visitor.get(reverse("bidding:receipt_verify"), query).content.decode()
        return re.search(r'<div class="card[^"]*" role="\w+" id="printed-verdict">(.*?)</div>', page, re.S).group(1)

    assert "Valid" in verdict(receipt=body["receipt_id"], digest=good)
    wrong = {
        "wrong digest": verdict(receipt=body["receipt_id"], digest="0" * 64),
        "unknown number": verdict(receipt="6a0f4d36-6f2c-4c1e-9a76-0d8c8b5e2f11", digest=good),
        "no digest": verdict(receipt=body["receipt_id"]),
        "not a number": verdict(receipt="'; drop table", digest="é" * 64),
    }
    assert len(set(wrong.values())) == 1, wrong  # one answer: the check tells nothing more
    assert "Not valid" in next(iter(wrong.values()))


def test_a_withdrawn_bids_receipts_still_check_valid_without_saying_so(tender, bidder, document):
    """The check does not tell a scanner that the bid was withdrawn (that is for the JSON upload)."""
    from bidding.upload import withdraw_bid

    withdrawal = withdraw_bid(actor=bidder.user, lot=tender.lot)
    for doc in (document, withdrawal):
        page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("bidding:receipt_verify"), {
            "receipt": doc["receipt"]["receipt_id"], "digest": receipts.content_digest(doc["receipt"])}).content.decode()
        assert "Valid" in page and "withdrawn" not in page.lower() and "no longer counts" not in page


def test_the_withdrawal_receipt_prints_as_such(tender, bidder, document, tmp_path):
    from bidding.upload import withdraw_bid

    withdrawal = withdraw_bid(actor=bidder.user, lot=tender.lot)
    answer = client_for(bidder.user).get(reverse("bidding:receipt_pdf", args=[withdrawal["receipt"]["receipt_id"]]))
    path = tmp_path / "withdrawal.pdf"
    path.write_bytes(answer.content)
    text = flat(pdf_text(path))
    assert "撤回投标回执" in text and "撤回投标" in text


def test_the_same_receipt_prints_the_same_bytes(document, bidder):
    url = reverse("bidding:receipt_pdf", args=[document["receipt"]["receipt_id"]])
    client = client_for(bidder.user)
    assert client.get(url).content == client.get(url).content


def test_the_printable_receipt_renders_to_an_image(pdf):
    """Rendered as a reader's viewer would (kept under var/test-artifacts/ to be looked at)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "receipt.pdf")
    subprocess.run([_tool("pdftoppm"), "-r", "80", "-png", "-singlefile", str(pdf), str(ARTIFACTS / "receipt")], check=True)
    image = (ARTIFACTS / "receipt.png").read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 20_000


def test_the_receipt_page_shows_both_times_and_both_downloads(document, bidder):
    body = document["receipt"]
    page = client_for(bidder.user).get(reverse("bidding:receipt_page", args=[body["receipt_id"]])).content.decode()
    from trading.formats import parse_instant, local_text
    assert f"{local_text(parse_instant(body['server_time']), 'ms')} (Beijing time)" in page
    assert f"{body['server_time'][:10]} {body['server_time'][11:23]} UTC" in page
    assert reverse("bidding:receipt_pdf", args=[body["receipt_id"]]) in page
    assert reverse("bidding:receipt", args=[body["receipt_id"]]) in page


def _everyone_else(tender) -> dict:
    project = tender.project
    return {
        "center staff": tender.staff,
        "other center staff": staff(),
        "supervisor of the center": supervisor(project.center),
        "other supervisor": supervisor(),
        "tenderee": party(Role.TENDEREE, project.tenderee),
        "agent": party(Role.AGENT, project.agent),
        "another bidder": bidder(),
        "expert": UserFactory(role=Role.EXPERT),
        "custodian": tender.custodians[0].user,
    }


@pytest.mark.parametrize("when", ["before the deadline", "after the deadline"])
def test_only_the_bidders_own_organization_gets_the_receipt(tender, bidder, document, when):
    receipt_id = document["receipt"]["receipt_id"]
    if when == "after the deadline":
        tender.project.bid_deadline = timezone.now() - timedelta(minutes=1)
        tender.project.save(update_fields=["bid_deadline"])
    urls = [reverse(name, args=[receipt_id]) for name in ("bidding:receipt_page", "bidding:receipt", "bidding:receipt_pdf")]
    colleague = bidder_user_of(bidder.organization)
    for user in (bidder.user, colleague):
        for url in urls:
            assert client_for(user).get(url).status_code == 200, url
    for role, user in _everyone_else(tender).items():
        for url in urls:
            assert client_for(user).get(url).status_code == 404, (role, url)
    for url in urls:  # a visitor is sent to log in, and learns nothing
        answer = Client().get(url)
        assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    # and the service says the same, whatever the view
    from bidding.bid_access import own_receipt
    from trading.errors import NotFound, PermissionDenied
    assert own_receipt(actor=colleague, receipt_id=receipt_id).pk == Receipt.objects.get(pk=receipt_id).pk
    for role, user in _everyone_else(tender).items():
        with pytest.raises((NotFound, PermissionDenied)):
            own_receipt(actor=user, receipt_id=receipt_id)
    with pytest.raises(PermissionDenied):
        own_receipt(actor=AnonymousUser(), receipt_id=receipt_id)


def bidder_user_of(organization):
    return party(Role.BIDDER, organization)
