"""A bid's upload: the bidder's key, bid versions, resumable chunks, receipts, and withdrawal."""

# What nobody may do before the deadline is refused in the services, whatever the view: read a
# sealed file that is not one's own, learn who is bidding (bid_access.py), hand in a key or
# share, ask for decryption (opening_keys.py). Here: a bid counts only if its last byte was
# committed before the deadline, on the server clock.

import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.choices import LotState
from trading.formats import zoned_text
from trading.errors import NotFound, RuleViolation
from trading.models import Lot
from trading.services import ensure_bidding_open

from . import receipts, storage
from .choices import BidState
from .models import Bid, BidderKey, KeyCeremony, Receipt, SealedFile
from .rules import check
from .services import biddable_lot, check_recipient, sealing_rules
from .upload_checks import NotAgeFile, NotWholeAgeFile, WholeFileCheck, declared_sha256


def _fmt(dt) -> str:
    return zoned_text(dt, "ms")


# --- the bidder's key and its bid ------------------------------------------------------------


def register_bidder_key(*, actor, lot: Lot, recipient: str, now=None) -> BidderKey:
    """Register the recipient of the fresh identity the bidder generated for this tender."""
    now = now or timezone.now()
    check(actor, "bidding.seal_bid", lot)
    organization = actor.organization
    lot = biddable_lot(lot.pk)
    ensure_bidding_open(lot.project, now)
    recipient = check_recipient(recipient)
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
    check(actor, "bidding.seal_bid", lot)
    organization = actor.organization
    project = lot.project
    ceremony = KeyCeremony.objects.filter(project=project).first()
    if ceremony is None or not ceremony.complete:
        raise RuleViolation(_("The tender's key ceremony is not done yet: bids cannot be sealed."))
    recipients = [ceremony.opening_recipient]
    if sealing_rules(project).bidders_decrypt:
        key = BidderKey.objects.filter(project=project, organization=organization).first()
        if key is None:
            raise RuleViolation(_("Generate and save your key for this tender first."))
        recipients.append(key.recipient)
    return recipients


def start_bid(*, actor, lot: Lot, files: list[dict], now=None) -> Bid:
    """Begin a new version: declare its sealed files (one opening form, then the bid files)
    with their sizes and, where the sealer knows it already, each one's SHA-256. Earlier
    unfinished versions are discarded."""
    now = now or timezone.now()
    check(actor, "bidding.seal_bid", lot)
    organization = actor.organization
    lot = biddable_lot(lot.pk)
    ensure_bidding_open(lot.project, now)
    _ensure_lot_open(lot)
    rules = sealing_rules(lot.project)
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
    try:
        digests = [declared_sha256(f.get("sha256")) for f in files]
    except ValueError as err:
        raise RuleViolation(_("A declared sha256 is the file's SHA-256 as 64 hexadecimal digits.")) from err
    with transaction.atomic():
        for stale in Bid.objects.select_for_update().filter(lot=lot, organization=organization, state=BidState.UPLOADING):
            _discard(stale)
        version = (Bid.objects.filter(lot=lot, organization=organization).aggregate(v=Max("version"))["v"] or 0) + 1
        bid = Bid.objects.create(lot=lot, organization=organization, version=version, created_by=actor)
        for f, name, digest in zip(files, names, digests):
            SealedFile.objects.create(bid=bid, kind=f["kind"], name=name, size=f["size"], declared_sha256=digest,
                                      storage_name=storage.new_name())
        audit.record(actor=actor, action="bid.started", obj=bid, project=lot.project,
                     data={"version": version, "files": [{"kind": f["kind"], "name": n, "size": f["size"], "sha256": d}
                                                         for f, n, d in zip(files, names, digests)]})
    return bid


def _discard(bid: Bid):
    for f in bid.files.all():
        storage.remove(f.storage_name)
    bid.files.all().delete()
    bid.delete()


# --- the chunks --------------------------------------------------------------------------------


def access_sealed_file(actor, file_id) -> SealedFile:
    """A bidder reaches only its own organization's sealed files."""
    check(actor, "bidding.seal_bid")  # every chunk asks: a non-bidder is refused before any query
    sealed = SealedFile.objects.select_related("bid", "bid__lot", "bid__lot__project").filter(pk=file_id).first()
    if sealed is None:
        raise NotFound(_("No such upload."))
    check(actor, "bidding.upload_sealed_file", sealed)
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


def receive_chunk(*, actor, file_id, offset: int, read, length: int, checksum: bytes | None = None,
                  declared: str | None = None, now=None) -> dict:
    """Append one chunk of a sealed file at `offset`. `read(n)` yields the request body in
    blocks (constant memory). Returns {"offset": new offset, "receipt": document or None}.
    `declared`: the whole file's SHA-256 (hex) as its sealer declares it with this chunk.
    The bytes must make an age v1 file (upload_checks): a chunk that cannot is refused, and a
    last chunk that leaves the file not whole (or not as declared) discards the version.
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
    try:
        with (storage.locked_for_append(sealed.storage_name, offset) as appender,
              ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaibiao-hash") as hashing):
            whole = WholeFileCheck(sealed, offset, length, declared=declared)
            while written < length:
                block = read(min(READ_AT_MOST, length - written))  # a piece as it came (kaibiao.streaming)
                if not block:
                    break
                whole.feed(block)  # refuses at once what cannot begin an age file
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
            whole.finish(candidate.hexdigest())
            appender.commit()
    except NotWholeAgeFile as err:
        _discard_refused(actor=actor, sealed=sealed, reason=err.message)
        raise
    return _commit_chunk(actor=actor, sealed=sealed, offset=offset, length=length, running=candidate)


READ_AT_MOST = 4 * 1024 * 1024  # a chunk's body is read in pieces of at most this


def _discard_refused(*, actor, sealed: SealedFile, reason):
    """A file whose last byte left it not a whole age file: its version is discarded, files and
    all, so nothing of it stays half stored; the earlier complete version, if any, still counts."""
    with transaction.atomic():
        bid = Bid.objects.select_for_update().filter(pk=sealed.bid_id, state=BidState.UPLOADING).first()
        if bid is None:
            return
        audit.record(actor=actor, action="bid.refused", obj=bid, project=bid.lot.project,
                     data={"version": bid.version, "file": sealed.name, "reason": str(reason)})
        _discard(bid)


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


# --- receipts and withdrawal ---------------------------------------------------------------------


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
    check(actor, "bidding.seal_bid", lot)
    organization = actor.organization
    with transaction.atomic():
        lot = biddable_lot(lot.pk, lock=True)
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


# --- errors the upload protocol maps to its status codes (upload_views) -----------------------


class OffsetMismatch(RuleViolation):
    def __init__(self, expected: int):
        super().__init__(_("This chunk starts at the wrong place: the server has %(n)d bytes; resume from there.") % {"n": expected})
        self.expected = expected


class ChecksumMismatch(RuleViolation):
    pass


class DeadlinePassed(RuleViolation):
    pass
