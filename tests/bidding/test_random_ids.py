"""The keys of bids, bidders' keys and bid securities count no one's rows (招标投标法 第二十二条).

A bidder is handed its version's id, and after a deadline the audit trail names these rows by
their keys: a key that grew with every row on the platform would let a bidder, or a reader of
one tender's trail, count the bids handed in to the others while they are still secret."""

from decimal import Decimal
from itertools import pairwise

import pytest

from bidding.models import Bid, BidderKey, BidSecurity
from bidding.security import record_bid_security
from tests.bidding.conftest import client_for, make_bidder, make_tender, seal_bid, start_version

pytestmark = pytest.mark.django_db

# Keys drawn at random from 2**53 fall this close to each other once in some 10**12 draws;
# keys from a counter, with a handful of others' rows between them, always do.
NEAR = 10**3


def far_apart(keys: list[int]) -> bool:
    return all(abs(b - a) > NEAR for a, b in pairwise(keys))


def test_a_bidders_version_ids_say_nothing_of_another_bidders_versions():
    # given two tenders, a bidder on each
    first, second = make_tender(), make_tender()
    a, b = make_bidder(first), make_bidder(second)
    sealed_a, sealed_b = seal_bid(first, a), seal_bid(second, b)
    client_a, client_b = client_for(a.user), client_for(b.user)

    # when they declare versions in turn, each on its own lot
    seen_by_a, seen_by_b = [], []
    for _turn in range(3):
        for client, tender, sealed, seen in ((client_a, first, sealed_a, seen_by_a), (client_b, second, sealed_b, seen_by_b)):
            answer = start_version(client, tender.lot, sealed.manifest())
            assert answer.status_code == 201, answer.content
            seen.append(answer.json()["bid"])

    # then the ids the first bidder is handed neither follow each other nor leave gaps the
    # size of the other's versions; nor do all ids in the order they were made
    assert far_apart(seen_by_a) and far_apart(seen_by_b)
    made = [x for pair in zip(seen_by_a, seen_by_b, strict=True) for x in pair]
    assert far_apart(made)
    # and they are numbers a browser reads exactly, naming the bid the bidder holds
    assert all(0 < bid_id < 2**53 for bid_id in made)
    assert Bid.objects.get(pk=seen_by_a[-1]).organization == a.organization


def test_bidder_keys_and_bid_securities_are_keyed_at_random():
    # given two tenders
    first, second = make_tender(), make_tender()

    # when bidders register their keys for them in turn, and staff record their securities
    bidders = [make_bidder(tender) for _ in range(3) for tender in (first, second)]
    for bidder, tender in zip(bidders, [first, second] * 3, strict=True):
        record_bid_security(actor=tender.staff, lot=tender.lot, organization=bidder.organization,
                            amount=Decimal("10000"), method=BidSecurity.Method.TRANSFER, reference="银行回单")

    # then neither the keys' nor the securities' keys, which the trail names after each
    # tender's deadline, count the rows made for the other tender meanwhile
    keys = [BidderKey.objects.get(organization=b.organization).pk for b in bidders]
    securities = [BidSecurity.objects.get(organization=b.organization).pk for b in bidders]
    assert far_apart(keys) and far_apart(securities)
    assert far_apart(keys[0::2]) and far_apart(securities[0::2])
