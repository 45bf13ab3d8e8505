"""Decryption at the opening: the host starts it, bidders hand in their keys, custodians their shares."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading.formats import local_text, zoned_text
from trading.errors import NotFound, RuleViolation
from trading.services import room_transition

from .. import opening_keys, storage
from ..agefile import AgeError, NoIdentityMatch
from ..choices import OpeningOutcome, OpeningStatus
from ..models import BidOpening, OpeningHall, SealedFile
from ..rules import check
from ..services import rules_for
from . import states
from .core import HALL, append, at_its_time, locked, on_the_clock, require_step, schedule_tick


def require_host(actor, hall: OpeningHall):
    check(actor, "bidding.host_hall", hall.lot.project)


def _hall_after_tick(lot_id, now) -> OpeningHall:
    """The hall, unlocked, after what the clock owes: for the long commands, whose slow work
    (hashing, checking a key) happens before they lock it."""
    from .clock import tick

    tick(lot_id, now)
    hall = OpeningHall.objects.select_related("lot__project").filter(lot_id=lot_id).first()
    if hall is None:
        raise NotFound(_("This lot has no opening hall yet."))
    return hall


@at_its_time
def start_decryption(*, actor, lot_id, now=None) -> OpeningHall:
    """The host opens the lot and starts decryption, with the tender's time limit. Before any
    price is read, each bid's stored bytes are hashed again and shown beside its receipt's digest."""
    now = now or timezone.now()
    hall = _hall_after_tick(lot_id, now)
    require_host(actor, hall)
    require_step(hall, "start_decryption")
    # Hashed before the hall is locked (the files no longer change: bidding has closed), so
    # that reading gigabytes does not hold every other writer of the database waiting.
    stored = {sealed.pk: _stored_sha256(sealed)
              for sealed in SealedFile.objects.filter(bid__opening__hall=hall)}
    with transaction.atomic():
        hall = locked(lot_id)
        require_host(actor, hall)
        require_step(hall, "start_decryption")
        room_transition(actor=actor, lot_id=hall.lot_id, name="start_opening", room=HALL, now=now)
        rules = rules_for(hall.lot.project)
        states.take(hall, "start_decryption", host=actor, decryption_started_at=now,
                    decryption_deadline=now + timedelta(minutes=rules.decryption_minutes))
        digests = []
        for opening in hall.openings.select_related("bid__organization").order_by("order"):
            files = []
            for sealed in opening.bid.files.order_by("kind", "name"):
                digest = stored.get(sealed.pk)
                files.append({"name": sealed.name, "size": sealed.size, "receipt_sha256": sealed.sha256,
                              "stored_sha256": digest, "match": digest == sealed.sha256})
            opening.digests_checked_at = now
            opening.save(update_fields=["digests_checked_at"])
            digests.append({"opening": opening.pk, "bidder": opening.bid.organization.name, "files": files})
        append(hall, "decryption_started", {"deadline": hall.decryption_deadline, "host": str(actor),
                                             "bidders_decrypt": rules.bidders_decrypt, "digests": digests}, actor=actor)
    schedule_tick(lot_id, hall.decryption_deadline)
    return hall


def _stored_sha256(sealed: SealedFile) -> str | None:
    try:
        return storage.hash_prefix(sealed.storage_name, sealed.size).hexdigest()
    except (OSError, ValueError):  # lost or cut short in storage: shown as not matching
        return None


def _set_status(hall, opening: BidOpening, status: str, *, actor, outcome=None, reason=""):
    opening.status = status
    fields = ["status"]
    if outcome is not None:
        opening.outcome, opening.reason = outcome, reason
        fields += ["outcome", "reason"]
    opening.save(update_fields=fields)
    append(hall, "bid_status", {"opening": opening.pk, "bidder": opening.bid.organization.name, "status": status,
                                 "outcome": opening.outcome, "reason": reason}, actor=actor)


@at_its_time
def hand_in_identity(*, actor, lot_id, identity: str, now=None) -> BidOpening:
    """A bidder hands in its identity for this tender; its opening form is decrypted at once,
    then its bid files. The identity is used in memory and forgotten."""
    now = now or timezone.now()
    hall = _hall_after_tick(lot_id, now)
    key = opening_keys.check_bidder_identity(actor=actor, lot=hall.lot, identity=identity, now=now)
    with transaction.atomic():
        hall = locked(lot_id)
        require_step(hall, "hand_in_identity")
        opening = hall.openings.select_for_update().filter(bid__organization_id=actor.organization_id).first()
        if opening is None:
            raise NotFound(_("Your organization has no bid in this opening."))
        if opening.status != OpeningStatus.WAITING:
            raise RuleViolation(_("Your bid is already %(status)s.") % {"status": OpeningStatus(opening.status).label})
        _set_status(hall, opening, OpeningStatus.DECRYPTING, actor=actor)
    _decrypt_opening(opening.pk, key, opened_with="bidder", actor=actor, now=now)
    return BidOpening.objects.get(pk=opening.pk)


def _decrypt_opening(opening_id, identity, *, opened_with: str, actor, now, outcome=OpeningOutcome.DECRYPTED) -> None:
    """Decrypt one bid: its small opening form first, so its row can be read at once, then
    its bid files. A bid the key does not open, its bytes stored as received, was not sealed to
    that key: the bidder's fault, so it counts as revoked; one that fails for another reason
    counts as withdrawn, with the reason (DOMAIN.md §5); the opening goes on for the others."""
    opening = BidOpening.objects.select_related("hall__lot__project", "bid__organization").get(pk=opening_id)
    lot_id = opening.hall.lot_id
    files = list(opening.bid.files.all())
    form_file = next(f for f in files if f.kind == "form")
    try:
        opening_keys.decrypt_sealed_file(sealed=form_file, identity=identity, opened_with=opened_with, actor=actor,
                                         now=now)
        form = opening_keys.read_opening_form(form_file)
    except (AgeError, ValueError, RuleViolation, OSError) as err:
        _fail(lot_id, opening, actor, err, opened_with=opened_with)
        return
    with transaction.atomic():
        hall = locked(lot_id)
        opening.refresh_from_db()
        opening.form = form
        opening.save(update_fields=["form"])
        _set_status(hall, opening, OpeningStatus.DECRYPTED, actor=actor, outcome=outcome)
    try:
        for sealed in (f for f in files if f.kind == "file"):
            opening_keys.decrypt_sealed_file(sealed=sealed, identity=identity, opened_with=opened_with, actor=actor,
                                             now=now)
    except (AgeError, ValueError, RuleViolation, OSError) as err:
        _fail(lot_id, opening, actor, err, opened_with=opened_with)
        return
    with transaction.atomic():
        append(locked(lot_id), "files_decrypted", {"opening": opening.pk, "bidder": opening.bid.organization.name,
                                                     "files": len(files) - 1}, actor=actor)


def _fail(lot_id, opening, actor, err, *, opened_with):
    if isinstance(err, NoIdentityMatch) and _stored_as_received(opening):
        outcome, reason = OpeningOutcome.REVOKED, _not_sealed_to(opened_with)
    else:
        outcome = OpeningOutcome.WITHDRAWN
        reason = (_("Decryption failed for a reason other than the bidder's key (视为撤回): %(err)s")
                  % {"err": _("the stored sealed file could not be read") if isinstance(err, OSError)
                     else getattr(err, "message", err)})
    with transaction.atomic():
        hall = locked(lot_id)
        opening.refresh_from_db()
        _set_status(hall, opening, OpeningStatus.FAILED, actor=actor, outcome=outcome, reason=reason)


def _stored_as_received(opening: BidOpening) -> bool:
    """Whether every sealed file of the bid is stored exactly as its receipt says (hashed again:
    a key that opens no stanza of the very bytes the bidder sent is the sealing's fault)."""
    return all(_stored_sha256(sealed) == sealed.sha256 for sealed in opening.bid.files.all())


def _not_sealed_to(opened_with: str) -> str:
    """Why a bid the key does not open counts as revoked by its bidder (电子招标投标办法 第三十一条)."""
    if opened_with == "opening":
        return _("The custodians' opening key does not open this bid: its bidder did not seal it to the opening key, "
                 "as every bid must be. It counts as revoked by the bidder (视为撤销).")
    return _("The key this bidder registered does not open its bid: the bidder did not seal it to that key. It counts "
             "as revoked by the bidder (视为撤销).")


@at_its_time
def hand_in_share(*, actor, lot_id, payload, now=None) -> dict:
    """A custodian hands in its share. At k, the opening identity is rebuilt in memory; where
    the tender has bidders not decrypt, it then opens every bid still waiting."""
    now = now or timezone.now()
    hall = _hall_after_tick(lot_id, now)
    if not states.may(hall, "hand_in_share"):
        opening_keys.ensure_after_deadline(actor=actor, project=hall.lot.project, now=now, what=_("hand in a key share"))
        require_step(hall, "hand_in_share")
    result = opening_keys.hand_in_share(actor=actor, project=hall.lot.project, payload=payload, now=now)
    identity = None
    if result["count"] >= result["k"]:
        try:  # announced only once the rebuilt key matches the published recipient
            identity = opening_keys.opening_identity(hall.lot.project)
        except RuleViolation:
            identity = None  # a wrong share cannot be told from a right one alone; the remedy says why
    with transaction.atomic():
        row = locked(lot_id)
        append(row, "share_handed_in", {"custodian": str(actor), **result}, actor=actor)
        rebuilt = identity is not None and not row.events.filter(kind="opening_key_rebuilt").exists()
        if rebuilt:
            append(row, "opening_key_rebuilt", {"k": result["k"]}, actor=None)
    if rebuilt and not rules_for(hall.lot.project).bidders_decrypt:
        for opening in hall.openings.filter(status=OpeningStatus.WAITING):
            with transaction.atomic():
                _set_status(locked(lot_id), opening, OpeningStatus.DECRYPTING, actor=None)
            _decrypt_opening(opening.pk, identity, opened_with="opening", actor=None, now=now)
    return result


@at_its_time
def apply_remedy(*, actor, lot_id, opening_id, now=None) -> BidOpening:
    """Where the tender names the custodians' stanza as its remedy, the host opens with the
    rebuilt opening key a bid its bidder failed to decrypt; the record says so."""
    now = now or timezone.now()
    with transaction.atomic():
        hall = locked(lot_id)
        require_host(actor, hall)
        if not rules_for(hall.lot.project).remedy_custodian_stanza:
            raise RuleViolation(_("This tender names no remedy for a bid that was not decrypted."))
        require_step(hall, "apply_remedy")
        opening = hall.openings.select_for_update().filter(pk=opening_id).first()
        if opening is None:
            raise NotFound(_("No such bid in this opening."))
        if opening.status == OpeningStatus.WAITING:
            # The bidder's time is its own until the limit: the host does not open for it early.
            raise RuleViolation(_("This bidder may still decrypt its bid until %(at)s; the remedy is for a bid that "
                                  "was not decrypted in time.") % {"at": zoned_text(hall.decryption_deadline)})
        if opening.outcome not in (OpeningOutcome.REVOKED, OpeningOutcome.WITHDRAWN):
            raise RuleViolation(_("The remedy applies only to a bid that was not decrypted."))
        identity = opening_keys.opening_identity(hall.lot.project)
        if identity is None:
            raise RuleViolation(_("The custodians have not yet handed in enough shares."))
        _set_status(hall, opening, OpeningStatus.DECRYPTING, actor=actor, outcome=OpeningOutcome.PENDING,
                    reason=_("remedy applied by the host"))
    _decrypt_opening(opening.pk, identity, opened_with="opening", actor=actor, now=now, outcome=OpeningOutcome.REMEDIED)
    return BidOpening.objects.get(pk=opening.pk)


@on_the_clock
def end_decryption(*, actor, lot_id, now) -> OpeningHall:
    """The host ends decryption once every bid is decided, or the time limit ends it."""
    with transaction.atomic():
        hall = locked(lot_id, now)
        require_host(actor, hall)
        require_step(hall, "end_decryption")
        if hall.openings.filter(status__in=[OpeningStatus.WAITING, OpeningStatus.DECRYPTING]).exists():
            raise RuleViolation(_("Some bids are still waiting for their keys; decryption ends at %(at)s.")
                                % {"at": local_text(hall.decryption_deadline, "time")})
        end_decryption_now(hall, actor=actor)
    return hall


def end_decryption_now(hall: OpeningHall, *, actor):
    """Decryption ends (by the host, or by the clock at its limit): a bid still waiting counts
    as its bidder's revocation, or as withdrawn where the custodians alone open."""
    bidders_decrypt = rules_for(hall.lot.project).bidders_decrypt
    for opening in hall.openings.filter(status=OpeningStatus.WAITING):
        if bidders_decrypt:
            _set_status(hall, opening, OpeningStatus.FAILED, actor=actor, outcome=OpeningOutcome.REVOKED,
                        reason=_("The bidder did not decrypt its bid within the time limit (视为撤销)."))
        else:  # the custodians alone open in this tender: no fault of the bidder
            _set_status(hall, opening, OpeningStatus.FAILED, actor=actor, outcome=OpeningOutcome.WITHDRAWN,
                        reason=_("The opening key was not rebuilt within the time limit (视为撤回)."))
    states.take(hall, "end_decryption")
    append(hall, "decryption_ended", {"decrypted": hall.openings.filter(status=OpeningStatus.DECRYPTED).count()}, actor=actor)
