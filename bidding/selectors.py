from .choices import BidState, HallState
from .models import Bid, BidSecurity, OpeningHall, TenderRules


def complete_bid_count(lot) -> int:
    """Bidders whose last complete version was committed before the deadline."""
    deadline = lot.project.bid_deadline
    qs = Bid.objects.filter(lot=lot, state=BidState.COMPLETE)
    if deadline is not None:
        qs = qs.filter(completed_at__lt=deadline)
    rules = TenderRules.objects.filter(project_id=lot.project_id).first()
    if rules is not None and rules.require_bid_security:
        # A tender that requires bid security counts only bids whose security is recorded.
        qs = qs.filter(organization__in=BidSecurity.objects.filter(lot=lot).values("organization"))
    return qs.values("organization").distinct().count()


def lifecycle_facts(lot, now) -> dict:
    """What the bidding floor knows that the lifecycle's guards ask: the complete bids (only
    once the deadline has passed), and whether the opening hall has closed its record."""
    facts = {"opening_record_complete": OpeningHall.objects.filter(lot=lot, state=HallState.ENDED).exists()}
    if lot.project.bid_deadline and now >= lot.project.bid_deadline:
        facts["complete_bids"] = complete_bid_count(lot)
    return facts
