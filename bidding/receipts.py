"""Signed receipts (投标回执): canonical JSON signed with the platform's Ed25519 key.

A bidder proves with one, offline, what it handed in and when. A receipt file is read by `parse`
alone (a key repeated in any object is refused) and checked by `verify`: the body's key_id, the
verifier's key and the key the document carries must be one key. No Django import below `signing_key`."""

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

RECEIPT_TYPE = "kaibiao.bid-receipt/v1"


def canonical(body: dict) -> bytes:
    """The exact bytes signed: keys sorted, no spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def content_digest(body: dict) -> str:
    """SHA-256 of exactly the bytes signed, hex: what a printed receipt's QR code carries."""
    return hashlib.sha256(canonical(body)).hexdigest()


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign(body: dict, private_key: Ed25519PrivateKey) -> dict:
    """The document a bidder downloads: the receipt body, its signature, the signer's key."""
    public = private_key.public_key()
    body = {**body, "type": RECEIPT_TYPE, "key_id": key_id(public)}
    return {
        "receipt": body,
        "signature": base64.b64encode(private_key.sign(canonical(body))).decode(),
        "public_key": public_key_pem(public),
    }


class DuplicateKey(ValueError):
    """A JSON object names one key twice: a reader may show one value while the signature covers the other."""

    def __init__(self, key: str):
        super().__init__(f"the key {key!r} appears twice in one object")
        self.key = key


def _refuse_duplicates(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise DuplicateKey(key)
        out[key] = value
    return out


def parse(text: str | bytes):
    """A receipt file as JSON, refusing a key repeated in any object (DuplicateKey) and any other
    malformed JSON (ValueError): the one reader for every check of a receipt."""
    return json.loads(text, object_pairs_hook=_refuse_duplicates)


# What can be wrong with a document, without the platform's records: each a code, in this order.
NOT_A_RECEIPT = "not_a_receipt"  # no "receipt" object or no "signature"
WRONG_TYPE = "type"  # the body's type is not RECEIPT_TYPE
OTHER_KEY = "other_key"  # the body's key_id is not the verifier's key
CARRIED_KEY_UNREADABLE = "carried_key_unreadable"  # the document's public_key is no Ed25519 PEM
CARRIED_KEY_OTHER = "carried_key_other"  # the document's public_key is not the key its key_id names
BAD_SIGNATURE = "signature"  # the signature does not cover this body under the verifier's key

_ENGLISH = {
    NOT_A_RECEIPT: "not a Kaibiao receipt: it needs “receipt” and “signature”",
    WRONG_TYPE: f"the receipt's type is not {RECEIPT_TYPE!r}",
    OTHER_KEY: "signed by another key than the platform's",
    CARRIED_KEY_UNREADABLE: "the public key the receipt carries is not an Ed25519 public key",
    CARRIED_KEY_OTHER: "the public key the receipt carries is not the key it names as its signer",
    BAD_SIGNATURE: "the signature does not match the receipt's content",
}


@dataclass
class Check:
    """What `verify` found: the problem codes, in order; none for a valid receipt."""

    problems: list[str]

    @property
    def valid(self) -> bool:
        return not self.problems

    def __str__(self):
        return "valid" if self.valid else "; ".join(_ENGLISH[p] for p in self.problems)


def verify(document, public_key: Ed25519PublicKey) -> Check:
    """Check a receipt against the platform's public key (never the key the document carries,
    which a forger would replace). The body's key_id must be that key's id, and the key the
    document carries, when it carries one, must be that same key."""
    body = document.get("receipt") if isinstance(document, dict) else None
    if not isinstance(body, dict) or "signature" not in document:
        return Check([NOT_A_RECEIPT])
    problems = []
    if body.get("type") != RECEIPT_TYPE:
        problems.append(WRONG_TYPE)
    if body.get("key_id") != key_id(public_key):
        problems.append(OTHER_KEY)
    if "public_key" in document:
        carried = load_public_key(document["public_key"])
        if carried is None:
            problems.append(CARRIED_KEY_UNREADABLE)
        elif key_id(carried) != body.get("key_id"):
            problems.append(CARRIED_KEY_OTHER)
    try:
        public_key.verify(base64.b64decode(document["signature"], validate=True), canonical(body))
    except (InvalidSignature, ValueError, TypeError):
        problems.append(BAD_SIGNATURE)
    return Check(problems)


def load_public_key(pem) -> Ed25519PublicKey | None:
    """A PEM text as an Ed25519 public key; None if it is not one."""
    try:
        key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


# How a copy differs from the body the platform kept: (path, how), path as a tuple of keys and
# list positions, how one of these. Paths only, never values: the values are the platform's.
CHANGED, MISSING, ADDED, COUNT = "changed", "missing", "added", "count"


def differences(expected, actual, path=()) -> list[tuple[tuple, str]]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(((*path, key), MISSING))
            elif key not in expected:
                out.append(((*path, key), ADDED))
            else:
                out.extend(differences(expected[key], actual[key], (*path, key)))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [(path, COUNT)]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out.extend(differences(e, a, (*path, i)))
        return out
    if expected != actual or type(expected) is not type(actual):
        return [(path, CHANGED)]
    return []


def load_or_create_private_key(path: Path, *, create: bool) -> Ed25519PrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    if not create:
        raise FileNotFoundError(f"the receipt signing key {path} does not exist")
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return key


def signing_key() -> Ed25519PrivateKey:
    """The platform's key: KAIBIAO_RECEIPT_KEY_FILE. Created on first use in development; in
    production it must be provisioned (and backed up: old receipts verify only against it)."""
    from django.conf import settings

    return load_or_create_private_key(Path(settings.KAIBIAO_RECEIPT_KEY_FILE), create=not settings.PRODUCTION)


def platform_public_key() -> Ed25519PublicKey:
    return signing_key().public_key()
