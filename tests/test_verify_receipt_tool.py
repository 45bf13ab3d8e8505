"""tools/verify_receipt.py: a bidder checks its receipt on its own machine with Python, the
`cryptography` package and the platform's published key, and nothing of Kaibiao. The receipts
here are issued by the platform's real upload path; the tool runs as a separate, isolated
program (`python -I`, an empty environment, another working directory)."""

import base64
import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.urls import reverse

from bidding import receipts
from tests.bidding.conftest import client_for, make_bidder, make_tender, submit

pytestmark = pytest.mark.django_db

TOOL = Path(__file__).resolve().parents[1] / "tools" / "verify_receipt.py"
SIGNATURE = "invalid: signature: the signature does not match the receipt's content: a field was changed after signing"
SIGNATURE_ONLY = ("note: only the signature was checked: whether this version still counts (a later version may have "
                  "superseded it, or it was withdrawn) only the platform's records tell: check the receipt on the "
                  "platform's /receipts/verify/ page")


@pytest.fixture(autouse=True)
def _sealed_files_in_tmp(settings, tmp_path):
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    settings.KAIBIAO_RECEIPT_KEY_FILE = tmp_path / "keys" / "receipt-signing-key.pem"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def issued(tmp_path):
    """A receipt as the bidder's browser received it, and the key the portal publishes."""
    tender = make_tender()
    _sealed, uploaded = submit(tender, make_bidder(tender))
    key = tmp_path / "kaibiao-receipts.pem"
    key.write_bytes(client_for(None).get(reverse("bidding:receipt_public_key")).content)
    return uploaded.document, key


def run_tool(tmp_path, document, *args, name="receipt.json") -> subprocess.CompletedProcess:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document, ensure_ascii=False),
                    encoding="utf-8")
    # -I: no PYTHONPATH, no user site, not the current folder; env={}: no DJANGO_SETTINGS_MODULE
    return subprocess.run([sys.executable, "-I", str(TOOL), str(path), *args], capture_output=True, text=True,
                          env={}, cwd=tmp_path, timeout=60)


def test_a_receipt_the_platform_issued_is_valid(issued, tmp_path):
    document, key = issued
    done = run_tool(tmp_path, document, "--public-key", str(key))
    body = document["receipt"]
    assert done.returncode == 0, done.stderr
    assert done.stdout == (f"valid: submitted {body['project']} lot {body['lot']} version 1 "
                           f"by {body['bidder']['name']} at {body['server_time']}\n")
    assert done.stderr.splitlines() == [SIGNATURE_ONLY]


def test_the_public_key_may_be_given_as_its_pem_text(issued, tmp_path):
    document, key = issued
    assert run_tool(tmp_path, document, "--public-key", key.read_text()).returncode == 0


def test_without_a_public_key_the_carried_key_is_used_and_said_so(issued, tmp_path):
    document, _key = issued
    done = run_tool(tmp_path, document)
    assert done.returncode == 0 and done.stdout.startswith("valid: submitted ")
    assert f"key id {document['receipt']['key_id']}" in done.stderr and "--public-key" in done.stderr


@pytest.mark.parametrize("path", [("server_time",), ("version",), ("bidder", "name"), ("files", 0, "sha256")])
def test_a_changed_field_is_invalid_on_the_signature(issued, tmp_path, path):
    document, key = issued
    forged = copy.deepcopy(document)
    target = forged["receipt"]
    for step in path[:-1]:
        target = target[step]
    value = target[path[-1]]
    target[path[-1]] = value + 1 if isinstance(value, int) else ("0" if value[0] != "0" else "1") + value[1:]
    done = run_tool(tmp_path, forged, "--public-key", str(key))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [SIGNATURE]


def test_a_signature_changed_is_invalid(issued, tmp_path):
    document, key = issued
    raw = bytearray(base64.b64decode(document["signature"]))
    raw[0] ^= 1
    done = run_tool(tmp_path, {**document, "signature": base64.b64encode(bytes(raw)).decode()}, "--public-key", str(key))
    assert done.returncode == 1 and done.stderr.splitlines() == [SIGNATURE]


def test_another_key_is_invalid_naming_the_key(issued, tmp_path):
    document, _key = issued
    other = tmp_path / "other.pem"
    other.write_text(receipts.public_key_pem(Ed25519PrivateKey.generate().public_key()))
    done = run_tool(tmp_path, document, "--public-key", str(other))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert any(line.startswith("invalid: key: signed by key ") and "not the platform's key" in line for line in lines)
    assert SIGNATURE in lines


