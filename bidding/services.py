"""Sealed bids: the bidder's key, bid versions, the resumable upload, receipts, withdrawal,
bid security and the key ceremony. Every function takes the acting user first, checks
permission and the deadline on the server clock, and writes the audit event.

What nobody may do before the deadline is refused here, whatever the view: read a sealed
file that is not one's own, learn who is bidding, hand in a key or share, ask for decryption.
"""

import hashlib
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.clock import local_text
from trading.choices import LotState, Role
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import Lot, Organization, Project
from trading.services import ensure_bidding_open

from . import receipts, storage
from .agefile import AgeError, check_header_start
from .choices import BidState
from .models import (
    Bid,
    BidderKey,
    BidSecurity,
    CustodianKey,
    CustodianShare,
    KeyCeremony,
    Receipt,
    SealedFile,
    TenderRules,
)

AGE_RECIPIENT_PREFIX = "age1"


# --- shared checks ---------------------------------------------------------------------------


def rules_for(project: Project) -> TenderRules:
    rules, _created = TenderRules.objects.get_or_create(project=project)
    return rules


def _bidder_organization_id(actor) -> int:
    if getattr(actor, "role", None) != Role.BIDDER or actor.organization_id is None:
        raise PermissionDenied(_("Only a registered bidder organization may do this."))
    return actor.organization_id


def _require_bidder(actor) -> Organization:
    _bidder_organization_id(actor)
    return actor.organization


def _require_center_staff(actor, project: Project):
    if getattr(actor, "role", None) != Role.STAFF or actor.center_id != project.center_id:
        raise PermissionDenied(_("Only staff of this tender's trading center may do this."))


def _check_recipient(recipient: str) -> str:
    import pyrage

    recipient = (recipient or "").strip()
    if not recipient.startswith(AGE_RECIPIENT_PREFIX):
        raise RuleViolation(_("This is not an age recipient (it starts with “age1”)."))
    try:
        pyrage.x25519.Recipient.from_str(recipient)
    except Exception as err:  # pyrage raises its own types for every malformed key
        raise RuleViolation(_("This age recipient is malformed: %(err)s") % {"err": err}) from err
    return recipient


def _biddable_lot(lot_id: int, *, lock: bool = False) -> Lot:
    qs = Lot.objects.select_related("project", "project__center")
    if lock:
        qs = qs.select_for_update(of=("self",))
    lot = qs.filter(pk=lot_id).first()
    if lot is None or lot.state == LotState.DRAFT:
        raise NotFound(_("No such lot."))
    return lot


def _fmt(dt) -> str:
    return local_text(dt, ms=True)


# --- key custodians and the ceremony ---------------------------------------------------------


def register_custodian_key(*, actor, recipient: str) -> CustodianKey:
    """A custodian registers its own age recipient (its identity stays in its browser)."""
    if getattr(actor, "role", None) != Role.CUSTODIAN:
        raise PermissionDenied(_("Only a key custodian registers a custodian key."))
    recipient = _check_recipient(recipient)
    with transaction.atomic():
        if CustodianShare.objects.filter(custodian=actor, ceremony__opening_recipient__gt="").exists():
            existing = CustodianKey.objects.filter(user=actor).first()
            if existing and existing.recipient != recipient:
                raise RuleViolation(_("You hold shares encrypted to your current key; it cannot be replaced now."))
        key, _created = CustodianKey.objects.update_or_create(user=actor, defaults={"recipient": recipient})
        audit.record(actor=actor, action="custodian.key_registered", obj=key, data={"recipient": recipient})
    return key


