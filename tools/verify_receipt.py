#!/usr/bin/env python3
"""Verify a Kaibiao bid receipt offline, with the platform's published public key.

    python3 verify_receipt.py receipt.json --public-key kaibiao-receipts.pem
    python3 verify_receipt.py receipt.json --public-key "-----BEGIN PUBLIC KEY-----..."

Plain Python 3 and the `cryptography` package (pip install cryptography), nothing of Kaibiao:
this file re-implements the check of bidding/receipts.py on purpose, so that a bidder can check
its receipt without installing or trusting the platform. A receipt is {"receipt": body,
"signature": base64, "public_key": PEM}; the signature is Ed25519 over the body as canonical
JSON (keys sorted, no spaces, UTF-8), and the body names its signer as key_id, the first 16 hex
digits of SHA-256 over the raw 32-byte public key.

The key to check against is the one the platform publishes (the portal's /receipts/public-key/),
never the one the receipt carries, which a forger would replace along with the signature.
Without --public-key the carried key is used and the tool says so: compare the key id it prints
with the platform's. The body's key_id must name the key checked against, and the key the receipt
carries must be that same key. A file that repeats a key in one JSON object is refused: a reader
could show one value while the signature covers the other.

The tool checks the signature alone: whether the version still counts (or a later version
superseded it, or it was withdrawn) only the platform's records tell, on its /receipts/verify/
page; a valid receipt says so. Exit status 0 if the receipt is valid; 1, naming each check that
failed, if it is not or the files cannot be read."""

import argparse
import base64
import binascii
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

RECEIPT_TYPE = "kaibiao.bid-receipt/v1"


class Malformed(Exception):
    pass


def canonical(body):
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def key_id(public_key):
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def refuse_duplicates(pairs):
    out = {}
    for key, value in pairs:
        if key in out:
            raise Malformed(f"it repeats the key {key!r} in one object: a reader could show one value while "
                            f"the signature covers the other")
        out[key] = value
    return out


def load_public_key(pem, where):
    try:
        key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise Malformed(f"{where} is not a PEM public key ({e})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Malformed(f"{where} is not an Ed25519 public key")
    return key


def read_public_key(argument):
    if argument.lstrip().startswith("-----BEGIN"):
        return load_public_key(argument, "the --public-key text")
    try:
        with open(argument, "rb") as f:
            return load_public_key(f.read(), argument)
    except OSError as e:
        raise Malformed(f"cannot read the public key {argument}: {e.strerror}") from None


def read_receipt(path):
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f, object_pairs_hook=refuse_duplicates)
    except OSError as e:
        raise Malformed(f"cannot read {path}: {e.strerror}") from None
    except Malformed as e:
        raise Malformed(f"{path}: {e}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise Malformed(f"{path} is not a JSON file ({e})") from None
    if not (isinstance(document, dict) and isinstance(document.get("receipt"), dict) and "signature" in document):
        raise Malformed(f"{path} is not a Kaibiao receipt: it needs “receipt” and “signature”")
    return document


def problems(document, public_key):
    """Each check that fails, as 'check: what is wrong'; none for a valid receipt."""
    body, found = document["receipt"], []
    if body.get("type") != RECEIPT_TYPE:
        found.append(f"type: the receipt says {body.get('type')!r}, expected {RECEIPT_TYPE!r}")
    if body.get("key_id") != key_id(public_key):
        found.append(f"key: signed by key {body.get('key_id')!r}, not the platform's key {key_id(public_key)!r}")
    if "public_key" in document:
        try:
            carried = load_public_key(document["public_key"], "the public key the receipt carries")
        except Malformed as e:
            found.append(f"key: {e}")
        else:
            if key_id(carried) != body.get("key_id"):
                found.append(f"key: the public key the receipt carries (key id {key_id(carried)}) is not the key "
                             f"it names as its signer ({body.get('key_id')!r}): the receipt is refused")
    try:
        public_key.verify(base64.b64decode(document["signature"], validate=True), canonical(body))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        found.append("signature: the signature does not match the receipt's content: a field was changed after signing")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description="Verify a Kaibiao bid receipt offline.")
    parser.add_argument("receipt", help="the receipt JSON file the bidder downloaded")
    parser.add_argument("--public-key", metavar="FILE_OR_PEM",
                        help="the platform's public key: a PEM file, or the PEM text itself")
    args = parser.parse_args(argv)
    try:
        document = read_receipt(args.receipt)
        if args.public_key:
            public_key, carried = read_public_key(args.public_key), False
        else:
            public_key, carried = load_public_key(document.get("public_key") or "", "the receipt's public_key"), True
    except Malformed as e:
        print(f"invalid: malformed: {e}", file=sys.stderr)
        return 1
    found = problems(document, public_key)
    if found:
        for problem in found:
            print(f"invalid: {problem}", file=sys.stderr)
        return 1
    body = document["receipt"]
    bidder = body.get("bidder") if isinstance(body.get("bidder"), dict) else {}
    print(f"valid: {body.get('action')} {body.get('project')} lot {body.get('lot')} version {body.get('version')} "
          f"by {bidder.get('name')} at {body.get('server_time')}")
    print("note: only the signature was checked: whether this version still counts (a later version may have "
          "superseded it, or it was withdrawn) only the platform's records tell: check the receipt on the "
          "platform's /receipts/verify/ page", file=sys.stderr)
    if carried:
        print(f"note: checked against the key the receipt carries (key id {key_id(public_key)}), which a forger "
              f"could replace: compare it with the platform's published key, or pass --public-key", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
