"""Forged receipts on the public check: the page says valid or not and names the fields that differ,
never what the platform holds; an unknown receipt id and a bad signature answer alike; a repeated
JSON key, a carried key that is not the signer, and a version that no longer counts are all said."""

import base64
import copy
import json
import re
import uuid
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from bidding import receipts
from bidding.bid_access import verify_receipt_document
from bidding.models import Bid
from bidding.upload import withdraw_bid
from tests.bidding.conftest import client_for, submit

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def document(tender, bidder) -> dict:
    return submit(tender, bidder)[1].document


def post(content: str | bytes) -> str:
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    upload = SimpleUploadedFile("receipt.json", data, content_type="application/json")
    page = client_for(None).post(reverse("bidding:receipt_verify"), {"receipt": upload})
    assert page.status_code == 200
    return page.content.decode()


def post_document(document: dict) -> str:
    return post(json.dumps(document, ensure_ascii=False))


def verdict_part(html: str) -> str:
    """The page's answer (the rest has a fresh CSRF token and script nonce on every request)."""
    (answer,) = re.findall(r'<div class="card[^"]*" role="(?:alert|status)">.*?</div>', html, re.S)
    return answer


def command(content: str, tmp_path, *args) -> tuple[int, str, str]:
    path = tmp_path / f"receipt-{uuid.uuid4()}.json"
    path.write_text(content, encoding="utf-8")
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        try:
            call_command("verify_receipt", str(path), *args, stdout=out, stderr=err)
        except SystemExit as exit_:
            return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def flipped(signature: str) -> str:
    raw = bytearray(base64.b64decode(signature))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def beijing(moment) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


# --- 3. a forged receipt with a real receipt id ------------------------------------------------


def test_forged_receipt_with_real_id_names_fields_but_shows_nothing_stored(document):
    body = document["receipt"]
    forged = copy.deepcopy(document)
    fake = forged["receipt"]
    fake["bidder"] = {"name": "伪造建设有限公司", "uscc": "91450000000000000X"}
    fake["server_time"] = "2020-01-01T00:00:00.000Z"
    for i, entry in enumerate(fake["files"]):
        entry.update(name=f"forged-{i}.age", size=7 + i, sha256=f"{i}" * 64)
    html = post_document(forged)
    assert "<strong>Not valid</strong>" in html and "the platform signed exactly this receipt" not in html
    stored = [body["bidder"]["name"], body["bidder"]["uscc"], body["server_time"]]
    for entry in body["files"]:
        stored += [entry["name"], entry["sha256"], f">{entry['size']}<", f" {entry['size']} ", f"{entry['size']}'"]
    shown = [value for value in stored if value in html]
    assert shown == []
    for name in ("Bidder name", "Bidder USCC", "Time of receipt", "File 1: name", "File 1: size",
                 "File 1: SHA-256 digest", "File 2: name", "File 2: size", "File 2: SHA-256 digest"):
        assert f"<li>{name} differs from the platform’s record.</li>" in html, name
    assert "Receipt number" not in html  # the id was not changed


def test_unknown_receipt_id_and_known_id_with_bad_signature_answer_alike(document):
    known_bad = {**document, "signature": flipped(document["signature"])}
    unknown = copy.deepcopy(known_bad)
    unknown["receipt"]["receipt_id"] = str(uuid.uuid4())
    # someone who knows only a receipt id, and someone who knows none, posting the same made-up receipt
    made_up = receipts.sign({**{k: v for k, v in document["receipt"].items() if k not in ("type", "key_id")},
                             "version": 5}, Ed25519PrivateKey.generate())
    made_up["receipt"]["key_id"] = document["receipt"]["key_id"]
    made_up["public_key"] = document["public_key"]
    made_up_unknown = copy.deepcopy(made_up)
    made_up_unknown["receipt"]["receipt_id"] = str(uuid.uuid4())
    for one, other in ((known_bad, unknown), (made_up, made_up_unknown)):
        assert verify_receipt_document(one).problems == verify_receipt_document(other).problems
        first, second = post_document(one), post_document(other)
        assert "<strong>Not valid</strong>" in first
        assert verdict_part(first) == verdict_part(second)
        assert document["receipt"]["bidder"]["name"] not in first


