"""The demo's sealed bids: custodian keys, key ceremonies and bids made as the browsers make them, key files.

Everything through bidding.services, so the audit chain records it as it would in use.

DEMO SHORTCUT, NOT HOW THE PLATFORM IS USED. A real custodian generates its key in its own
browser (/custodian/) and the identity never leaves it; the opening key is dealt in the staff's
browser (/work/projects/<pk>/ceremony/) and forgotten there. Here Python plays both browsers:
it deals exactly as ceremony.js does (frontend/js/README.md, the opening-share contract) and
writes each custodian's key file, in the browser's key-file format, to KAIBIAO_DEMO_KEYS_DIR,
so that someone walking through the demo can act as a custodian at the opening.

It also plays the bidders' browsers (the bid page, bid-page.js): each generates its key for the
tender, registers the recipient, seals its opening form and a bid file to the recipients the
server names and uploads them through the upload service, which signs the receipt. The live
tender's bidders' key files are written, in the browser's bidder key-file format, beside the
custodians' ones, so that the walk-through can hand them in at the opening; the past tenders'
bidders hand theirs in at once, in the opening hall (demo/opening.py).
"""

import hashlib
import io
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyshamir
from django.conf import settings
from django.utils import timezone

from bidding import ceremony, draw, services, storage, upload
from bidding.agefile import X25519Identity, encrypt_bytes, generate_identity
from bidding.models import SealedFile
from bidding.opening_form import check_form, default_items
from bidding.opening_keys import SHARE_FORMAT, combine_shares
from trading.errors import RuleViolation
from trading.formats import BEIJING, local_text

# frontend/js/src/keys.js, WORDING.custodian: the browser's custodian key file, line for line.
CUSTODIAN_KEY_TITLE = "# 开标 Kaibiao — 密钥保管人密钥 / key custodian's key"
CUSTODIAN_KEY_WARNING = [
    "# 警告：请妥善保管本文件。各招标项目开标密钥的份额只能用它打开。",
    "# 不要把本文件交给任何人（包括平台工作人员和其他保管人）。",
    "# WARNING: keep this file safe. Your shares of tenders' opening keys open",
    "# only with it. Give it to no one, platform staff and other custodians included.",
]
DEMO_NOTE = [
    "# 演示数据：本文件由 manage.py load_demo 生成，仅供演示。真实的保管人密钥只在保管人自己的浏览器中生成，从不离开。",
    "# DEMO ONLY: written by manage.py load_demo for the walk-through. A real custodian's key is",
    "# generated in its own browser and never leaves it.",
]


# frontend/js/src/keys.js, WORDING.bidder: the browser's bidder key file, line for line.
BIDDER_KEY_TITLE = "# 开标 Kaibiao — 投标人解密密钥 / bidder decryption key"
BIDDER_KEY_WARNING = [
    "# 警告：请妥善保管本文件。丢失本文件，投标人将无法自行解密自己的投标文件。",
    "# 开标前不要把本文件交给任何人（包括平台工作人员）。本密钥只用于这一次招标。",
    "# WARNING: keep this file safe. If you lose it, you (the bidder) cannot",
    "# decrypt your own bid. Give it to no one, platform staff included, before",
    "# the opening. This key is for this one tender only.",
]
BIDDER_DEMO_NOTE = [
    "# 演示数据：本文件由 manage.py load_demo 生成，仅供演示。真实的投标人密钥只在投标人自己的浏览器中生成，从不离开。",
    "# DEMO ONLY: written by manage.py load_demo for the walk-through. A real bidder's key is",
    "# generated in its own browser and never leaves it.",
]


@dataclass
class DemoCustodian:
    user: object
    identity: X25519Identity
    key_file_text: str

    @property
    def filename(self) -> str:
        return f"{self.user.username}.txt"


@dataclass
class DemoBidder:
    """One demo bidder's sealed bid for a lot, with its identity for the tender and its key file."""

    user: object
    lot: object
    identity: X25519Identity
    bid: object = None
    receipt: dict | None = None
    storage_names: list[str] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return bidder_key_filename(self.user.username, self.lot.project.code, self.lot.number)

    @property
    def key_file_text(self) -> str:
        return bidder_key_file_text(self.identity, tender=self.lot.project.code, lot=self.lot.number,
                                    bidder=self.user.organization.name)


