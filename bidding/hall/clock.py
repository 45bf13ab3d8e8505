"""What the server's clock does to a hall: bidding closing at the deadline, time limits running out."""

from django.db import transaction
from django.utils import timezone

from trading.choices import LotState
from trading.models import Lot

from ..choices import HallState
from ..models import BidOpening, OpeningHall, SignIn
from ..selectors import counted_bids
from . import states
from .core import append, at_its_time, command_time, ensure_hall, locked, owes
from .decryption import end_decryption_now
from .reading import end_confirmation_now


@at_its_time
def on_bidding_closed(lot: Lot, *, complete_bids: int, now) -> None:
    """At the deadline (called by the closing job, in its transaction): publish who handed in
    a complete bid; with too few, announce that the lot is not opened."""
    ensure_hall(lot)
    hall = locked(lot.pk)
    if not states.may(hall, "close_bidding"):
        return
    bids = list(counted_bids(lot).select_related("organization").order_by("completed_at"))
    signed = set(SignIn.objects.filter(hall=hall).values_list("organization_id", flat=True))
    listing = [{"bidder": b.organization.name, "uscc": b.organization.uscc, "signed_in": b.organization_id in signed}
               for b in bids]
    lot.refresh_from_db(fields=["state"])
    if lot.state == LotState.FAILED:
        states.take(hall, "fail_too_few_bids")
        append(hall, "lot_failed", {"complete_bids": complete_bids, "min_bids": lot.project.min_bids, "bidders": listing,
                                     "citation": "《招标投标法实施条例》第四十四条"}, actor=None)
        return
    for order, bid in enumerate(bids, start=1):
        BidOpening.objects.create(hall=hall, bid=bid, order=order)
    states.take(hall, "close_bidding")
    append(hall, "bidding_closed", {"complete_bids": complete_bids, "bidders": listing}, actor=None)


def tick(lot_id, now=None) -> None:
    """Apply what the clock owes the hall (bidding over, decryption time over, confirmation
    time over): called by the scheduled task and before every action, so a late task changes
    nothing. The usual case (nothing due) is one read, without the write lock."""
    from ..closing import close_due_lots

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
    elif not owes(clock["state"], deadline, clock["hall__state"], clock["hall__decryption_deadline"],
                   clock["hall__confirm_deadline"], now):
        return
    with command_time(now), transaction.atomic():
        hall = OpeningHall.objects.select_for_update().select_related("lot__project").filter(lot_id=lot_id).first()
        if hall is None:
            return
        if hall.state == HallState.DECRYPTING and hall.decryption_deadline and now >= hall.decryption_deadline:
            end_decryption_now(hall, actor=None)
        if hall.state == HallState.CONFIRMING and hall.confirm_deadline and now >= hall.confirm_deadline:
            end_confirmation_now(hall)
