"""Factories for bidding's objects (factory_boy): bids, and the helpers that hand them in.

The lots, organizations and people they belong to come from tests/trading/factories.py."""

from datetime import timedelta

import factory
from django.utils import timezone

from bidding.choices import BidState
from bidding.models import Bid
from tests.trading.factories import LotFactory, OrganizationFactory, bidder


class BidFactory(factory.django.DjangoModelFactory):
    """A bidder's complete bid, handed in a minute before the lot's deadline unless told."""

    class Meta:
        model = Bid

    lot = factory.SubFactory(LotFactory)
    organization = factory.SubFactory(OrganizationFactory)
    version = 1
    state = BidState.COMPLETE
    created_by = factory.LazyAttribute(lambda o: bidder(o.organization))
    completed_at = factory.LazyAttribute(
        lambda o: (o.lot.project.bid_deadline or timezone.now()) - timedelta(minutes=1)
        if o.state == BidState.COMPLETE else None
    )


def complete_bids(lot, n: int, **kw) -> list[Bid]:
    """`n` bidders, each with one complete bid on `lot`."""
    return [BidFactory(lot=lot, **kw) for _ in range(n)]
