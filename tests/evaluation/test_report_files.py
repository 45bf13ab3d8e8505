"""The report's PDF and signatures file: who may download them (the committee, the lot's center
staff, its supervisors; the tenderee once final; never a bidder, the public, another center's
staff or supervisor, or an expert not on the committee), and `manage.py verify_report`, which
passes on the files as downloaded and fails on a changed PDF or a changed signatures file."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bidding.receipts import platform_public_key
from evaluation import signing
from evaluation.room import report
from tests.evaluation.opened import expert
from tests.evaluation.reported import DISSENT, summarized_room

pytestmark = pytest.mark.django_db


def sign_all(s, *, refuse=(4,)):
    sha = s.fresh().report_sha256
    for i in range(len(s.members)):
        if i in refuse:
            report.refuse_signature(actor=s.user(i), lot_id=s.lot_id, reason=DISSENT)
        else:
            report.sign_report(actor=s.user(i), lot_id=s.lot_id, signature=s.sign(i), report_sha256=sha)


@pytest.fixture
def made():
    s = summarized_room()
    report.make_report(actor=s.user(0), lot_id=s.lot_id)
    return s


def get(user, url):
    client = Client()
    if user is not None and user.is_authenticated:
        client.force_login(user)
    return client.get(url)


def urls(s):
    return [reverse("evaluation:report_pdf", args=[s.lot_id]), reverse("evaluation:report_signatures", args=[s.lot_id])]


def test_the_committee_the_centers_staff_and_supervisors_download_the_report(made):
    s = made
    readers = [s.user(0), s.user(3), s.people["center_staff"], s.people["city_supervisor"], s.people["province_supervisor"]]
    pdf_url, sig_url = urls(s)
    for user in readers:
        pdf = get(user, pdf_url)
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf", user
        assert bytes(pdf.content) == bytes(s.fresh().report_pdf)
        assert "no-store" in pdf["Cache-Control"]
        assert get(user, sig_url).json()["signatures"]["report_sha256"] == s.fresh().report_sha256


def test_nobody_else_learns_of_the_report_before_the_result(made):
    s = made
    outsiders = {who: s.people[who] for who in ("bidder", "other_center_staff", "unrelated_supervisor", "expert",
                                                "custodian", "tenderee", "agent", "other_tenderee")}
    outsiders["expert not on the committee"] = expert(s.people.province).user
    bidder_of_the_lot = s.bids[0].created_by
    outsiders["a bidder of this lot"] = bidder_of_the_lot
    for url in urls(s):
        for who, user in outsiders.items():
            answer = get(user, url)
            assert answer.status_code == 404, (who, url)
            assert s.user(0).expert.user.full_name.encode() not in answer.content
        anonymous = get(None, url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_tenderee_gets_the_report_once_it_is_final_a_bidder_still_not(made):
    s = made
    sign_all(s)
    pdf_url, _sig = urls(s)
    assert get(s.people["tenderee"], pdf_url).status_code == 200
    assert get(s.people["agent"], pdf_url).status_code == 200
    assert get(s.people["bidder"], pdf_url).status_code == 404
    assert get(s.bids[0].created_by, pdf_url).status_code == 404
    assert get(s.people["other_tenderee"], pdf_url).status_code == 404


def test_before_the_report_is_made_there_is_nothing_to_download():
    s = summarized_room(with_keys=False)
    for url in urls(s):
        assert get(s.user(0), url).status_code == 404


def download(s, tmp_path, user=None):
    user = user or s.people["center_staff"]
    pdf_url, sig_url = urls(s)
    pdf, sig = tmp_path / "report.pdf", tmp_path / "signatures.json"
    pdf.write_bytes(get(user, pdf_url).content)
    sig.write_bytes(get(user, sig_url).content)
    return pdf, sig


def verify(capsys, *args):
    """The command's exit status and output, in English (what these tests read; a language left
    active by another test must not change it)."""
    try:
        with translation.override("en"):
            call_command("verify_report", *map(str, args))
    except SystemExit as stop:
        code = stop.code
    else:
        code = 0
    out = capsys.readouterr()
    return code, out.out + out.err


def test_verify_report_passes_on_the_files_as_downloaded(made, tmp_path, capsys):
    s = made
    sign_all(s)
    pdf, sig = download(s, tmp_path)
    body = json.loads(sig.read_text())["signatures"]
    assert [m["answer"] for m in body["members"]] == ["signed"] * 4 + ["refused"]
    assert body["final"] is True and body["signed_message"] == f"kaibiao/evaluation-report v1:{body['report_sha256']}"
    code, out = verify(capsys, pdf, sig)
    assert code == 0, out
    assert out.count("signed: ") == 4 and "refused: " in out and DISSENT in out
    assert "Valid" in out and "the platform signed this list" in out
    # offline, with the platform's public key as published (PEM)
    pem = tmp_path / "platform.pem"
    pem.write_bytes(platform_public_key().public_bytes(serialization.Encoding.PEM,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo))
    assert verify(capsys, pdf, sig, "--public-key", pem)[0] == 0


def test_verify_report_fails_on_a_changed_pdf(made, tmp_path, capsys):
    s = made
    sign_all(s)
    pdf, sig = download(s, tmp_path)
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit of the file
    pdf.write_bytes(bytes(data))
    code, out = verify(capsys, pdf, sig)
    assert code == 1 and "the PDF is not the report signed" in out


def test_verify_report_fails_on_a_changed_signatures_file(made, tmp_path, capsys):
    s = made
    sign_all(s)
    pdf, sig = download(s, tmp_path)
    original = sig.read_text()
    document = json.loads(original)
    # a forger swaps in their own key and signature for a member: each checks, the platform's seal does not
    forger = Ed25519PrivateKey.generate()
    raw = forger.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    member = document["signatures"]["members"][1]
    member["public_key"] = base64.b64encode(raw).decode()
    member["signature"] = base64.b64encode(forger.sign(signing.report_message(document["signatures"]["report_sha256"]))).decode()
    sig.write_text(json.dumps(document, ensure_ascii=False))
    code, out = verify(capsys, pdf, sig)
    assert code == 1 and "the platform's signature does not cover this list" in out
    # a signature changed: it no longer verifies
    document = json.loads(original)
    member = document["signatures"]["members"][2]
    member["signature"] = document["signatures"]["members"][3]["signature"]
    sig.write_text(json.dumps(document, ensure_ascii=False))
    code, out = verify(capsys, pdf, sig)
    assert code == 1 and "the signature does not verify" in out


def test_verify_report_says_a_report_still_awaiting_answers_is_not_final(made, tmp_path, capsys):
    s = made
    report.sign_report(actor=s.user(0), lot_id=s.lot_id, signature=s.sign(0), report_sha256=s.fresh().report_sha256)
    pdf, sig = download(s, tmp_path, s.user(0))
    code, out = verify(capsys, pdf, sig)
    assert code == 1 and "not final: no answer yet from" in out and "signed: " in out
