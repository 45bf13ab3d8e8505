"""Signed receipts (投标回执): canonical JSON signed with the platform's Ed25519 key.

Signed receipts (投标回执): canonical JSON signed with the platform's Ed25519 key, so a
bidder can prove offline what it handed in and when. No Django import below `signing_key`."""

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

RECEIPT_TYPE = "kaibiao.bid-receipt/v1"


def canonical(body: dict) -> bytes:
    """The exact bytes signed: keys sorted, no spaces, UTF-8."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


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


@dataclass
class Verdict:
    valid: bool
    problems: list[str]

    def __str__(self):
        return "valid" if self.valid else "; ".join(self.problems)


def verify(document: dict, public_key: Ed25519PublicKey, stored: dict | None = None) -> Verdict:
    """Check a receipt against the platform's public key (never the key the document carries,
    which a forger would replace). With `stored` (the body the platform kept), name every field
    that differs from it."""
    problems = []
    body = document.get("receipt") if isinstance(document, dict) else None
    if not isinstance(body, dict) or "signature" not in document:
        return Verdict(False, ["not a Kaibiao receipt: it needs “receipt” and “signature”"])
    if body.get("type") != RECEIPT_TYPE:
        problems.append(f"type is {body.get('type')!r}, expected {RECEIPT_TYPE!r}")
    if body.get("key_id") != key_id(public_key):
        problems.append(f"signed by key {body.get('key_id')!r}, not the platform's key {key_id(public_key)!r}")
    try:
        public_key.verify(base64.b64decode(document["signature"], validate=True), canonical(body))
    except (InvalidSignature, ValueError, TypeError):
        problems.append("the signature does not match the receipt's content: a field was changed after signing")
    if stored is not None:
        problems.extend(_differences(stored, body))
    return Verdict(not problems, problems)


def _differences(expected, actual, path="") -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}.{key}" if path else key
            if key not in actual:
                out.append(f"{where} is missing")
            elif key not in expected:
                out.append(f"{where} was added")
            else:
                out.extend(_differences(expected[key], actual[key], where))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{path} lists {len(actual)} entries; the platform's record has {len(expected)}"]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out.extend(_differences(e, a, f"{path}[{i}]"))
        return out
    if expected != actual:
        return [f"{path} says {actual!r}; the platform's record says {expected!r}"]
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