def invite_custodians(*, actor, project: Project, custodians: list, k: int) -> KeyCeremony:
    """Staff name the tender's n key custodians and how many (k) must hand in shares."""
    _require_center_staff(actor, project)
    n = len(custodians)
    if len({c.pk for c in custodians}) != n:
        raise RuleViolation(_("A custodian is named twice."))
    if not 1 <= k <= n:
        raise RuleViolation(_("k must be between 1 and the number of custodians (%(n)d).") % {"n": n})
    if k < 2:
        raise RuleViolation(_("At least two custodians must be needed to open, so no single person can open alone."))
    for custodian in custodians:
        if custodian.role != Role.CUSTODIAN:
            raise RuleViolation(_("%(name)s is not a key custodian.") % {"name": custodian})
        if not CustodianKey.objects.filter(user=custodian).exists():
            raise RuleViolation(_("%(name)s has not registered a custodian key yet.") % {"name": custodian})
    with transaction.atomic():
        existing = KeyCeremony.objects.select_for_update().filter(project=project).first()
        if existing and existing.complete:
            raise RuleViolation(_("The key ceremony of this tender is done; its custodians cannot change."))
        if existing:
            existing.delete()
        ceremony = KeyCeremony.objects.create(project=project, k=k, n=n, invited_by=actor)
        for index, custodian in enumerate(custodians, start=1):
            CustodianShare.objects.create(ceremony=ceremony, custodian=custodian, index=index)
        rules = rules_for(project)
        rules.custodians_k, rules.custodians_n = k, n
        rules.save(update_fields=["custodians_k", "custodians_n"])
        audit.record(actor=actor, action="ceremony.invited", obj=ceremony, project=project,
                     data={"k": k, "n": n, "custodians": [c.username for c in custodians]})
    return ceremony


def ceremony_recipients(*, actor, project: Project) -> list[dict]:
    """What the dealing browser needs: each custodian's index and public recipient."""
    _require_center_staff(actor, project)
    ceremony = KeyCeremony.objects.filter(project=project).first()
    if ceremony is None:
        raise RuleViolation(_("Invite the key custodians first."))
    return [
        {"index": s.index, "custodian": s.custodian_id, "name": str(s.custodian), "recipient": s.custodian.custodian_key.recipient}
        for s in ceremony.shares.select_related("custodian__custodian_key").order_by("index")
    ]


def complete_ceremony(*, actor, project: Project, opening_recipient: str, shares: dict[int, bytes]) -> KeyCeremony:
    """Store what the dealing browser produced: the opening recipient (public) and each share
    as an age file to its custodian. The identity itself never reaches the server."""
    _require_center_staff(actor, project)
    opening_recipient = _check_recipient(opening_recipient)
    with transaction.atomic():
        ceremony = KeyCeremony.objects.select_for_update().filter(project=project).first()
        if ceremony is None:
            raise RuleViolation(_("Invite the key custodians first."))
        if ceremony.complete:
            raise RuleViolation(_("The key ceremony of this tender is already done."))
        rows = {s.custodian_id: s for s in ceremony.shares.all()}
        if set(shares) != set(rows):
            raise RuleViolation(_("Every invited custodian needs exactly one encrypted share."))
        record = []
        for custodian_id, blob in shares.items():
            try:
                check_header_start(blob[:4096])
            except AgeError as err:
                raise RuleViolation(_("The share for custodian %(id)s is not an age file: %(err)s") % {"id": custodian_id, "err": err}) from err
            row = rows[custodian_id]
            row.encrypted_share, row.sha256 = bytes(blob), hashlib.sha256(blob).hexdigest()
            row.save(update_fields=["encrypted_share", "sha256"])
            record.append({"custodian": custodian_id, "index": row.index, "sha256": row.sha256})
        ceremony.opening_recipient, ceremony.dealt_by, ceremony.dealt_at = opening_recipient, actor, timezone.now()
        ceremony.save(update_fields=["opening_recipient", "dealt_by", "dealt_at"])
        audit.record(actor=actor, action="ceremony.completed", obj=ceremony, project=project,
                     data={"opening_recipient": opening_recipient, "k": ceremony.k, "n": ceremony.n, "shares": record})
    return ceremony


def my_encrypted_share(*, actor, project: Project) -> CustodianShare:
    """A custodian fetches its own encrypted share (to open at the opening, in its browser)."""
    share = CustodianShare.objects.filter(ceremony__project=project, custodian=actor).select_related("ceremony").first()
    if share is None or not share.ceremony.complete:
        raise NotFound(_("You hold no share of this tender's opening key."))
    return share


