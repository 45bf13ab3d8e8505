"""The opening hall's actions (DESIGN.md §5, DOMAIN.md §5). Each action locks the hall, checks
who acts, the hall's state and the server clock, changes the tables, appends one or more
numbered hall events (the record every client replays) and an audit event, and rings the
hall's bell after the commit. No step is taken on a client's word or clock.

The hall's states: waiting → closed → decrypting → reading → confirming → ended, or failed
(fewer bids than the tender's minimum: nothing is decrypted)."""

import contextvars
import functools
import hashlib
import json
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.choices import LotState, Role
from trading.clock import local_text
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import Lot
from trading.lifecycle import HALL
from trading.services import room_transition

from . import draw, opening_keys, storage
from .agefile import AgeError
from .choices import BidState, Confirmation, HallState, OpeningOutcome, OpeningStatus
from .models import (Bid, BidOpening, BidSecurity, CustodianShare, HallEvent, KeyCeremony, Objection, OpeningHall,
                     SealedFile, SignIn, SupervisorPresence)
from .opening_form import check_form
from .services import rules_for

NONCE = re.compile(r"^[0-9a-f]{64}$")
GROUP = "hall-{}"


# --- the hall and its events -----------------------------------------------------------------


def ensure_hall(lot: Lot) -> OpeningHall:
    """The lot's hall, created with its K commitment (where the tender draws K) before anyone
    signs in: the server's seed is fixed before any bidder's contribution exists."""
    hall = OpeningHall.objects.filter(lot=lot).first()
    if hall is not None:
        return hall
    rules = rules_for(lot.project)
    fields = {}
    if rules.k_low and rules.k_high and rules.k_step:
        rng = draw.make_range(rules.k_low, rules.k_high, rules.k_step)
        seed = draw.new_seed()
        fields = {"k_low": rules.k_low, "k_high": rules.k_high, "k_step": rules.k_step,
                  "k_seed": seed.hex(), "k_commitment": draw.commitment(seed, lot=_lot_id(lot), rng=rng)}
    with transaction.atomic():
        hall, created = OpeningHall.objects.get_or_create(lot=lot, defaults=fields)
        if created:
            _append(hall, "hall_opened", {"deadline": _iso(lot.project.bid_deadline),
                                          "k": _k_public(hall)}, actor=None)
    return hall


def _lot_id(lot) -> str:
    return f"{lot.project.code}/{lot.number}"


def _iso(dt):
    return dt.isoformat() if dt else None


def _k_public(hall) -> dict | None:
    if not hall.needs_k:
        return None
    public = {"low": hall.k_low, "high": hall.k_high, "step": hall.k_step, "commitment": hall.k_commitment}
    if hall.k_value:
        public.update({"seed": hall.k_seed, "k": hall.k_value, "drawn_at": _iso(hall.k_drawn_at)})
    return public


class _ClockOwes(Exception):
    """Raised by _locked(lot_id, now) in a command run @on_the_clock: a time limit had run out
    before the command. Nothing is written yet; the command's transaction is left, tick()
    applies what the clock owes in its own, and the command runs again."""


_clock_applied = contextvars.ContextVar("kaibiao_hall_clock_applied", default=False)


def on_the_clock(command):
    """A hall command that first applies what the clock owes (bidding over, decryption time
    over, confirmation time over), as tick() before it would, but without tick()'s own read in
    the usual case where nothing is owed: the command's _locked(lot_id, now) reads the same
    clock in the row it locks. `now` is fixed once, for both runs."""

    @functools.wraps(command)
    def run(*, lot_id, now=None, **kwargs):
        now = now or timezone.now()
        if not _clock_applied.get():
            try:
                return command(lot_id=lot_id, now=now, **kwargs)
            except _ClockOwes:
                tick(lot_id, now)
        applied = _clock_applied.set(True)
        try:
            return command(lot_id=lot_id, now=now, **kwargs)
        finally:
            _clock_applied.reset(applied)

    return run


def _locked(lot_id, now=None) -> OpeningHall:
    """The lot's hall, its row locked until the transaction ends. With `now` (in a command run
    @on_the_clock): _ClockOwes if a time limit had run out, or if there is no hall yet (closing
    the bidding makes it)."""
    try:
        hall = OpeningHall.objects.select_for_update().select_related("lot__project").get(lot_id=lot_id)
    except OpeningHall.DoesNotExist:
        hall = None
    if now is not None and not _clock_applied.get() and (hall is None or _owed(
            hall.lot.state, hall.lot.project.bid_deadline, hall.state, hall.decryption_deadline, hall.confirm_deadline,
            now)):
        raise _ClockOwes
    if hall is None:
        raise NotFound(_("This lot has no opening hall yet."))
    return hall


