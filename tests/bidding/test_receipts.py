"""Signed receipts (投标回执): issued at once with the server's time, verifiable by anyone — by
the platform's records (naming every field that was changed, never its value), by `manage.py
verify_receipt`, on the public page /receipts/verify/, and offline with the published public key alone."""

import base64
import copy
import json
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from bidding import receipts
from bidding.bid_access import verify_receipt_document
from bidding.models import Receipt
from tests.bidding.conftest import client_for, submit

pytestmark = pytest.mark.django_db

MANAGE = Path(settings.BASE_DIR) / "manage.py"


@pytest.fixture
def document(tender, bidder) -> dict:
    """The receipt document the bidder's browser got with its last chunk (two sealed files)."""
    _sealed, uploaded = submit(tender, bidder)
    return uploaded.document


def changed(document: dict, path: tuple, value) -> dict:
    forged = copy.deepcopy(document)
    target = forged["receipt"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return forged


SIGNATURE = "The signature does not match this receipt: it was changed after signing, or the platform did not issue it."
VALID = "Valid: the platform signed exactly this receipt."


def dotted(path: tuple) -> str:
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def tamper(document: dict, path: tuple) -> dict:
    """`document` with the field at `path` changed to something plausible."""
    value = document["receipt"]
    for step in path:
        value = value[step]
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise AssertionError(f"no tampering for {path}")
    if isinstance(value, int):
        new = value + 1
    elif path == ("receipt_id",):
        new = str(uuid.uuid4())
    elif path == ("server_time",):
        new = value[:-4] + f"{(int(value[-4:-1]) + 1) % 1000:03d}Z"  # one millisecond later
    elif path[-1] == "sha256":
        new = ("0" if value[0] != "0" else "1") + value[1:]
    else:
        new = value + "x"
    assert new != value
    return changed(document, path, new)


# Each field of the receipt, and its name as the check says it (never its value).
NAMES = {
    ("receipt_id",): "Receipt number", ("action",): "Action", ("project",): "Project code", ("lot",): "Lot number",
    ("lot_name",): "Lot name", ("version",): "Bid version", ("server_time",): "Time of receipt",
    ("type",): "Receipt type", ("key_id",): "Signing key",
    ("bidder", "name"): "Bidder name", ("bidder", "uscc"): "Bidder USCC",
    ("files", 0, "kind"): "File 1: kind", ("files", 0, "name"): "File 1: name", ("files", 0, "size"): "File 1: size",
    ("files", 0, "sha256"): "File 1: SHA-256 digest",
    ("files", 1, "kind"): "File 2: kind", ("files", 1, "name"): "File 2: name", ("files", 1, "size"): "File 2: size",
    ("files", 1, "sha256"): "File 2: SHA-256 digest",
}
FIELDS = list(NAMES)


def differs(path: tuple) -> str:
    return f"{NAMES[path]} differs from the platform’s record."


def verify_command(document: dict, tmp_path, *args) -> tuple[int, str, str]:
    path = tmp_path / f"receipt-{uuid.uuid4()}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out, err = StringIO(), StringIO()
    with translation.override("en"):
        try:
            call_command("verify_receipt", str(path), *args, stdout=out, stderr=err)
        except SystemExit as exit_:
            return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def verify_page(document: dict):
    upload = SimpleUploadedFile("receipt.json", json.dumps(document, ensure_ascii=False).encode("utf-8"),
                                content_type="application/json")
    return client_for(None).post(reverse("bidding:receipt_verify"), {"receipt": upload})


# --- what is issued ------------------------------------------------------------------------------


def test_receipt_issued_is_kept_exactly_as_signed(document, tender, bidder):
    body = document["receipt"]
    kept = Receipt.objects.get(pk=body["receipt_id"])
    assert json.loads(kept.body) == body
    assert kept.signature == document["signature"]
    assert kept.action == "submitted"
    assert body["type"] == receipts.RECEIPT_TYPE
    assert body["key_id"] == receipts.key_id(receipts.platform_public_key())
    # signed with the key in KAIBIAO_RECEIPT_KEY_FILE (created on first use outside production)
    assert Path(settings.KAIBIAO_RECEIPT_KEY_FILE).exists()
    assert document["public_key"] == client_for(None).get(reverse("bidding:receipt_public_key")).content.decode()


def test_receipt_download_by_its_bidder_is_the_same_document(document, bidder):
    answer = client_for(bidder.user).get(reverse("bidding:receipt", args=[document["receipt"]["receipt_id"]]))
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == f'attachment; filename="receipt-{document["receipt"]["receipt_id"]}.json"'
    assert json.loads(answer.content) == document


def test_receipt_download_by_anyone_else_not_found(document, tender, other_bidder):
    url = reverse("bidding:receipt", args=[document["receipt"]["receipt_id"]])
    for user in (other_bidder.user, tender.staff, tender.custodians[0].user):
        assert client_for(user).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 302  # to the login page


# --- an untouched receipt -------------------------------------------------------------------------


def test_verify_untouched_receipt_valid(document):
    verdict = verify_receipt_document(document)
    assert verdict.valid and verdict.problems == []
    assert str(verdict) == "valid"


def test_verify_receipt_command_untouched_says_valid(document, tmp_path, bidder):
    code, out, err = verify_command(document, tmp_path)
    assert code == 0 and err == ""
    assert out == VALID + "\n"


def test_verify_page_untouched_receipt_says_valid(document):
    page = verify_page(document)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>Valid</strong>: the platform signed exactly this receipt." in html
    assert "Not valid" not in html


# --- any field changed -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", FIELDS, ids=dotted)
def test_verify_receipt_with_field_changed_names_it(document, path):
    verdict = verify_receipt_document(tamper(document, path))
    assert not verdict.valid
    assert SIGNATURE in verdict.problems
    assert differs(path) in verdict.problems, verdict.problems


@pytest.mark.parametrize("path", FIELDS, ids=dotted)
def test_verify_receipt_command_with_field_changed_exits_1_naming_it(document, tmp_path, path):
    code, out, err = verify_command(tamper(document, path), tmp_path)
    assert code == 1
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "Not valid:"
    assert f"- {SIGNATURE}" in lines and f"- {differs(path)}" in lines, lines


@pytest.mark.parametrize("path", FIELDS, ids=dotted)
def test_verify_page_with_field_changed_says_not_valid_naming_it(document, path):
    page = verify_page(tamper(document, path))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>Not valid</strong>" in html
    assert f"<li>{differs(path)}</li>" in html
    assert "the platform signed exactly this receipt" not in html


@pytest.mark.parametrize("edit, named", [
    (lambda body: body.pop("lot_name"), "Lot name is missing."),
    (lambda body: body.__setitem__("note", "late by 1 ms"), "“note” is not part of the receipt the platform issued."),
    (lambda body: body["bidder"].pop("uscc"), "Bidder USCC is missing."),
    (lambda body: body["files"][1].__setitem__("comment", "x"),
     "File 2: “comment” is not part of the receipt the platform issued."),
    (lambda body: body["files"].pop(0), "Number of files differs from the platform’s record."),
    (lambda body: body["files"].append(dict(body["files"][0])), "Number of files differs from the platform’s record."),
])
def test_verify_receipt_with_field_added_or_removed_names_it(document, tmp_path, edit, named):
    forged = copy.deepcopy(document)
    edit(forged["receipt"])
    verdict = verify_receipt_document(forged)
    assert not verdict.valid and named in verdict.problems
    code, _out, err = verify_command(forged, tmp_path)
    assert code == 1 and f"- {named}" in err.splitlines()
    assert f"<li>{named}</li>" in verify_page(forged).content.decode()


def test_verify_receipt_with_signature_changed_fails(document, tmp_path):
    raw = bytearray(base64.b64decode(document["signature"]))
    raw[0] ^= 1
    forged = {**document, "signature": base64.b64encode(bytes(raw)).decode()}
    verdict = verify_receipt_document(forged)
    assert verdict.problems == [SIGNATURE]
    assert verify_command(forged, tmp_path)[0] == 1


def test_verify_receipt_resigned_by_forger_key_fails(document):
    """A forger changes the time and signs with its own key, shipping its own public key along:
    the check uses the platform's key, never the one the document carries. Its signature is not
    the one the platform issued, so nothing is compared with the platform's record."""
    body = {k: v for k, v in changed(document, ("server_time",), "2020-01-01T00:00:00.000Z")["receipt"].items()
            if k not in ("type", "key_id")}
    forged = receipts.sign(body, Ed25519PrivateKey.generate())
    verdict = verify_receipt_document(forged)
    assert not verdict.valid
    platform = receipts.key_id(receipts.platform_public_key())
    assert verdict.problems == [
        f"The receipt names the signing key {forged['receipt']['key_id']}; the platform’s key is {platform}.", SIGNATURE]


def test_verify_page_with_file_that_is_not_a_receipt(db):
    page = verify_page({"hello": "world"})
    html = page.content.decode()
    assert "<strong>Not valid</strong>" in html
    assert "This is not a Kaibiao receipt: it needs “receipt” and “signature”." in html


# --- offline: the public key alone ----------------------------------------------------------------


@pytest.fixture
def public_key_file(tmp_path, db) -> Path:
    path = tmp_path / "kaibiao-receipts.pem"
    path.write_bytes(client_for(None).get(reverse("bidding:receipt_public_key")).content)
    return path


def test_verify_offline_with_public_key_untouched_valid(document, tmp_path, public_key_file):
    code, out, _err = verify_command(document, tmp_path, "--offline", "--public-key", str(public_key_file))
    assert code == 0 and out.startswith(VALID + "\n")


@pytest.mark.parametrize("path", FIELDS, ids=dotted)
def test_verify_offline_with_field_changed_fails_on_signature(document, tmp_path, public_key_file, path):
    code, _out, err = verify_command(tamper(document, path), tmp_path, "--offline", "--public-key", str(public_key_file))
    assert code == 1
    assert f"- {SIGNATURE}" in err.splitlines()


def test_verify_offline_against_another_platform_key_fails(document, tmp_path):
    other = tmp_path / "other.pem"
    other.write_text(receipts.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    code, _out, err = verify_command(document, tmp_path, "--offline", "--public-key", str(other))
    assert code == 1
    assert "the platform’s key is " in err


def test_verify_receipt_offline_as_a_separate_program(document, tmp_path, public_key_file):
    """What a bidder runs on its own machine: no database, the published key, exit status 0 or 1,
    in the platform's language (Chinese)."""
    good = tmp_path / "good.json"
    good.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(tamper(document, ("files", 0, "sha256")), ensure_ascii=False), encoding="utf-8")
    run = [sys.executable, str(MANAGE), "verify_receipt", "--offline", "--public-key", str(public_key_file)]
    ok = subprocess.run([*run, str(good)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[0] == "有效：本回执与平台签发的完全一致。"
    assert ok.stdout.splitlines()[1].startswith("仅核验了签名：")
    refused = subprocess.run([*run, str(bad)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == ["无效：", "- 签名与本回执内容不符：回执在签名后被修改，或并非平台签发。"]
