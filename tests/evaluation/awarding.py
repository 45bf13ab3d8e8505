"""A lot after its report, for the tests of the publicity, the award and the contract (and trading's lifecycle tests).

`opened(lot, prices)` gives the lot's complete bids (oldest first) their row of an ended opening
with the price read; `report_final(lot, bids)` stands in for the evaluation room the committee
finished (a final room whose summary ranks `bids` as candidates: the room's own steps are
tested with the room); `publicized(...)` takes the lot through the publicity by trading's
service, as staff do; `awarded(...)` on to the award once the publicity is over."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bidding.choices import BidState, HallState, OpeningStatus
from bidding.models import Bid, BidOpening, OpeningHall
from evaluation.choices import RoomState
from evaluation.models import EvaluationRoom
from tests.evaluation.drawn import evaluated_lot
from tests.trading.factories import bidder, staff
from trading import services
from trading.models import Lot

DAY = timedelta(days=1)


def opened(lot: Lot, prices) -> list[Bid]:
    """Each of the lot's complete bids (oldest first) opened and read with its price; a price of
    None leaves the form without one. The opening hall is ended. Returns the bids in that order."""
    hall, _created = OpeningHall.objects.get_or_create(lot=lot, defaults={"state": HallState.ENDED})
    bids = list(Bid.objects.filter(lot=lot, state=BidState.COMPLETE).order_by("completed_at", "pk"))
    for order, (bid, price) in enumerate(zip(bids, prices), start=1):
        BidOpening.objects.update_or_create(bid=bid, defaults={
            "hall": hall, "order": order, "status": OpeningStatus.DECRYPTED, "outcome": "decrypted",
            "form": {"price": price} if price is not None else {}})
    return bids


def report_final(lot: Lot, bids, *, now=None) -> EvaluationRoom:
    """A final room for the lot whose summary names `bids` (Bid rows or ids) as the ranked candidates."""
    now = now or timezone.now()
    ids = [getattr(bid, "pk", bid) for bid in bids]
    return EvaluationRoom.objects.create(
        lot=lot, state=RoomState.FINAL, tie_seed="00" * 32, tie_commitment="11" * 32, opened_at=now - DAY,
        summary={"document": {"format": "kaibiao/evaluation v1", "lot": f"{lot.project.code}/{lot.number}",
                              "bids": [{"id": i} for i in ids]},
                 "result": {"ranking": [{"bid": i, "rank": r} for r, i in enumerate(ids, start=1)],
                            "candidates": ids}},
        summarized_at=now - DAY / 2, final_at=now - DAY / 4)


@dataclass
class Awarding:
    lot: Lot
    staff: object
    bids: list
    now: object
    bidders: list = field(default_factory=list)  # a user of each bid's organization, in the bids' order

    @property
    def winner(self):
        return self.bids[0].organization

    def refresh(self):
        self.lot.refresh_from_db()
        return self.lot


def publicized(lot: Lot | None = None, prices=("880000.00", "905000.00", "931500.00"), *, now=None,
               room=True) -> Awarding:
    """A lot (a new one in evaluation when None) opened with `prices`, its report final ranking the
    bids in that order, and its candidates published by its center staff at `now`."""
    now = now or timezone.now()
    lot = lot or evaluated_lot(bidders=len(prices))
    bids = opened(lot, prices)
    if room:
        report_final(lot, bids, now=now)
    runner = staff(lot.project.center)
    services.transition_lot(actor=runner, lot=lot, name="publicize", now=now)
    lot.refresh_from_db()
    return Awarding(lot=lot, staff=runner, bids=bids, now=now, bidders=[bidder(b.organization) for b in bids])


def awarded(scene: Awarding | None = None, *, at=None, price=None) -> Awarding:
    """`scene` (a new publicized lot when None) awarded by its staff once the publicity is over."""
    scene = scene or publicized(now=timezone.now() - 4 * DAY)
    at = at or scene.now + timedelta(days=scene.lot.project.publicity_days, minutes=1)
    price = price if price is not None else Decimal(scene.lot.notices.get(kind="candidates").details["candidates"][0]["price"])
    services.transition_lot(actor=scene.staff, lot=scene.lot, name="award", award_price=price, now=at)
    scene.lot.refresh_from_db()
    scene.now = at
    return scene


def candidates_published(lot: Lot, prices=("880000.00", "905000.00", "931500.00"), *, now=None) -> list[dict]:
    """For a lot made in publicity directly: its candidates' publicity as trading publishes it,
    the lot's complete bids (oldest first) ranked at `prices`."""
    from trading.models import Notice

    bids = list(Bid.objects.filter(lot=lot, state=BidState.COMPLETE).order_by("completed_at", "pk")
                .select_related("organization"))
    ranked = [{"rank": rank, "organization": bid.organization_id, "name": bid.organization.name,
               "uscc": bid.organization.uscc, "price": price}
              for rank, (bid, price) in enumerate(zip(bids, prices), start=1)]
    Notice.objects.create(project=lot.project, lot=lot, kind="candidates", title="中标候选人公示", body="公示",
                          details={"candidates": ranked}, published_at=now or lot.state_changed_at)
    return ranked


def contract_signed(lot: Lot, *, amount="880000.00"):
    """For a lot made awarded directly: the contract's date and amount as its staff record them
    (evaluation.awarding.record_contract) just before the transition."""
    from evaluation.models import Contract

    return Contract.objects.create(lot=lot, signed_on=timezone.localdate(lot.state_changed_at), amount=Decimal(amount),
                                   recorded_by=staff(lot.project.center), recorded_at=lot.state_changed_at)