def bidder_key_filename(username: str, project_code: str, lot_number: int) -> str:
    return f"{username}-{project_code}-{lot_number}.txt"


def keys_dir() -> Path:
    return Path(settings.KAIBIAO_DEMO_KEYS_DIR)


def custodian_key_file_text(identity: X25519Identity, username: str, created=None) -> str:
    """What the custodian page (custodian-page.js → keys.js keyFileText, role "custodian")
    downloads, without a passphrase, with a demo note among the comments."""
    return _key_file_text(identity, title=CUSTODIAN_KEY_TITLE, tender="custodian", lot=username, bidder=username,
                          notes=[*CUSTODIAN_KEY_WARNING, *DEMO_NOTE], created=created)


def _one_line(value) -> str:
    """keys.js oneLine: a header value never starts a line of its own."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+", " ", str(value if value is not None else "")).strip()


def bidder_key_file_text(identity: X25519Identity, *, tender: str, lot, bidder: str, created=None) -> str:
    """What the bid page (bid-page.js → keys.js keyFileText, role "bidder") downloads, without
    a passphrase, with a demo note among the comments. The opening hall (hall-page.js →
    loadKeyFile) reads its one AGE-SECRET-KEY line, checks it against the "# public key:" line
    and the "# tender:" line against the tender's code."""
    return _key_file_text(identity, title=BIDDER_KEY_TITLE, tender=_one_line(tender), lot=_one_line(lot),
                          bidder=_one_line(bidder), notes=[*BIDDER_KEY_WARNING, *BIDDER_DEMO_NOTE], created=created)


def _key_file_text(identity: X25519Identity, *, title: str, tender: str, lot, bidder: str, notes: list[str],
                   created=None) -> str:
    """keys.js keyFileText, line for line: the title, the header, the notes, the identity."""
    created = f"{local_text(created or timezone.now(), zone=BEIJING)} (北京时间 Beijing time, UTC+8)"
    lines = [title, f"# tender: {tender}", f"# lot: {lot}", f"# bidder: {bidder}", f"# created: {created}",
             f"# public key: {identity.recipient}", "#", *notes, str(identity), ""]
    return "\n".join(lines)


def register_custodian_keys(users) -> list[DemoCustodian]:
    """Each custodian registers a fresh key, as on its /custodian/ page."""
    custodians = []
    for user in users:
        identity = generate_identity()
        ceremony.register_custodian_key(actor=user, recipient=str(identity.recipient))
        custodians.append(DemoCustodian(user, identity, custodian_key_file_text(identity, user.username)))
    return custodians


