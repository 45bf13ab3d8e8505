"""Bidding's shared reads: the bids an opening counts, and the facts the lifecycle's guards ask of it."""

from .choices import BidState, HallState
from .models import Bid, BidSecurity, OpeningHall, TenderRules


def counted_bids(lot):
    """The bids the opening counts: each bidder's complete version, committed before the
    deadline, with its bid security recorded where the tender requires it. The one rule, for
    the lifecycle's count and the hall's list alike."""
    deadline = lot.project.bid_deadline
    qs = Bid.objects.filter(lot=lot, state=BidState.COMPLETE)
    if deadline is not None:
        qs = qs.filter(completed_at__lt=deadline)
    rules = TenderRules.objects.filter(project_id=lot.project_id).first()
    if rules is not None and rules.require_bid_security:
        qs = qs.filter(organization__in=BidSecurity.objects.filter(lot=lot).values("organization"))
    return qs


def complete_bid_count(lot) -> int:
    """How many bidders the opening counts."""
    return counted_bids(lot).values("organization").distinct().count()


def lifecycle_facts(lot, now) -> dict:
    """What the bidding floor knows that the lifecycle's guards ask: the complete bids (only
    once the deadline has passed), and whether the opening hall has closed its record."""
    facts = {"opening_record_complete": OpeningHall.objects.filter(lot=lot, state=HallState.ENDED).exists()}
    if lot.project.bid_deadline and now >= lot.project.bid_deadline:
        facts["complete_bids"] = complete_bid_count(lot)
    return facts