def _append(hall: OpeningHall, kind: str, data: dict, *, actor, audience=None, audit_data=None) -> HallEvent:
    """Append one numbered event (the hall row must be locked by the caller) and audit it."""
    hall.last_seq += 1
    hall.save(update_fields=["last_seq"])
    data = json.loads(json.dumps(data, default=_json_value))  # times as ISO 8601, like the snapshot
    event = HallEvent.objects.create(hall=hall, seq=hall.last_seq, kind=kind, data=data, at=timezone.now(),
                                     audience=audience)
    audit.record(actor=actor, action=f"hall.{kind}", obj=hall, project=hall.lot.project,
                 data={"seq": event.seq, **(audit_data if audit_data is not None else data)})
    seq, hall_id, text, audience_id = event.seq, hall.pk, event_text(event), event.audience_id
    transaction.on_commit(lambda: ring(hall_id, seq, text=text, audience_id=audience_id))
    return event


def _json_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


# Set by the consumers' module: hands a bell to this process's own hall connections at once,
# called on the event loop that serves them (or on a loop that serves none: it does nothing).
local_bell = None


def ring(hall_id: int, seq: int, *, text: str | None = None, audience_id: int | None = None) -> None:
    """Tell every server process that hall `hall_id` has news up to `seq`. At most once, maybe
    never: a process that misses it catches up on the next bell or the client's resume. The
    bell carries the committed event itself (its message text and audience), so that a process
    that has every event before it sends it on without reading the database. This process's
    own connections get it without waiting for the layer to bring it back."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    bell = {"type": "hall.bell", "seq": seq}
    if text is not None:
        bell.update(text=text, audience=audience_id)
    layer = get_channel_layer()

    async def send():
        # The layer first: this process's own fan-out runs on this loop without a pause, and a
        # bell sent after it (channels_redis: four round trips, each waiting for the loop) left
        # the other processes idle until it was done, their clients waiting for both in turn.
        try:
            if layer is not None:
                await layer.group_send(GROUP.format(hall_id), bell)
        finally:
            if local_bell is not None:
                local_bell(hall_id, bell)

    async_to_sync(send)()


# --- who is looking --------------------------------------------------------------------------


class Viewer:
    """What a connection may see and do in one hall: decided by the server from the session."""

    def __init__(self, user, lot: Lot):
        self.user = user if user is not None and user.is_authenticated else None
        role = getattr(self.user, "role", None)
        project = lot.project
        self.organization_id = self.user.organization_id if role == Role.BIDDER else None
        self.is_host = role == Role.STAFF and self.user.center_id == project.center_id
        self.is_supervisor = role == Role.SUPERVISOR and project.center_id in self.user.center.subtree_ids()
        self.is_custodian = role == Role.CUSTODIAN and CustodianShare.objects.filter(
            ceremony__project=project, custodian=self.user).exists()
        self.role = "host" if self.is_host else "supervisor" if self.is_supervisor else \
            "custodian" if self.is_custodian else "bidder" if self.organization_id else "public"

    def sees(self, event: HallEvent) -> bool:
        return event.audience_id is None or event.audience_id == self.organization_id


def viewer_for(user, lot_id) -> tuple[Lot, Viewer]:
    lot = Lot.objects.select_related("project", "project__center").filter(pk=lot_id).exclude(state=LotState.DRAFT).first()
    if lot is None:
        raise NotFound(_("No such lot."))
    return lot, Viewer(user, lot)


def events_after(hall: OpeningHall, viewer: Viewer, after: int) -> list[HallEvent]:
    return [e for e in hall.events.filter(seq__gt=after).order_by("seq") if viewer.sees(e)]


def event_message(event: HallEvent) -> dict:
    return {"type": "event", "seq": event.seq, "kind": event.kind, "at": _iso(event.at), "data": event.data}


def event_text(event: HallEvent) -> str:
    """The event as the WebSocket sends it."""
    return json.dumps(event_message(event), ensure_ascii=False)


def snapshot(hall: OpeningHall, viewer: Viewer, now=None) -> dict:
    """The hall as this viewer may see it now: the state a reconnecting client starts from."""
    now = now or timezone.now()
    project = hall.lot.project
    after_deadline = project.bid_deadline is not None and now >= project.bid_deadline
    rows = []
    # Every arriving connection reads this: plain values, not three model instances per bid.
    for o in hall.openings.order_by("order").values("id", "order", "bid__organization__name", "bid__organization__uscc",
                                                    "status", "outcome", "confirmation", "read_at", "form", "flags",
                                                    "above_ceiling"):
        row = {"id": o["id"], "order": o["order"], "bidder": o["bid__organization__name"],
               "uscc": o["bid__organization__uscc"], "status": o["status"], "outcome": o["outcome"],
               "confirmation": o["confirmation"]}
        if o["read_at"]:
            row.update({"form": o["form"], "flags": o["flags"], "above_ceiling": o["above_ceiling"]})
        rows.append(row)
    sign_ins = SignIn.objects.filter(hall=hall)
    if not after_deadline:
        sign_ins = sign_ins.filter(organization_id=viewer.organization_id)
    return {
        "type": "snapshot",
        "lot": {"id": hall.lot_id, "project": project.code, "name": str(hall.lot)},
        "state": hall.state,
        "server_time": now.isoformat(),
        "deadline": _iso(project.bid_deadline),
        "decryption_deadline": _iso(hall.decryption_deadline),
        "confirm_deadline": _iso(hall.confirm_deadline),
        "k": _k_public(hall),
        "bids": rows if after_deadline else [],
        "sign_ins": [{"bidder": name, "at": _iso(at)} for name, at in sign_ins.values_list("organization__name", "at")],
        "objections": [_objection_dict(o) for o in Objection.objects.filter(opening__hall=hall).select_related(
            "opening__bid__organization")],
        "record_sha256": hall.record_sha256,
        "last_seq": hall.last_seq,
        "you": {"role": viewer.role},
    }


def _objection_dict(o: Objection) -> dict:
    return {"id": o.pk, "bidder": o.opening.bid.organization.name, "question": o.question, "asked_at": _iso(o.asked_at),
            "answer": o.answer, "answered_at": _iso(o.answered_at)}


# --- the clock -------------------------------------------------------------------------------


def on_bidding_closed(lot: Lot, *, complete_bids: int, now) -> None:
    """At the deadline (called by the closing job, in its transaction): publish who handed in
    a complete bid; with too few, announce that the lot is not opened."""
    hall = ensure_hall(lot)
    hall = _locked(lot.pk)
    if hall.state != HallState.WAITING:
        return
    bids = Bid.objects.filter(lot=lot, state=BidState.COMPLETE, completed_at__lt=lot.project.bid_deadline)
    if rules_for(lot.project).require_bid_security:  # the bids selectors.complete_bid_count counts
        bids = bids.filter(organization__in=BidSecurity.objects.filter(lot=lot).values("organization"))
    bids = list(bids.select_related("organization").order_by("completed_at"))
    signed = set(SignIn.objects.filter(hall=hall).values_list("organization_id", flat=True))
    listing = [{"bidder": b.organization.name, "uscc": b.organization.uscc, "signed_in": b.organization_id in signed}
               for b in bids]
    lot.refresh_from_db(fields=["state"])
    if lot.state == LotState.FAILED:
        hall.state = HallState.FAILED
        hall.save(update_fields=["state"])
        _append(hall, "lot_failed", {"complete_bids": complete_bids, "min_bids": lot.project.min_bids, "bidders": listing,
                                     "citation": "《招标投标法实施条例》第四十四条"}, actor=None)
        return
    for order, bid in enumerate(bids, start=1):
        BidOpening.objects.create(hall=hall, bid=bid, order=order)
    hall.state = HallState.CLOSED
    hall.save(update_fields=["state"])
    _append(hall, "bidding_closed", {"complete_bids": complete_bids, "bidders": listing}, actor=None)


def tick(lot_id, now=None) -> None:
    """Apply what the clock owes the hall (bidding over, decryption time over, confirmation
    time over): called by the scheduled task and before every action, so a late task changes
    nothing. The usual case (nothing due) is one read, without the write lock."""
    from .closing import close_due_lots

    now = now or timezone.now()
    clock = (Lot.objects.filter(pk=lot_id)
             .values("state", "project_id", "project__bid_deadline", "hall__state",
                     "hall__decryption_deadline", "hall__confirm_deadline").first())
    if clock is None:
        return
    deadline = clock["project__bid_deadline"]
    if clock["state"] == LotState.PUBLISHED and deadline and deadline <= now:
        # Bidding closes at the deadline, should its scheduled job be late (closing.sync_clock).
        close_due_lots(now, clock["project_id"])
    elif not _owed(clock["state"], deadline, clock["hall__state"], clock["hall__decryption_deadline"],
                   clock["hall__confirm_deadline"], now):
        return
    with transaction.atomic():
        hall = OpeningHall.objects.select_for_update().select_related("lot__project").filter(lot_id=lot_id).first()
        if hall is None:
            return
        if hall.state == HallState.DECRYPTING and hall.decryption_deadline and now >= hall.decryption_deadline:
            _end_decryption(hall, actor=None)
        if hall.state == HallState.CONFIRMING and hall.confirm_deadline and now >= hall.confirm_deadline:
            _end_confirmation(hall)


def _owed(lot_state, bid_deadline, hall_state, decryption_deadline, confirm_deadline, now) -> bool:
    """Whether a time limit had run out when read: bidding (the lot still published), decryption
    or confirmation (checked again under the lock by tick())."""
    if lot_state == LotState.PUBLISHED and bid_deadline and bid_deadline <= now:
        return True
    limit = {HallState.DECRYPTING: decryption_deadline, HallState.CONFIRMING: confirm_deadline}.get(hall_state)
    return limit is not None and limit <= now


# --- sign-in ---------------------------------------------------------------------------------


def note_supervisor(*, actor, lot_id, now=None) -> bool:
    """A supervisor of the lot's center (or above) who opens the hall before the opening ends is
    recorded once, audited, and named on the record as its 监标人. True if newly recorded."""
    now = now or timezone.now()
    lot, viewer = viewer_for(actor, lot_id)
    if not viewer.is_supervisor:
        raise PermissionDenied(_("Only a supervisor of this trading center watches as 监标人."))
    hall = OpeningHall.objects.filter(lot=lot).first()
    if hall is None or hall.state in (HallState.ENDED, HallState.FAILED):
        return False
    with transaction.atomic():
        _presence, created = SupervisorPresence.objects.get_or_create(hall=hall, user=actor, defaults={"first_seen_at": now})
        if created:
            audit.record(actor=actor, action="hall.supervisor_present", obj=hall, project=lot.project,
                         data={"supervisor": str(actor)})
    return created


@on_the_clock
def sign_in(*, actor, lot_id, nonce: str, now) -> SignIn:
    """A bidder with a complete bid signs in (签到), contributing its browser's nonce to K.
    Before the deadline only the bidder itself sees that it signed in."""
    if getattr(actor, "role", None) != Role.BIDDER:
        raise PermissionDenied(_("Only bidders sign in."))
    nonce = (nonce or "").lower()
    if not NONCE.match(nonce):
        raise RuleViolation(_("The sign-in needs the browser's 32-byte random contribution (64 hex digits)."))
    with transaction.atomic():
        hall = _locked(lot_id, now)
        if hall.state not in (HallState.WAITING, HallState.CLOSED):
            raise RuleViolation(_("Sign-in has closed: decryption has started."))
        # After the deadline the bid must be one the opening counts (which is a complete one):
        # one query either way; the complete bid is looked for after the deadline only to say
        # which is missing. No model ordering (a join for nothing): the first by key.
        bidder = None
        if hall.state == HallState.CLOSED:
            counted = hall.openings.filter(bid__organization_id=actor.organization_id, bid__state=BidState.COMPLETE)
            bidder = counted.order_by("pk").values_list("bid__organization__name", flat=True).first()
        if bidder is None:
            bidder = (Bid.objects.filter(lot_id=lot_id, organization_id=actor.organization_id, state=BidState.COMPLETE)
                      .order_by("pk").values_list("organization__name", flat=True).first())
            if bidder is None:
                raise RuleViolation(_("Your organization has no complete bid for this lot."))
            if hall.state == HallState.CLOSED:
                raise RuleViolation(_("Your organization has no bid that counts in this opening."))
        # Once per organization: the constraint says so (sign_in_once), without a read before
        # every sign-in. The savepoint keeps the transaction usable on PostgreSQL.
        try:
            with transaction.atomic():
                row = SignIn.objects.create(hall=hall, organization_id=actor.organization_id, user=actor, nonce=nonce,
                                            at=now)
        except IntegrityError:
            if SignIn.objects.filter(hall=hall, organization_id=actor.organization_id).exists():
                raise RuleViolation(_("Your organization has already signed in.")) from None
            raise
        signed = {"bidder": bidder, "at": now}
        if now < hall.lot.project.bid_deadline:
            # Not a numbered event, not even a private one: its number alone would tell every
            # viewer that someone signed in (招标投标法 第二十二条). Audited (a confidential
            # action until the deadline); the bidder sees it in its snapshot; the deadline's
            # bidding_closed event publishes who signed in.
            audit.record(actor=actor, action="hall.signed_in", obj=hall, project=hall.lot.project, data=signed)
        else:
            _append(hall, "signed_in", signed, actor=actor)
    return row


# --- decryption ------------------------------------------------------------------------------


def _require_host(actor, hall: OpeningHall):
    if getattr(actor, "role", None) != Role.STAFF or actor.center_id != hall.lot.project.center_id:
        raise PermissionDenied(_("Only the trading center's host may do this."))


def start_decryption(*, actor, lot_id, now=None) -> OpeningHall:
    """The host opens the lot and starts decryption, with the tender's time limit. Before any
    price is read, each bid's stored bytes are hashed again and shown beside its receipt's digest."""
    now = now or timezone.now()
    tick(lot_id, now)
    hall = OpeningHall.objects.select_related("lot__project").filter(lot_id=lot_id).first()
    if hall is None:
        raise NotFound(_("This lot has no opening hall yet."))
    _require_host(actor, hall)
    _require_closed(hall)
    # Hashed before the hall is locked (the files no longer change: bidding has closed), so
    # that reading gigabytes does not hold every other writer of the database waiting.
    stored = {sealed.pk: _stored_sha256(sealed)
              for sealed in SealedFile.objects.filter(bid__opening__hall=hall)}
    with transaction.atomic():
        hall = _locked(lot_id)
        _require_host(actor, hall)
        _require_closed(hall)
        room_transition(actor=actor, lot_id=hall.lot_id, name="start_opening", room=HALL, now=now)
        rules = rules_for(hall.lot.project)
        hall.state, hall.host = HallState.DECRYPTING, actor
        hall.decryption_started_at, hall.decryption_deadline = now, now + timedelta(minutes=rules.decryption_minutes)
        hall.save(update_fields=["state", "host", "decryption_started_at", "decryption_deadline"])
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
        _append(hall, "decryption_started", {"deadline": hall.decryption_deadline, "host": str(actor),
                                             "bidders_decrypt": rules.bidders_decrypt, "digests": digests}, actor=actor)
    _schedule_tick(lot_id, hall.decryption_deadline)
    return hall


def _require_closed(hall: OpeningHall):
    if hall.state != HallState.CLOSED:
        raise RuleViolation(_("Decryption can start only once bidding has closed, and only once."))


def _stored_sha256(sealed: SealedFile) -> str | None:
    try:
        return storage.hash_prefix(sealed.storage_name, sealed.size).hexdigest()
    except (OSError, ValueError):  # lost or cut short in storage: shown as not matching
        return None


def _schedule_tick(lot_id, when):
    from .closing import hall_tick

    transaction.on_commit(lambda: hall_tick.using(run_after=when).enqueue(lot_id))


def _set_status(hall, opening: BidOpening, status: str, *, actor, outcome=None, reason=""):
    opening.status = status
    fields = ["status"]
    if outcome is not None:
        opening.outcome, opening.reason = outcome, reason
        fields += ["outcome", "reason"]
    opening.save(update_fields=fields)
    _append(hall, "bid_status", {"opening": opening.pk, "bidder": opening.bid.organization.name, "status": status,
                                 "outcome": opening.outcome, "reason": reason}, actor=actor)


def hand_in_identity(*, actor, lot_id, identity: str, now=None) -> BidOpening:
    """A bidder hands in its identity for this tender; its opening form is decrypted at once,
    then its bid files. The identity is used in memory and forgotten."""
    now = now or timezone.now()
    tick(lot_id, now)
    hall = OpeningHall.objects.select_related("lot__project").filter(lot_id=lot_id).first()
    if hall is None:
        raise NotFound(_("This lot has no opening hall yet."))
    key = opening_keys.check_bidder_identity(actor=actor, lot=hall.lot, identity=identity, now=now)
    with transaction.atomic():
        hall = _locked(lot_id)
        if hall.state != HallState.DECRYPTING:
            raise RuleViolation(_("Keys are handed in during decryption only."))
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
    its bid files. A bid whose sealing fails for a reason other than the bidder's key counts
    as withdrawn, with the reason (DOMAIN.md §5); the opening goes on for the others."""
    opening = BidOpening.objects.select_related("hall__lot__project", "bid__organization").get(pk=opening_id)
    lot_id = opening.hall.lot_id
    files = list(opening.bid.files.all())
    form_file = next(f for f in files if f.kind == "form")
    try:
        opening_keys.decrypt_sealed_file(sealed=form_file, identity=identity, opened_with=opened_with, actor=actor,
                                         now=now)
        form = opening_keys.read_opening_form(form_file)
    except (AgeError, ValueError, RuleViolation, OSError) as err:
        _fail(lot_id, opening, actor, err)
        return
    with transaction.atomic():
        hall = _locked(lot_id)
        opening.refresh_from_db()
        opening.form = form
        opening.save(update_fields=["form"])
        _set_status(hall, opening, OpeningStatus.DECRYPTED, actor=actor, outcome=outcome)
    try:
        for sealed in (f for f in files if f.kind == "file"):
            opening_keys.decrypt_sealed_file(sealed=sealed, identity=identity, opened_with=opened_with, actor=actor,
                                             now=now)
    except (AgeError, ValueError, RuleViolation, OSError) as err:
        _fail(lot_id, opening, actor, err)
        return
    with transaction.atomic():
        _append(_locked(lot_id), "files_decrypted", {"opening": opening.pk, "bidder": opening.bid.organization.name,
                                                     "files": len(files) - 1}, actor=actor)