def write_key_files(holders: list[DemoCustodian | DemoBidder], folder: Path | None = None) -> list[Path]:
    """Write each custodian's or bidder's key file (owner-only), replacing a file left by an
    earlier demo."""
    folder = Path(folder or keys_dir())
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for holder in holders:
        path = folder / holder.filename
        temporary = path.with_name(f".{path.name}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(holder.key_file_text)
        os.replace(temporary, path)
        written.append(path)
    return written


def share_payload(project, custodian_user, share: bytes, *, k: int, n: int, opening_recipient: str) -> bytes:
    """One custodian's share, as ceremony.js writes it (frontend/js/README.md)."""
    return json.dumps({
        "format": SHARE_FORMAT, "tender": project.code, "custodian": str(custodian_user.pk),
        "threshold": k, "shares": n, "openingRecipient": opening_recipient, "share": bytes(share).hex(),
    }).encode("utf-8")


def deal_opening_key(*, staff, project, custodians: list[DemoCustodian], k: int):
    """What the dealing browser does: a fresh opening identity, its 32-byte secret split k-of-n
    (pyshamir: the scheme of shamir-secret-sharing), the first and last k shares checked to
    rebuild it, each share encrypted to its custodian's recipient. The identity is then dropped."""
    identity = generate_identity()
    recipient = str(identity.recipient)
    shares = pyshamir.split(identity.secret_bytes(), len(custodians), k)
    combine_shares(shares[:k], recipient)
    combine_shares(shares[-k:], recipient)
    blobs = {
        c.user.pk: encrypt_bytes(
            share_payload(project, c.user, share, k=k, n=len(custodians), opening_recipient=recipient),
            [c.identity.recipient],
        )
        for c, share in zip(custodians, shares)
    }
    return ceremony.complete_ceremony(actor=staff, project=project, opening_recipient=recipient, shares=blobs)


def prepare_open_tender(*, staff, project, custodians: list[DemoCustodian], k: int = 3, k_range=None, **more_rules):
    """While the tender is a draft: its sealing rules (the category's opening form, K's range
    where given, any other rule in `more_rules`), then its custodians invited and the opening
    key dealt."""
    rules = {"declared_items": default_items(project.category), **more_rules}
    if k_range:
        low, high, step = k_range
        draw.make_range(low, high, step)  # refuse a range the hall could not draw from
        rules.update(k_low=low, k_high=high, k_step=step)
    services.update_rules(actor=staff, project=project, **rules)
    ceremony.invite_custodians(actor=staff, project=project, custodians=[c.user for c in custodians], k=k)
    return deal_opening_key(staff=staff, project=project, custodians=custodians, k=k)


class _StoppedClock:
    """django.utils.timezone as bidding.upload sees it, with now() stopped at one instant."""

    def __init__(self, at):
        self.at = at

    def now(self):
        return self.at

    def __getattr__(self, name):
        return getattr(timezone, name)


@contextmanager
def upload_clock(at):
    """DEMO SHORTCUT: a past tender's bids are uploaded through the upload service on the day
    they came in. The service takes `now=` for the request's checks, but when a bid's last byte
    commits it reads the server clock itself, on purpose (bidding.upload._commit_chunk and
    _complete: the commit's time is the receipt's, whatever time the request arrived; no caller
    may name it). So, for a past bid's upload alone, the clock that module reads is stopped at
    `at`. Nothing else is moved: audit events and the rows' own stamps keep the real time of
    loading. With `at` None (the live tender's bids, made now), nothing changes."""
    if at is None:
        yield
        return
    real = upload.timezone
    upload.timezone = _StoppedClock(at)
    try:
        yield
    finally:
        upload.timezone = real


def submit_sealed_bid(*, user, lot, form: dict, files: dict[str, bytes], identity: X25519Identity | None = None,
                      now=None) -> DemoBidder:
    """What a bidder's browser does on the bid page, before the deadline, on the server clock
    (`now`, in the past for a past tender): its identity for this tender (a fresh one unless it
    already has one for the tender: a replacement is sealed to the same key), its recipient
    registered; the opening form (JSON) and each bid file sealed (age) to the recipients the
    server names; the version declared, then each sealed file sent in one chunk with its SHA-256,
    the opening form first. The last byte brings the signed receipt."""
    problems = check_form(form, services.rules_for(lot.project).declared_items)  # as the bid page checks
    if problems:
        raise RuleViolation(f"{user.organization}: the opening form does not fit the tender: {'; '.join(problems)}")
    demo_bidder = DemoBidder(user=user, lot=lot, identity=identity or generate_identity())
    with upload_clock(now):
        if identity is None:
            upload.register_bidder_key(actor=user, lot=lot, recipient=str(demo_bidder.identity.recipient), now=now)
        recipients = upload.sealing_recipients(actor=user, lot=lot)
        plain = [(SealedFile.Kind.FORM, "opening-form.json.age", json.dumps(form, ensure_ascii=False).encode("utf-8"))]
        plain += [(SealedFile.Kind.FILE, f"{name}.age", data) for name, data in files.items()]
        sealed = {name: (kind, encrypt_bytes(data, recipients)) for kind, name, data in plain}
        bid = upload.start_bid(actor=user, lot=lot, now=now, files=[
            {"kind": kind, "name": name, "size": len(blob)} for name, (kind, blob) in sealed.items()])
        demo_bidder.bid = bid
        by_name = {f.name: f for f in bid.files.all()}
        for name, (_kind, blob) in sealed.items():  # in the declared order: the opening form first
            target = by_name[name]
            demo_bidder.storage_names.append(target.storage_name)
            answer = upload.receive_chunk(actor=user, file_id=target.pk, offset=0, read=io.BytesIO(blob).read,
                                          length=len(blob), checksum=hashlib.sha256(blob).digest(), now=now)
            demo_bidder.receipt = answer["receipt"] or demo_bidder.receipt
    bid.refresh_from_db()
    if demo_bidder.receipt is None:
        raise RuleViolation(f"{user.organization}: the bid did not complete")
    return demo_bidder


def discard_files(storage_names: list[str]) -> None:
    """After a demo that failed to load: its rows are rolled back, its sealed and opened files removed."""
    for name in storage_names:
        storage.remove(name)