# --- the bidder's key and its bid ------------------------------------------------------------


def register_bidder_key(*, actor, lot: Lot, recipient: str, now=None) -> BidderKey:
    """Register the recipient of the fresh identity the bidder generated for this tender."""
    now = now or timezone.now()
    organization = _require_bidder(actor)
    lot = _biddable_lot(lot.pk)
    ensure_bidding_open(lot.project, now)
    recipient = _check_recipient(recipient)
    with transaction.atomic():
        before = BidderKey.objects.filter(project=lot.project, organization=organization).first()
        key, _created = BidderKey.objects.update_or_create(
            project=lot.project, organization=organization, defaults={"recipient": recipient, "registered_by": actor}
        )
        audit.record(actor=actor, action="bidder_key.registered", obj=key, project=lot.project,
                     data={"recipient": recipient, "replaced": before.recipient if before else None})
    return key


def sealing_recipients(*, actor, lot: Lot) -> list[str]:
    """The recipients a bid for this lot is sealed to: the opening recipient, and the bidder's
    own where the tender asks that bidders decrypt."""
    organization = _require_bidder(actor)
    project = lot.project
    ceremony = KeyCeremony.objects.filter(project=project).first()
    if ceremony is None or not ceremony.complete:
        raise RuleViolation(_("The tender's key ceremony is not done yet: bids cannot be sealed."))
    recipients = [ceremony.opening_recipient]
    if rules_for(project).bidders_decrypt:
        key = BidderKey.objects.filter(project=project, organization=organization).first()
        if key is None:
            raise RuleViolation(_("Generate and save your key for this tender first."))
        recipients.append(key.recipient)
    return recipients


