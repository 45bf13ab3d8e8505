"""What a committee member signs on the evaluation report, and how anyone checks the signatures offline.

No Django import: `manage.py verify_report` and anyone with the standard `cryptography` package
check a report with this module alone.

What is signed (docs in evaluation/room/report.py too): the ASCII bytes

    kaibiao/evaluation-report v1:<the report PDF's SHA-256, 64 lowercase hex digits>

(93 bytes, no newline), with Ed25519 (RFC 8032, pure Ed25519, no pre-hash), the signature's 64
bytes in base64. The prefix keeps a report signature from meaning anything elsewhere. A member's
public key is the raw 32 bytes of their Ed25519 key in base64 (evaluation.models.ExpertKey); the
browser proves it holds the private key when it registers one by signing
`kaibiao/expert-key v1:<username>`.

The signatures file (`signatures.json`, downloaded beside the PDF) is
    {"signatures": BODY, "platform_signature": base64, "platform_public_key": PEM}
BODY = {"format": SIGNATURES_FORMAT, "lot", "lot_name", "report_sha256", "signed_message",
        "report_made_at", "final", "final_at", "issued_at", "key_id",
        "members": [{"name", "pick", "leader", "answer": "signed"|"refused"|"pending",
                     "public_key", "signature", "refusal", "at"}]}
The platform signs BODY (bidding.receipts.canonical: sorted keys, no spaces, UTF-8) with its
receipt key, so the public keys listed are shown to be the ones the platform had registered."""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from bidding.receipts import canonical, key_id, load_public_key, parse

MESSAGE_PREFIX = "kaibiao/evaluation-report v1:"
KEY_PROOF_PREFIX = "kaibiao/expert-key v1:"
SIGNATURES_FORMAT = "kaibiao/report-signatures v1"
ANSWERS = ("signed", "refused", "pending")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def report_message(sha256_hex: str) -> bytes:
    """The exact bytes a member signs for the report whose PDF has this SHA-256."""
    if not isinstance(sha256_hex, str) or not _HEX64.fullmatch(sha256_hex):
        raise ValueError("a report's SHA-256 is 64 lowercase hex digits")
    return (MESSAGE_PREFIX + sha256_hex).encode("ascii")


def key_proof_message(username: str) -> bytes:
    return (KEY_PROOF_PREFIX + username).encode("utf-8")


def _b64(text, size: int | None = None) -> bytes | None:
    if not isinstance(text, str):
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if size is None or len(raw) == size else None


def public_key(text) -> Ed25519PublicKey | None:
    """A registered public key (base64 of the raw 32 bytes) as a key; None if it is not one."""
    raw = _b64(text, 32)
    if raw is None:
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        return None


def verify(public_key_b64, signature_b64, message: bytes) -> bool:
    """True when `signature_b64` is the Ed25519 signature of `message` under the key."""
    key, signature = public_key(public_key_b64), _b64(signature_b64, 64)
    if key is None or signature is None:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def seal(body: dict, private_key) -> dict:
    """The signatures file: BODY signed with the platform's key (an Ed25519PrivateKey)."""
    from bidding.receipts import public_key_pem

    body = {**body, "format": SIGNATURES_FORMAT, "key_id": key_id(private_key.public_key())}
    return {"signatures": body,
            "platform_signature": base64.b64encode(private_key.sign(canonical(body))).decode(),
            "platform_public_key": public_key_pem(private_key.public_key())}


@dataclass
class Verdict:
    """What check_file found: problems (a valid file has none) and what it read, line by line."""

    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    final: bool = False

    @property
    def valid(self) -> bool:
        return not self.problems


def check_file(pdf: bytes, text, platform_key: Ed25519PublicKey | None) -> Verdict:
    """Check a signatures file against the report PDF and, when given, the platform's public
    key (never the key the file carries, which a forger would replace). Valid: the PDF is the
    one signed, every signature verifies under the key listed beside it, the platform signed
    the list, and every member has signed or refused (the report is final)."""
    out = Verdict()
    try:
        document = parse(text)
    except ValueError as err:
        out.problems.append(f"the signatures file is not valid JSON: {err}")
        return out
    body = document.get("signatures") if isinstance(document, dict) else None
    if not isinstance(body, dict) or body.get("format") != SIGNATURES_FORMAT:
        out.problems.append(f"not a Kaibiao signatures file (its format is not {SIGNATURES_FORMAT!r})")
        return out
    digest = hashlib.sha256(pdf).hexdigest()
    out.lines.append(f"report {body.get('lot')}: PDF SHA-256 {digest}")
    if body.get("report_sha256") != digest:
        out.problems.append(f"the PDF is not the report signed: its SHA-256 is {digest}, "
                            f"the signatures are over {body.get('report_sha256')}")
    try:
        message = report_message(str(body.get("report_sha256")))
    except ValueError:
        out.problems.append("the file's report_sha256 is not a SHA-256")
        return out
    if body.get("signed_message") != message.decode():
        out.problems.append("the file's signed_message is not the message this format signs")
    _check_platform(document, body, platform_key, out)
    members = body.get("members")
    if not isinstance(members, list) or not members:
        out.problems.append("the file lists no committee member")
        return out
    pending = []
    for index, m in enumerate(members, start=1):
        who = f"{m.get('name')} (pick {m.get('pick')})" if isinstance(m, dict) else f"member {index}"
        answer = m.get("answer") if isinstance(m, dict) else None
        if answer == "signed":
            if verify(m.get("public_key"), m.get("signature"), message):
                out.lines.append(f"signed: {who}, key {m.get('public_key')}")
            else:
                out.problems.append(f"{who}: the signature does not verify under the key listed")
        elif answer == "refused" and str(m.get("refusal") or "").strip():
            out.lines.append(f"refused: {who}: {m.get('refusal')}")
        elif answer == "pending":
            pending.append(who)
        else:
            out.problems.append(f"{who}: neither a signature nor a refusal with reasons")
    if pending:
        out.problems.append("not final: no answer yet from " + ", ".join(pending))
    out.final = not pending and bool(body.get("final"))
    return out


def _check_platform(document, body, platform_key, out: Verdict) -> None:
    if platform_key is None:
        out.lines.append("the platform's signature on the list is not checked (no platform key given)")
        return
    carried = load_public_key(document.get("platform_public_key") or "")
    if body.get("key_id") != key_id(platform_key) or (carried is not None and key_id(carried) != key_id(platform_key)):
        out.problems.append("the list was signed by another key than the platform's")
        return
    signature = _b64(document.get("platform_signature"), 64)
    try:
        if signature is None:
            raise InvalidSignature
        platform_key.verify(signature, canonical(body))
    except InvalidSignature:
        out.problems.append("the platform's signature does not cover this list (a name, key or answer was changed)")
        return
    out.lines.append(f"the platform signed this list (key {key_id(platform_key)})")