def _fail(lot_id, opening, actor, err):
    with transaction.atomic():
        hall = _locked(lot_id)
        opening.refresh_from_db()
        _set_status(hall, opening, OpeningStatus.FAILED, actor=actor, outcome=OpeningOutcome.WITHDRAWN,
                    reason=_("Decryption failed for a reason other than the bidder's key (视为撤回): %(err)s")
                    % {"err": _("the stored sealed file could not be read") if isinstance(err, OSError)
                       else getattr(err, "message", err)})


def hand_in_share(*, actor, lot_id, payload, now=None) -> dict:
    """A custodian hands in its share. At k, the opening identity is rebuilt in memory; where
    the tender has bidders not decrypt, it then opens every bid still waiting."""
    now = now or timezone.now()
    tick(lot_id, now)
    hall = OpeningHall.objects.select_related("lot__project").filter(lot_id=lot_id).first()
    if hall is None:
        raise NotFound(_("This lot has no opening hall yet."))
    if hall.state not in (HallState.DECRYPTING, HallState.READING, HallState.CONFIRMING):
        opening_keys.ensure_after_deadline(actor=actor, project=hall.lot.project, now=now, what=_("hand in a key share"))
        raise RuleViolation(_("Shares are handed in once decryption has started."))
    result = opening_keys.hand_in_share(actor=actor, project=hall.lot.project, payload=payload, now=now)
    identity = None
    if result["count"] >= result["k"]:
        try:  # announced only once the rebuilt key matches the published recipient
            identity = opening_keys.opening_identity(hall.lot.project)
        except RuleViolation:
            identity = None  # a wrong share cannot be told from a right one alone; the remedy says why
    with transaction.atomic():
        locked = _locked(lot_id)
        _append(locked, "share_handed_in", {"custodian": str(actor), **result}, actor=actor)
        rebuilt = identity is not None and not locked.events.filter(kind="opening_key_rebuilt").exists()
        if rebuilt:
            _append(locked, "opening_key_rebuilt", {"k": result["k"]}, actor=None)
    if rebuilt and not rules_for(hall.lot.project).bidders_decrypt:
        for opening in hall.openings.filter(status=OpeningStatus.WAITING):
            with transaction.atomic():
                locked = _locked(lot_id)
                _set_status(locked, opening, OpeningStatus.DECRYPTING, actor=None)
            _decrypt_opening(opening.pk, identity, opened_with="opening", actor=None, now=now)
    return result


