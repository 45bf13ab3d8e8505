"""The evaluation room's snapshot: what each role sees, and a fixed number of queries whatever the
number of bids, members, checks and items."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bidding.models import BidOpening
from evaluation.models import ScoringTable, TableCheck, TableItem
from evaluation.room import gathering as g
from evaluation.room import viewing
from tests.bidding.factories import BidFactory
from tests.evaluation.room_helpers import formed
from tests.trading.factories import OrganizationFactory
from trading.errors import NotFound

pytestmark = pytest.mark.django_db


def with_table(lot, checks: int, items: int) -> ScoringTable:
    table = ScoringTable.objects.create(lot=lot, price_weight=Decimal("40"))
    for i in range(checks):
        TableCheck.objects.create(table=table, kind="qualification" if i % 2 else "responsiveness", name=f"审查项{i}",
                                  order=i)
    for i in range(items):
        TableItem.objects.create(table=table, category="technical" if i % 2 else "commercial", name=f"评分项{i}",
                                 low=Decimal("0"), high=Decimal("10"), order=i)
    return table


def more_bids(committee, n: int):
    hall = BidOpening.objects.filter(bid__lot=committee.lot).first().hall
    start = BidOpening.objects.filter(hall=hall).count()
    for order in range(start + 1, start + n + 1):
        bid = BidFactory(lot=committee.lot, organization=OrganizationFactory())
        BidOpening.objects.create(hall=hall, bid=bid, order=order, status="decrypted", outcome="decrypted",
                                  form={"price": "990000.00"})


def room_in_progress(n: int, bids: int, checks: int, items: int):
    """A room in which every member signed in and declared, and all but one voted."""
    committee = formed(n=n, bidders=3)
    more_bids(committee, bids - 3)
    with_table(committee.lot, checks, items)
    for i in range(n):
        g.sign_in(actor=committee.user(i), lot_id=committee.lot.pk)
        g.declare_no_conflict(actor=committee.user(i), lot_id=committee.lot.pk)
    for i in range(n // 2):
        g.vote_leader(actor=committee.user(i), lot_id=committee.lot.pk, candidate_id=committee.members[i].pk)
    return committee


def snapshot_for(committee, user):
    room, viewer = viewing.viewer_for(user, committee.lot.pk)
    return viewing.snapshot(room.pk, viewer)


def test_the_snapshot_takes_the_same_queries_for_a_small_and_a_large_room(django_assert_num_queries):
    small = room_in_progress(n=5, bids=3, checks=2, items=2)
    large = room_in_progress(n=9, bids=12, checks=8, items=10)
    with CaptureQueriesContext(connection) as counted:
        small_snap = snapshot_for(small, small.user(0))
    assert len(small_snap["members"]) == 5 and len(small_snap["bids"]) == 3
    with django_assert_num_queries(len(counted.captured_queries)):
        large_snap = snapshot_for(large, large.user(0))
    assert len(large_snap["members"]) == 9 and len(large_snap["bids"]) == 12
    assert len(large_snap["table"]["checks"]) == 8 and len(large_snap["table"]["items"]) == 10
    # the same for the staff and the supervisors
    with CaptureQueriesContext(connection) as staff_counted:
        snapshot_for(small, small.staff)
    with django_assert_num_queries(len(staff_counted.captured_queries)):
        snapshot_for(large, large.staff)


def test_a_member_reads_the_room_with_their_own_progress():
    committee = room_in_progress(n=5, bids=4, checks=1, items=1)
    snap = snapshot_for(committee, committee.user(1))
    assert snap["type"] == "snapshot" and snap["state"] == "gathering" and snap["paused"] is None
    assert snap["you"] == {"role": "member", "member_id": committee.members[1].pk, "leader": False}
    assert snap["lot"]["id"] == committee.lot.pk and snap["lot"]["method"] == committee.lot.evaluation_method
    assert all(isinstance(b["price"], str) for b in snap["bids"])
    assert [m["pick"] for m in snap["members"]] == sorted(m["pick"] for m in snap["members"])
    assert all(m["signed_in"] and m["declared"] for m in snap["members"])
    assert snap["gathering"]["mine"]["vote"] == committee.members[1].pk
    assert snap["gathering"]["seated"] == 5 and snap["gathering"]["majority"] == 3
    assert snap["gathering"]["votes"] == {str(committee.members[0].pk): 1, str(committee.members[1].pk): 1}
    assert snap["table"]["price"]["weight"] == "40.00"
    assert snap["last_seq"] == committee.room.events.count()
    assert set(viewing.PARTS) <= set(snap)
    assert "tie_seed" not in str(snap) and committee.room.tie_seed not in str(snap)


@pytest.mark.parametrize("who, role", [("staff", "staff"), ("supervisor", "supervisor")])
def test_staff_and_supervisors_read_the_room_and_are_no_member(who, role):
    committee = room_in_progress(n=5, bids=3, checks=0, items=0)
    snap = snapshot_for(committee, getattr(committee, who))
    assert snap["you"] == {"role": role, "member_id": None, "leader": False}
    assert snap["gathering"]["mine"] is None and snap["table"]["checks"] == []


def test_a_lot_without_a_table_reads_without_one():
    committee = formed(n=5)
    assert snapshot_for(committee, committee.user(0))["table"] is None


@pytest.mark.parametrize("who", ["public", "bidder", "expert not on the committee", "another center's staff",
                                 "another center's supervisor"])
def test_anyone_else_is_told_there_is_no_such_room_as_for_a_lot_without_one(who):
    from django.contrib.auth.models import AnonymousUser

    from tests.evaluation.factories import ExpertFactory
    from tests.trading.factories import bidder, staff, supervisor

    committee = formed(n=5)
    user = {"public": AnonymousUser, "bidder": lambda: bidder(committee.bids[0].organization),
            "expert not on the committee": lambda: ExpertFactory().user, "another center's staff": staff,
            "another center's supervisor": supervisor}[who]()
    with pytest.raises(NotFound) as refused:
        viewing.viewer_for(user, committee.lot.pk)
    with pytest.raises(NotFound) as nothing:
        viewing.viewer_for(user, committee.lot.pk + 10_000)
    assert refused.value.message == nothing.value.message
