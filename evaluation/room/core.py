"""The evaluation room's ground: its room kind, its row locked, its numbered events, who acts.

Every room command: locks the room (locked), asks the step table (require_step), finds who acts
(member_acting / staff_acting: from the session's user, never the message), changes its tables,
appends its events (append: stored, audited, the bell rung after the commit)."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms import log
from rooms.kinds import RoomKind
from trading import audit
from trading.errors import NotFound, PermissionDenied, RuleViolation

from ..choices import SEATED, DrawState
from ..models import CommitteeMember, EvaluationEvent, EvaluationRoom
from . import states
from .events import ROOM_EVENTS

ROOM = "evaluation"


class EvaluationKind(RoomKind):
    name = ROOM
    room_model = EvaluationRoom
    event_model = EvaluationEvent
    room_field = "room"
    catalog = ROOM_EVENTS


KIND = EvaluationKind()


def tie_commitment(seed: bytes, lot_code: str) -> str:
    """SHA-256 over the domain, the lot and the seed: published when the room opens, so the
    tie-break draw cannot be chosen after the points are known (docs/evaluation-format.md)."""
    return hashlib.sha256(b"kaibiao/tie-break v1\0" + lot_code.encode() + b"\0" + seed).hexdigest()


def ensure_room(lot, now=None) -> EvaluationRoom:
    """The lot's room, opened once its committee is formed, with its tie-break commitment."""
    room = EvaluationRoom.objects.filter(lot=lot).first()
    if room is not None:
        return room
    draw = getattr(lot, "committee_draw", None)
    if draw is None or draw.state not in (DrawState.FORMED, DrawState.REVEALED):
        raise RuleViolation(_("The evaluation room opens once the committee is formed."))
    now = now or timezone.now()
    seed = secrets.token_bytes(32)
    with transaction.atomic():
        room, created = EvaluationRoom.objects.get_or_create(lot=lot, defaults={
            "tie_seed": seed.hex(), "tie_commitment": tie_commitment(seed, f"{lot.project.code}/{lot.number}"),
            "opened_at": now})
        if created:
            append(room, "room_opened", {"tie_commitment": room.tie_commitment}, actor=None, at=now)
    return room


def locked(lot_id) -> EvaluationRoom:
    """The lot's room, its row locked until the transaction ends."""
    room = (EvaluationRoom.objects.select_for_update(of=("self",)).select_related("lot__project")
            .filter(lot_id=lot_id).first())
    if room is None:
        raise NotFound(_("This lot has no evaluation room yet."))
    return room


def require_step(room: EvaluationRoom, step: str) -> None:
    """Refuse, with the table's words, a step the room's state does not allow; and every
    member's step while the room is paused."""
    refused = states.refusal(room, step)
    if refused:
        raise RuleViolation(str(refused))


def require_running(room: EvaluationRoom) -> None:
    if room.paused_at is not None:
        raise RuleViolation(_("The room is paused: %(reason)s") % {"reason": room.pause_reason})


def member_acting(room: EvaluationRoom, user) -> CommitteeMember:
    """The seated committee member `user` is in this room's lot, or PermissionDenied: staff,
    supervisors and everyone else act on no member's step."""
    member = (CommitteeMember.objects.select_related("expert")
              .filter(draw__lot_id=room.lot_id, expert__user_id=getattr(user, "pk", None), state__in=SEATED).first())
    if member is None:
        raise PermissionDenied(_("Only a member of this lot's committee may do this."))
    return member


def seated_members(room: EvaluationRoom) -> list[CommitteeMember]:
    return list(CommitteeMember.objects.select_related("expert__user")
                .filter(draw__lot_id=room.lot_id, state__in=SEATED).order_by("pick"))


def append(room: EvaluationRoom, kind: str, data: dict, *, actor, at=None, audience=None) -> EvaluationEvent:
    """Append one numbered event of a declared kind (the room row locked by the caller) and
    audit it as `evaluation.room.<kind>`; the bell rings after the commit."""
    at = at or timezone.now()
    event = log.append(KIND, room, kind, data, at=at, audience_id=getattr(audience, "pk", audience))
    audit.record(actor=actor, action=f"evaluation.room.{kind}", obj=room, project=room.lot.project,
                 data={"seq": event.seq, **data})
    return event


# A bid the committee evaluates: opened at the opening (decrypted by its bidder, or by the
# tender's remedy); a bid that counts as revoked or withdrawn is not evaluated.
EVALUATED_OUTCOMES = ("decrypted", "remedied")


def opened_bids(lot_id) -> list[dict]:
    """The lot's opened bids in the record's order, as plain values (one query): the bid's id,
    its bidder, its declared price (Decimal, or None where the form carries none readable) and
    its opening form as sealed."""
    from bidding.models import BidOpening
    from trading.formats import AmountError, parse_amount

    rows = []
    for o in (BidOpening.objects.filter(hall__lot_id=lot_id, outcome__in=EVALUATED_OUTCOMES).order_by("order")
              .values("bid_id", "order", "form", "bid__organization_id", "bid__organization__name")):
        try:
            price = parse_amount((o["form"] or {}).get("price"))
        except (AmountError, TypeError, ValueError):
            price = None
        rows.append({"id": o["bid_id"], "order": o["order"], "organization_id": o["bid__organization_id"],
                     "bidder": o["bid__organization__name"], "price": price, "form": o["form"] or {}})
    return rows