def apply_remedy(*, actor, lot_id, opening_id, now=None) -> BidOpening:
    """Where the tender names the custodians' stanza as its remedy, the host opens with the
    rebuilt opening key a bid its bidder failed to decrypt; the record says so."""
    now = now or timezone.now()
    with transaction.atomic():
        hall = _locked(lot_id)
        _require_host(actor, hall)
        if not rules_for(hall.lot.project).remedy_custodian_stanza:
            raise RuleViolation(_("This tender names no remedy for a bid that was not decrypted."))
        if hall.state not in (HallState.DECRYPTING, HallState.READING):
            raise RuleViolation(_("The remedy is applied after decryption has started and before the record is read."))
        opening = hall.openings.select_for_update().filter(pk=opening_id).first()
        if opening is None:
            raise NotFound(_("No such bid in this opening."))
        if opening.status == OpeningStatus.WAITING:
            # The bidder's time is its own until the limit: the host does not open for it early.
            raise RuleViolation(_("This bidder may still decrypt its bid until %(at)s; the remedy is for a bid that "
                                  "was not decrypted in time.") % {"at": local_text(hall.decryption_deadline)})
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
        hall = _locked(lot_id, now)
        _require_host(actor, hall)
        if hall.state != HallState.DECRYPTING:
            raise RuleViolation(_("Decryption is not running."))
        if hall.openings.filter(status__in=[OpeningStatus.WAITING, OpeningStatus.DECRYPTING]).exists():
            raise RuleViolation(_("Some bids are still waiting for their keys; decryption ends at %(at)s.")
                                % {"at": timezone.localtime(hall.decryption_deadline).strftime("%H:%M:%S")})
        _end_decryption(hall, actor=actor)
    return hall