def start_bid(*, actor, lot: Lot, files: list[dict], now=None) -> Bid:
    """Begin a new version: declare its sealed files (one opening form, then the bid files)
    with their sizes. Earlier unfinished versions are discarded."""
    now = now or timezone.now()
    organization = _require_bidder(actor)
    lot = _biddable_lot(lot.pk)
    ensure_bidding_open(lot.project, now)
    _ensure_lot_open(lot)
    rules = rules_for(lot.project)
    sealing_recipients(actor=actor, lot=lot)
    forms = [f for f in files if f.get("kind") == SealedFile.Kind.FORM]
    bid_files = [f for f in files if f.get("kind") == SealedFile.Kind.FILE]
    if len(forms) != 1 or len(forms) + len(bid_files) != len(files):
        raise RuleViolation(_("A bid has exactly one sealed opening form, then its bid files."))
    if not bid_files:
        raise RuleViolation(_("Add at least one bid file."))
    if len(bid_files) > rules.max_files:
        raise RuleViolation(_("At most %(n)d bid files.") % {"n": rules.max_files})
    names = [str(f.get("name", "")).strip() for f in files]
    if any(not n or "/" in n or "\\" in n or len(n) > 200 for n in names) or len(set(names)) != len(names):
        raise RuleViolation(_("Each sealed file needs its own plain name (no folders, at most 200 characters)."))
    for f in files:
        size = f.get("size")
        if not isinstance(size, int) or size <= 0:
            raise RuleViolation(_("“%(name)s”: the size must be a positive number of bytes.") % {"name": f.get("name")})
        if size > rules.max_file_bytes:
            raise RuleViolation(_("“%(name)s” is larger than this tender allows (%(mb)d MiB).")
                                % {"name": f["name"], "mb": rules.max_file_bytes // 2**20})
    with transaction.atomic():
        for stale in Bid.objects.select_for_update().filter(lot=lot, organization=organization, state=BidState.UPLOADING):
            _discard(stale)
        version = (Bid.objects.filter(lot=lot, organization=organization).aggregate(v=Max("version"))["v"] or 0) + 1
        bid = Bid.objects.create(lot=lot, organization=organization, version=version, created_by=actor)
        folder = f"{lot.project.code}/lot{lot.number}/{organization.uscc}/v{version}"
        for f, name in zip(files, names):
            file_id = uuid.uuid4()
            SealedFile.objects.create(id=file_id, bid=bid, kind=f["kind"], name=name, size=f["size"],
                                      storage_name=f"{folder}/{file_id}.age")
        audit.record(actor=actor, action="bid.started", obj=bid, project=lot.project,
                     data={"version": version, "files": [{"kind": f["kind"], "name": n, "size": f["size"]}
                                                         for f, n in zip(files, names)]})
    return bid


def _discard(bid: Bid):
    for f in bid.files.all():
        storage.remove(f.storage_name)
    bid.files.all().delete()
    bid.delete()


def access_sealed_file(actor, file_id) -> SealedFile:
    """A bidder reaches only its own organization's sealed files."""
    organization_id = _bidder_organization_id(actor)  # every chunk asks: no query for the organization
    sealed = SealedFile.objects.select_related("bid", "bid__lot", "bid__lot__project").filter(pk=file_id).first()
    if sealed is None or sealed.bid.organization_id != organization_id:
        raise NotFound(_("No such upload."))
    return sealed


# The running SHA-256 of each upload in this process, so each chunk is hashed once as it
# streams in. A resume that reaches another process rebuilds it from the stored prefix.
_running: dict = {}
_running_lock = threading.Lock()


def _running_hash(sealed: SealedFile):
    with _running_lock:
        entry = _running.pop(sealed.pk, None)
    if entry is not None and entry[0] == sealed.received:
        return entry[1]
    return storage.hash_prefix(sealed.storage_name, sealed.received) if sealed.received else hashlib.sha256()


def receive_chunk(*, actor, file_id, offset: int, read, length: int, checksum: bytes | None = None, now=None) -> dict:
    """Append one chunk of a sealed file at `offset`. `read(n)` yields the request body in
    blocks (constant memory). Returns {"offset": new offset, "receipt": document or None}.
    On the last byte of the last file of the version, the bid completes and the signed
    receipt comes back at once, its time being that of the committing transaction."""
    from django.conf import settings

    now = now or timezone.now()
    sealed = access_sealed_file(actor, file_id)
    bid = sealed.bid
    if bid.state != BidState.UPLOADING:
        raise RuleViolation(_("This version is no longer being uploaded."))
    _refuse_if_closed(bid, sealed, now)
    if offset != sealed.received:
        raise OffsetMismatch(sealed.received)
    if length <= 0 or length > settings.KAIBIAO_UPLOAD_MAX_CHUNK:
        raise RuleViolation(_("A chunk must be between 1 byte and %(mb)d MiB.") % {"mb": settings.KAIBIAO_UPLOAD_MAX_CHUNK // 2**20})
    if offset + length > sealed.size:
        raise RuleViolation(_("This chunk runs past the declared size of “%(name)s” (%(size)d bytes).")
                            % {"name": sealed.name, "size": sealed.size})
    # Hash as the bytes stream in: a copy, so that a refused chunk leaves the running hash as it was.
    candidate = _running_hash(sealed).copy()
    chunk_digest = hashlib.sha256()
    written = 0
    # Each byte is hashed twice (the chunk's digest against Upload-Checksum, the file's for the
    # receipt); hashlib lets go of the GIL, so the two run side by side, the file's on a thread
    # of this chunk's own (a pool shared by the process would be left without its threads in a
    # forked child, as the test server is). bench/bench_upload.py, 32 MiB chunks: 211-241 MB/s
    # with this, 171-174 without.
    # A refusal raised in here abandons the chunk: it leaves nothing behind (locked_for_append).
    with (storage.locked_for_append(sealed.storage_name, offset) as appender,
          ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaibiao-hash") as hashing):
        head = b""
        while written < length:
            block = read(min(READ_AT_MOST, length - written))  # a piece as it came (kaibiao.streaming)
            if not block:
                break
            if offset == 0 and len(head) < 64:
                head += block[: 64 - len(head)]
                if len(head) >= 64 or written + len(block) >= length:
                    _check_age_start(sealed, head)
            beside = hashing.submit(candidate.update, block)  # the file's hash, on a second core
            chunk_digest.update(block)
            appender.write(block)
            beside.result()
            written += len(block)
        if written != length:
            raise RuleViolation(_("The chunk was cut short: %(got)d of %(want)d bytes arrived. Send it again.")
                                % {"got": written, "want": length})
        if checksum is not None and chunk_digest.digest() != checksum:
            raise ChecksumMismatch(_("The chunk's SHA-256 does not match what was sent: it was damaged on the way. Send it again."))
        appender.commit()
    return _commit_chunk(actor=actor, sealed=sealed, offset=offset, length=length, running=candidate)


READ_AT_MOST = 4 * 1024 * 1024  # a chunk's body is read in pieces of at most this


def _check_age_start(sealed: SealedFile, head: bytes):
    try:
        check_header_start(head)
    except AgeError as err:
        raise NotAgeFile(_("“%(name)s” is not a sealed (age) file, so it is refused: %(err)s Seal it first.")
                         % {"name": sealed.name, "err": err}) from err


def _refuse_if_closed(bid: Bid, sealed: SealedFile | None, now):
    project = bid.lot.project
    try:
        ensure_bidding_open(project, now, lot=bid.lot)
    except RuleViolation as err:
        counting = Bid.objects.filter(lot=bid.lot, organization=bid.organization, state=BidState.COMPLETE).first()
        tail = (_("Your version %(v)d, received %(at)s, counts.") % {"v": counting.version, "at": _fmt(counting.completed_at)}
                if counting else _("You have no complete bid for this lot."))
        progress = (_("The upload of “%(name)s” was not complete (%(got)d of %(size)d bytes).")
                    % {"name": sealed.name, "got": sealed.received, "size": sealed.size}) if sealed else ""
        raise DeadlinePassed(" ".join(str(part) for part in (err.message, progress, tail) if part)) from err
    _ensure_lot_open(bid.lot)


def _ensure_lot_open(lot: Lot):
    """The tender is open (checked before), but this lot may not be: cancelled, failed."""
    if lot.state != LotState.PUBLISHED:
        raise RuleViolation(_("This lot is not open for bidding."))


def _commit_chunk(*, actor, sealed: SealedFile, offset: int, length: int, running) -> dict:
    if offset + length < sealed.size:
        # Not the file's last chunk: one conditional update moves the resume point, and loses
        # to any other request that moved it first. Nothing else changes (the bid completes, and
        # the deadline is checked against the closing job, only with a file's last byte).
        if not SealedFile.objects.filter(pk=sealed.pk, received=offset).update(received=offset + length):
            current = SealedFile.objects.filter(pk=sealed.pk).values_list("received", flat=True).first()
            if current is None:  # a newer version discarded this one meanwhile
                raise NotFound(_("No such upload."))
            raise OffsetMismatch(current)
        with _running_lock:
            _running[sealed.pk] = (offset + length, running)
        return {"offset": offset + length, "receipt": None}
    with transaction.atomic():
        lot = Lot.objects.select_for_update(of=("self",)).select_related("project").get(pk=sealed.bid.lot_id)
        current = SealedFile.objects.select_for_update().select_related("bid").get(pk=sealed.pk)
        if current.received != offset:  # another request for the same file won the race
            raise OffsetMismatch(current.received)
        current.received = offset + length  # the file's size: its last byte is in
        current.sha256, current.completed_at = running.hexdigest(), timezone.now()
        current.save(update_fields=["received", "sha256", "completed_at"])
        receipt = None
        bid = current.bid
        bid.lot = lot
        if not bid.files.filter(completed_at__isnull=True).exists():
            receipt = _complete(actor=actor, bid=bid)
    return {"offset": current.received, "receipt": receipt}


def _complete(*, actor, bid: Bid) -> dict:
    """The last byte is in: inside the committing transaction, with the lot locked against the
    closing job, check the deadline on the server clock and make this the counting version."""
    now = timezone.now()
    _refuse_if_closed(bid, None, now)
    Bid.objects.filter(lot=bid.lot, organization=bid.organization, state=BidState.COMPLETE).update(
        state=BidState.SUPERSEDED
    )
    bid.state, bid.completed_at = BidState.COMPLETE, now
    bid.save(update_fields=["state", "completed_at"])
    document, body = _issue_receipt(bid, action="submitted", at=now)
    audit.record(actor=actor, action="bid.completed", obj=bid, project=bid.lot.project,
                 data={"version": bid.version, "receipt_id": body["receipt_id"],
                       "files": body["files"], "at": body["server_time"]})
    return document


def _issue_receipt(bid: Bid, *, action: str, at):
    body = _receipt_body(bid, action=action, at=at)
    document = receipts.sign(body, receipts.signing_key())
    Receipt.objects.create(id=body["receipt_id"], bid=bid, action=action, issued_at=at,
                           body=receipts.canonical(document["receipt"]).decode(), signature=document["signature"])
    return document, body


def _receipt_body(bid: Bid, *, action: str, at) -> dict:
    return {
        "receipt_id": str(uuid.uuid4()),
        "action": action,
        "project": bid.lot.project.code,
        "lot": bid.lot.number,
        "lot_name": bid.lot.name,
        "bidder": {"name": bid.organization.name, "uscc": bid.organization.uscc},
        "version": bid.version,
        "server_time": at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "files": [{"kind": f.kind, "name": f.name, "size": f.size, "sha256": f.sha256}
                  for f in bid.files.order_by("kind", "name")],
    }


def withdraw_bid(*, actor, lot: Lot, now=None) -> dict:
    """Withdraw the counting version before the deadline; the withdrawal has its own receipt."""
    now = now or timezone.now()
    organization = _require_bidder(actor)
    with transaction.atomic():
        lot = _biddable_lot(lot.pk, lock=True)
        ensure_bidding_open(lot.project, now)
        bid = Bid.objects.select_for_update().filter(lot=lot, organization=organization, state=BidState.COMPLETE).first()
        if bid is None:
            raise RuleViolation(_("You have no complete bid for this lot to withdraw."))
        at = timezone.now()
        bid.state, bid.withdrawn_at = BidState.WITHDRAWN, at
        bid.save(update_fields=["state", "withdrawn_at"])
        document, body = _issue_receipt(bid, action="withdrawn", at=at)
        audit.record(actor=actor, action="bid.withdrawn", obj=bid, project=lot.project,
                     data={"version": bid.version, "receipt_id": body["receipt_id"], "at": body["server_time"]})
    return document


def my_bids(*, actor, lot: Lot) -> list[Bid]:
    """A bidder's own versions for a lot, newest first: the only bid list anyone sees before
    the opening (招标投标法 第22条)."""
    organization = _require_bidder(actor)
    return list(Bid.objects.filter(lot=lot, organization=organization).prefetch_related("files").order_by("-version"))


def receipt_document(*, actor, receipt_id) -> dict:
    """A bidder downloads one of its own receipts again, exactly as issued."""
    organization = _require_bidder(actor)
    receipt = Receipt.objects.filter(pk=receipt_id, bid__organization=organization).first()
    if receipt is None:
        raise NotFound(_("No such receipt."))
    return {"receipt": json.loads(receipt.body), "signature": receipt.signature,
            "public_key": receipts.public_key_pem(receipts.platform_public_key())}


def open_sealed_file(*, actor, file_id, now=None):
    """The ciphertext of a sealed file, as an open binary file. Before the deadline only its own
    bidder gets it; after the deadline the tender's center staff too (for the opening and the
    archive). Everyone else, always: not found."""
    now = now or timezone.now()
    sealed = SealedFile.objects.select_related("bid__lot__project").filter(pk=file_id, completed_at__isnull=False).first()
    if sealed is None:
        raise NotFound(_("No such sealed file."))
    project = sealed.bid.lot.project
    own = getattr(actor, "role", None) == Role.BIDDER and actor.organization_id == sealed.bid.organization_id
    staff_after = (getattr(actor, "role", None) == Role.STAFF and actor.center_id == project.center_id
                   and project.bid_deadline is not None and now >= project.bid_deadline)
    if not (own or staff_after):
        if getattr(actor, "role", None) in (Role.STAFF, Role.SUPERVISOR) and (project.bid_deadline is None or now < project.bid_deadline):
            audit.record(actor=actor, action="sealed_file.read_refused", obj=sealed, project=project,
                         data={"reason": "before the deadline"})
        raise NotFound(_("No such sealed file."))
    return sealed, open(storage.path_of(sealed.storage_name), "rb")


# --- bid security ----------------------------------------------------------------------------


def record_bid_security(*, actor, lot: Lot, organization: Organization, amount, method: str, reference: str) -> BidSecurity:
    _require_center_staff(actor, lot.project)
    if amount <= 0:
        raise RuleViolation(_("The amount must be positive."))
    if amount < lot.bid_security:
        raise RuleViolation(_("The tender asks for %(need)s yuan of bid security; %(got)s is less.")
                            % {"need": f"{lot.bid_security:,.2f}", "got": f"{amount:,.2f}"})
    if method not in BidSecurity.Method.values or not reference.strip():
        raise RuleViolation(_("Say how it was paid and give its reference."))
    with transaction.atomic():
        security, _created = BidSecurity.objects.update_or_create(
            lot=lot, organization=organization,
            defaults={"amount": amount, "method": method, "reference": reference.strip(), "recorded_by": actor},
        )
        audit.record(actor=actor, action="bid_security.recorded", obj=security, project=lot.project,
                     data={"lot": lot.number, "organization": organization.uscc, "amount": amount, "method": method,
                           "reference": reference.strip()})
    return security


# --- errors the upload protocol maps to its status codes -------------------------------------


class OffsetMismatch(RuleViolation):
    def __init__(self, expected: int):
        super().__init__(_("This chunk starts at the wrong place: the server has %(n)d bytes; resume from there.") % {"n": expected})
        self.expected = expected


class ChecksumMismatch(RuleViolation):
    pass


class NotAgeFile(RuleViolation):
    pass


class DeadlinePassed(RuleViolation):
    pass


def verify_receipt_document(document: dict, *, public_key=None, compare: bool = True) -> receipts.Verdict:
    """Check a receipt against the platform's key (or `public_key`) and, when this installation
    issued it and `compare`, name every field that differs from what it kept. Anyone may ask."""
    if not compare:
        return receipts.verify(document, public_key or receipts.platform_public_key())
    body = document.get("receipt") if isinstance(document, dict) else None
    try:
        kept = Receipt.objects.filter(pk=uuid.UUID(str(body.get("receipt_id")))).first()
    except (AttributeError, ValueError):
        kept = None
    stored = json.loads(kept.body) if kept is not None else None
    verdict = receipts.verify(document, public_key or receipts.platform_public_key(), stored=stored)
    if stored is None and isinstance(body, dict) and "signature" in document:
        # Nothing to compare with: a changed receipt_id is the field to name.
        verdict.problems.append(f"receipt_id {body.get('receipt_id')!r} is not a receipt this platform issued")
        verdict.valid = False
    return verdict


def update_rules(*, actor, project: Project, **values) -> TenderRules:
    """Staff set the tender's sealed-bid rules while it is a draft (they are part of the
    tender documents once published)."""
    from .opening_form import check_items

    _require_center_staff(actor, project)
    if project.lots.exclude(state=LotState.DRAFT).exists():
        raise RuleViolation(_("The tender is published: its sealing rules cannot change."))
    from .opening_form import default_items

    problems = check_items(values.get("declared_items") or rules_for(project).declared_items
                           or default_items(project.category))
    if problems:
        raise RuleViolation("; ".join(problems))
    with transaction.atomic():
        rules = rules_for(project)
        for key, value in values.items():
            setattr(rules, key, value)
        rules.full_clean()
        rules.save()
        audit.record(actor=actor, action="bid_rules.updated", obj=rules, project=project, data=values)
    return rules