def test_a_receipt_resigned_by_a_forger_with_its_own_key_is_invalid(issued, tmp_path):
    # the forger changes the time, signs with its own key and ships that key in the document
    document, key = issued
    body = {k: v for k, v in document["receipt"].items() if k not in ("type", "key_id")}
    forged = receipts.sign({**body, "server_time": "2020-01-01T00:00:00.000Z"}, Ed25519PrivateKey.generate())
    done = run_tool(tmp_path, forged, "--public-key", str(key))
    assert done.returncode == 1 and "invalid: key: signed by key " in done.stderr


@pytest.mark.parametrize(("content", "said"), [
    ("{not json", "is not a JSON file"),
    ('{"hello": "world"}', "is not a Kaibiao receipt: it needs “receipt” and “signature”"),
    ("[1, 2]", "is not a Kaibiao receipt"),
    ('{"receipt": "x", "signature": "y"}', "is not a Kaibiao receipt"),
])
def test_a_malformed_file_is_invalid_saying_so(issued, tmp_path, content, said):
    _document, key = issued
    done = run_tool(tmp_path, content, "--public-key", str(key))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("invalid: malformed: ") and said in done.stderr


def test_a_missing_file_or_a_key_that_is_not_ed25519_is_invalid_saying_so(issued, tmp_path):
    document, key = issued
    missing = subprocess.run([sys.executable, "-I", str(TOOL), str(tmp_path / "nowhere.json"), "--public-key", str(key)],
                             capture_output=True, text=True, env={}, timeout=60)
    assert missing.returncode == 1 and "invalid: malformed: cannot read " in missing.stderr
    not_a_key = tmp_path / "not-a-key.pem"
    not_a_key.write_text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    done = run_tool(tmp_path, document, "--public-key", str(not_a_key))
    assert done.returncode == 1 and "is not a PEM public key" in done.stderr


BLOCKED = ("django", "kaibiao", "bidding", "trading", "evaluation", "reporting", "frontend")
WRAPPER = """
import importlib.abc, runpy, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError("the receipt tool must not import " + name)
sys.meta_path.insert(0, Refuse())
sys.argv = [{tool!r}, *sys.argv[1:]]
try:
    runpy.run_path({tool!r}, run_name="__main__")
finally:
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in {blocked!r})
    print("loaded:", loaded, file=sys.stderr)
"""


def test_the_tool_imports_nothing_of_django_or_the_platform(issued, tmp_path):
    # given a Python in which importing Django or the platform fails (the venv has them installed)
    document, key = issued
    receipt = tmp_path / "receipt.json"
    receipt.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    wrapper = WRAPPER.format(blocked=BLOCKED, tool=str(TOOL))
    # when the tool checks a valid and a changed receipt
    ok = subprocess.run([sys.executable, "-I", "-c", wrapper, str(receipt), "--public-key", str(key)],
                        capture_output=True, text=True, env={}, cwd=tmp_path, timeout=60)
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**document, "receipt": {**document["receipt"], "version": 9}}), encoding="utf-8")
    refused = subprocess.run([sys.executable, "-I", "-c", wrapper, str(forged), "--public-key", str(key)],
                             capture_output=True, text=True, env={}, cwd=tmp_path, timeout=60)
    # then it answers as usual, and nothing of Django or the platform was loaded
    assert ok.returncode == 0 and ok.stdout.startswith("valid: submitted "), ok.stderr
    assert refused.returncode == 1 and SIGNATURE in refused.stderr.splitlines()
    assert "loaded: []" in ok.stderr.splitlines() and "loaded: []" in refused.stderr.splitlines()


def test_a_repeated_key_is_refused(issued, tmp_path):
    # "version": 99 before the real one: a naive reader shows 99, the signature covers 1
    document, key = issued
    text = json.dumps(document, ensure_ascii=False)
    assert text.count('"version": 1') == 1
    done = run_tool(tmp_path, text.replace('"version": 1', '"version": 99, "version": 1'), "--public-key", str(key))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("invalid: malformed: ") and "repeats the key 'version' in one object" in done.stderr


def test_a_carried_key_that_is_not_the_signer_is_refused(issued, tmp_path):
    document, key = issued
    swapped = {**document, "public_key": receipts.public_key_pem(Ed25519PrivateKey.generate().public_key())}
    done = run_tool(tmp_path, swapped, "--public-key", str(key))
    assert done.returncode == 1 and done.stdout == ""
    assert "is not the key it names as its signer" in done.stderr and "the receipt is refused" in done.stderr
    unreadable = {**document, "public_key": "not a key"}
    done = run_tool(tmp_path, unreadable, "--public-key", str(key))
    assert done.returncode == 1 and "invalid: key: the public key the receipt carries is not a PEM public key" in done.stderr