def _end_decryption(hall: OpeningHall, *, actor):
    bidders_decrypt = rules_for(hall.lot.project).bidders_decrypt
    for opening in hall.openings.filter(status=OpeningStatus.WAITING):
        if bidders_decrypt:
            _set_status(hall, opening, OpeningStatus.FAILED, actor=actor, outcome=OpeningOutcome.REVOKED,
                        reason=_("The bidder did not decrypt its bid within the time limit (视为撤销)."))
        else:  # the custodians alone open in this tender: no fault of the bidder
            _set_status(hall, opening, OpeningStatus.FAILED, actor=actor, outcome=OpeningOutcome.WITHDRAWN,
                        reason=_("The opening key was not rebuilt within the time limit (视为撤回)."))
    hall.state = HallState.READING
    hall.save(update_fields=["state"])
    _append(hall, "decryption_ended", {"decrypted": hall.openings.filter(status=OpeningStatus.DECRYPTED).count()}, actor=actor)


# --- reading, K, confirmation ----------------------------------------------------------------


def read_record(*, actor, lot_id, now=None) -> OpeningHall:
    """唱标: publish the record row by row, each value exactly as sealed; a value that does not
    fit the declared items is flagged, a price above the ceiling marked for rejection."""
    now = now or timezone.now()
    with transaction.atomic():
        hall = _locked(lot_id)
        _require_host(actor, hall)
        if hall.state != HallState.READING:
            raise RuleViolation(_("The record is read once decryption has ended."))
        rules = rules_for(hall.lot.project)
        ceiling = hall.lot.ceiling_price
        for opening in hall.openings.select_related("bid__organization").filter(read_at__isnull=True).order_by("order"):
            if opening.status == OpeningStatus.DECRYPTED:
                opening.flags = check_form(opening.form, rules.declared_items)
                opening.above_ceiling, opening.ceiling_reason = _above_ceiling(opening.form, ceiling)
            opening.read_at = now
            opening.save(update_fields=["flags", "above_ceiling", "ceiling_reason", "read_at"])
            _append(hall, "row_read", {
                "opening": opening.pk, "order": opening.order, "bidder": opening.bid.organization.name,
                "uscc": opening.bid.organization.uscc, "outcome": opening.outcome, "reason": opening.reason,
                "form": opening.form, "flags": opening.flags, "above_ceiling": opening.above_ceiling,
                "ceiling_reason": opening.ceiling_reason,
            }, actor=actor)
        hall.state = HallState.CONFIRMING
        hall.confirm_deadline = now + timedelta(minutes=rules.confirm_minutes)
        hall.save(update_fields=["state", "confirm_deadline"])
        _append(hall, "confirmation_open", {"deadline": hall.confirm_deadline}, actor=actor)
    _schedule_tick(lot_id, hall.confirm_deadline)
    return hall


