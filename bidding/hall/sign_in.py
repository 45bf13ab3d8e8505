"""Arriving in the hall: a bidder's sign-in (签到) and a supervisor's presence (监标)."""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.errors import RuleViolation

from ..choices import BidState, HallState
from ..models import Bid, OpeningHall, SignIn, SupervisorPresence
from . import states
from ..rules import check
from .core import append, locked, on_the_clock, require_step
from .viewing import viewer_for

NONCE = re.compile(r"^[0-9a-f]{64}$")


def note_supervisor(*, actor, lot_id, now=None) -> bool:
    """A supervisor of the lot's center (or above) who opens the hall before the opening ends is
    recorded once, audited, and named on the record as its 监标人. True if newly recorded."""
    now = now or timezone.now()
    lot, _viewer = viewer_for(actor, lot_id)
    check(actor, "bidding.watch_hall", lot.project)
    hall = OpeningHall.objects.filter(lot=lot).first()
    if hall is None or hall.state in states.FINISHED:
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
    check(actor, "bidding.sign_in")
    nonce = (nonce or "").lower()
    if not NONCE.match(nonce):
        raise RuleViolation(_("The sign-in needs the browser's 32-byte random contribution (64 hex digits)."))
    with transaction.atomic():
        hall = locked(lot_id, now)
        require_step(hall, "sign_in")
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
            append(hall, "signed_in", signed, actor=actor)
    return row