# --- 5. a repeated key, an unbound key, a version that no longer counts -----------------------


def with_repeated_version(document: dict) -> str:
    text = json.dumps(document, ensure_ascii=False)
    assert text.count('"version": 1') == 1
    return text.replace('"version": 1', '"version": 99, "version": 1')


def test_repeated_json_key_is_refused_on_the_page_and_by_the_command(document, tmp_path):
    text = with_repeated_version(document)
    html = post(text)
    assert "<strong>Not valid</strong>" in html and "the platform signed exactly this receipt" not in html
    assert "repeats the key “version”" in html
    code, out, err = command(text, tmp_path)
    assert code == 1 and out == "" and "repeats the key “version”" in err
    code, out, err = command(text, tmp_path, "--offline")
    assert code == 1 and "repeats the key “version”" in err


def test_repeated_key_deep_inside_is_refused(document):
    text = json.dumps(document, ensure_ascii=False)
    name = document["receipt"]["bidder"]["name"]
    text = text.replace(f'"name": "{name}"', f'"name": "别家公司", "name": "{name}"', 1)
    html = post(text)
    assert "<strong>Not valid</strong>" in html and "repeats the key “name”" in html


def test_carried_public_key_other_than_the_signer_is_refused(document, tmp_path):
    other = receipts.public_key_pem(Ed25519PrivateKey.generate().public_key())
    swapped = {**document, "public_key": other}
    verdict = verify_receipt_document(swapped)
    assert not verdict.valid
    html = post_document(swapped)
    assert "<strong>Not valid</strong>" in html
    assert "The public key the receipt carries is not the key it names as its signer" in html
    code, _out, err = command(json.dumps(swapped), tmp_path)
    assert code == 1 and "The public key the receipt carries is not the key it names as its signer" in err
    unreadable = {**document, "public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}
    assert "The public key the receipt carries is not an Ed25519 public key." in post_document(unreadable)


def test_receipt_of_a_superseded_version_is_valid_saying_it_no_longer_counts(tender, bidder, tmp_path):
    first = submit(tender, bidder)[1].document
    second = submit(tender, bidder)[1].document
    later = Bid.objects.get(lot=tender.lot, organization=bidder.organization, version=2)
    said = f"This version no longer counts: superseded by a later version at {beijing(later.completed_at)} (Beijing time)."
    html = post_document(first)
    assert "<strong>Valid</strong>" in html and said in html
    code, out, _err = command(json.dumps(first), tmp_path)
    assert code == 0 and said in out
    html = post_document(second)
    assert "<strong>Valid</strong>" in html and "no longer counts" not in html


def test_receipt_of_a_withdrawn_version_is_valid_saying_it_was_withdrawn(tender, bidder, tmp_path):
    submitted = submit(tender, bidder)[1].document
    withdrawal = withdraw_bid(actor=bidder.user, lot=tender.lot)
    bid = Bid.objects.get(lot=tender.lot, organization=bidder.organization)
    said = f"This version no longer counts: withdrawn at {beijing(bid.withdrawn_at)} (Beijing time)."
    for document in (submitted, withdrawal):
        html = post_document(document)
        assert "<strong>Valid</strong>" in html and said in html
    code, out, _err = command(json.dumps(submitted), tmp_path)
    assert code == 0 and said in out


def test_offline_command_says_it_checks_the_signature_only(document, tmp_path):
    key = tmp_path / "key.pem"
    key.write_text(document["public_key"])
    code, out, _err = command(json.dumps(document), tmp_path, "--offline", "--public-key", str(key))
    assert code == 0 and "Only the signature was checked" in out


def test_verdicts_in_chinese(document):
    forged = copy.deepcopy(document)
    forged["receipt"]["server_time"] = "2020-01-01T00:00:00.000Z"
    with translation.override("zh-hans"):
        problems = verify_receipt_document(forged).problems
    assert "回执时间与平台记录不一致。" in problems