def _above_ceiling(form, ceiling) -> tuple[bool, str]:
    if ceiling is None or not isinstance(form, dict):
        return False, ""
    try:
        price = Decimal(str(form.get("price")))
    except (InvalidOperation, TypeError):
        return False, ""
    if price.is_finite() and price > ceiling:
        return True, _("The price %(price)s exceeds the ceiling price %(ceiling)s: the bid is to be rejected.") % {
            "price": f"{price:,.2f}", "ceiling": f"{ceiling:,.2f}"}
    return False, ""


def draw_k(*, actor, lot_id, now=None) -> OpeningHall:
    """Draw K live: reveal the committed seed, mix in every signed-in bidder's nonce, publish
    the inputs so that tools/recompute_k.py gives the same K."""
    now = now or timezone.now()
    with transaction.atomic():
        hall = _locked(lot_id)
        _require_host(actor, hall)
        if not hall.needs_k:
            raise RuleViolation(_("This tender draws no random coefficient."))
        if hall.k_value:
            raise RuleViolation(_("K has already been drawn."))
        if hall.state in (HallState.WAITING, HallState.CLOSED, HallState.FAILED):
            raise RuleViolation(_("K is drawn once sign-in has closed, after decryption has started."))
        rng = draw.make_range(hall.k_low, hall.k_high, hall.k_step)
        contributions = [(s.organization.uscc, s.nonce) for s in hall.sign_ins.select_related("organization")]
        seed = bytes.fromhex(hall.k_seed)
        result = draw.draw(seed, contributions, lot=_lot_id(hall.lot), rng=rng)
        hall.k_value, hall.k_drawn_at = result.k, now
        hall.save(update_fields=["k_value", "k_drawn_at"])
        inputs = draw.published_inputs(seed, contributions, lot=_lot_id(hall.lot), rng=rng)
        _append(hall, "k_drawn", {"k": result.k, "inputs": inputs}, actor=actor)
    return hall


def _bidder_opening(actor, hall) -> BidOpening:
    if getattr(actor, "role", None) != Role.BIDDER:
        raise PermissionDenied(_("Only bidders confirm or object."))
    opening = hall.openings.select_for_update().filter(bid__organization_id=actor.organization_id).first()
    if opening is None:
        raise NotFound(_("Your organization has no bid in this opening."))
    return opening


def _confirming(lot_id, now) -> OpeningHall:
    hall = _locked(lot_id, now)
    if hall.state != HallState.CONFIRMING or now >= hall.confirm_deadline:
        raise RuleViolation(_("The time to confirm or object is not open."))
    return hall


@on_the_clock
def confirm(*, actor, lot_id, now) -> BidOpening:
    with transaction.atomic():
        hall = _confirming(lot_id, now)
        opening = _bidder_opening(actor, hall)
        if opening.confirmation != Confirmation.PENDING:
            raise RuleViolation(_("You have already answered: %(c)s.") % {"c": Confirmation(opening.confirmation).label})
        opening.confirmation, opening.confirmed_at = Confirmation.CONFIRMED, now
        opening.save(update_fields=["confirmation", "confirmed_at"])
        _append(hall, "confirmed", {"opening": opening.pk, "bidder": opening.bid.organization.name, "at": now}, actor=actor)
    return opening


@on_the_clock
def raise_objection(*, actor, lot_id, question: str, now) -> Objection:
    """异议: raised during the opening, answered on the spot, recorded (实施条例 第44条)."""
    question = (question or "").strip()
    if not question or len(question) > 2000:
        raise RuleViolation(_("Write the objection (1 to 2000 characters)."))
    with transaction.atomic():
        hall = _confirming(lot_id, now)
        opening = _bidder_opening(actor, hall)
        objection = Objection.objects.create(opening=opening, question=question, asked_by=actor, asked_at=now)
        if opening.confirmation == Confirmation.PENDING:
            opening.confirmation, opening.confirmed_at = Confirmation.OBJECTED, now
            opening.save(update_fields=["confirmation", "confirmed_at"])
        _append(hall, "objection_raised", _objection_dict(objection), actor=actor)
    return objection


def answer_objection(*, actor, lot_id, objection_id, answer: str, now=None) -> Objection:
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise RuleViolation(_("Write the answer."))
    with transaction.atomic():
        hall = _locked(lot_id)
        _require_host(actor, hall)
        objection = Objection.objects.select_for_update().filter(pk=objection_id, opening__hall=hall).first()
        if objection is None:
            raise NotFound(_("No such objection."))
        if objection.answer:
            raise RuleViolation(_("This objection has been answered."))
        objection.answer, objection.answered_by, objection.answered_at = answer, actor, now
        objection.save(update_fields=["answer", "answered_by", "answered_at"])
        _append(hall, "objection_answered", _objection_dict(objection), actor=actor)
    return objection


def _end_confirmation(hall: OpeningHall):
    for opening in hall.openings.filter(confirmation=Confirmation.PENDING):
        opening.confirmation, opening.confirmed_at = Confirmation.DEEMED, hall.confirm_deadline
        opening.save(update_fields=["confirmation", "confirmed_at"])
        _append(hall, "deemed_accepted", {"opening": opening.pk, "bidder": opening.bid.organization.name}, actor=None)
    hall.confirm_deadline = min(hall.confirm_deadline, timezone.now())
    hall.save(update_fields=["confirm_deadline"])


# --- the end ---------------------------------------------------------------------------------


@on_the_clock
def end_opening(*, actor, lot_id, now) -> OpeningHall:
    """Close the opening: every bidder answered or the time ran out, every objection answered.
    The record becomes a PDF archived with its digest; the opening keys are forgotten."""
    from .record import build_record, render_record

    with transaction.atomic():
        hall = _locked(lot_id, now)
        _require_host(actor, hall)
        if hall.state != HallState.CONFIRMING:
            raise RuleViolation(_("The opening ends after the record is read and confirmed."))
        if hall.needs_k and not hall.k_value:
            raise RuleViolation(_("Draw K before ending the opening."))
        if hall.openings.filter(confirmation=Confirmation.PENDING).exists():
            raise RuleViolation(_("Some bidders have neither confirmed nor objected; wait until %(at)s.")
                                % {"at": timezone.localtime(hall.confirm_deadline).strftime("%H:%M:%S")})
        if Objection.objects.filter(opening__hall=hall, answer="").exists():
            raise RuleViolation(_("Answer every objection before ending the opening."))
        hall.state, hall.ended_at = HallState.ENDED, now
        hall.save(update_fields=["state", "ended_at"])
        pdf = render_record(build_record(hall))
        hall.record_pdf, hall.record_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
        hall.save(update_fields=["record_pdf", "record_sha256"])
        _append(hall, "opening_ended", {"record_sha256": hall.record_sha256, "at": now}, actor=actor)
        opening_keys.forget_opening_keys(actor=actor, project=hall.lot.project)
        room_transition(actor=actor, lot_id=hall.lot_id, name="start_evaluation", room=HALL, now=now)
    return hall


@on_the_clock
def fail_opening(*, actor, lot_id, reason: str, now) -> OpeningHall:
    """The host ends an opening that cannot go on (for example fewer valid bids than the
    tender's minimum once decrypted), with the reason; the lot fails and is re-run."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise RuleViolation(_("Give the reason the opening fails (1 to 2000 characters)."))
    with transaction.atomic():
        hall = _locked(lot_id, now)
        _require_host(actor, hall)
        if hall.state not in (HallState.DECRYPTING, HallState.READING, HallState.CONFIRMING):
            raise RuleViolation(_("An opening fails only once it has started and before it has ended."))
        hall.state, hall.ended_at = HallState.ABORTED, now
        hall.save(update_fields=["state", "ended_at"])
        _append(hall, "opening_failed", {"reason": reason, "at": now}, actor=actor)
        opening_keys.forget_opening_keys(actor=actor, project=hall.lot.project)
        room_transition(actor=actor, lot_id=hall.lot_id, name="fail_opening", room=HALL, reason=reason, now=now)
    return hall


def custodian_share_file(*, actor, lot_id) -> bytes:
    """A custodian's own encrypted share, to open in its browser at the opening."""
    hall = OpeningHall.objects.select_related("lot__project").filter(lot_id=lot_id).first()
    if hall is None:
        raise NotFound(_("This lot has no opening hall yet."))
    ceremony = KeyCeremony.objects.filter(project=hall.lot.project).first()
    share = CustodianShare.objects.filter(ceremony=ceremony, custodian=actor).first() if ceremony else None
    if share is None or not share.encrypted_share:
        raise NotFound(_("You hold no share of this tender's opening key."))
    return bytes(share.encrypted_share)
