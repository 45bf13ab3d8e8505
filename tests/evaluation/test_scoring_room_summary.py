"""The summary and ranking (汇总): by the leader, once all have submitted and no flag waits; built in a fixed number of queries; the tie seed revealed.

The lot worked by hand (comprehensive, lowest-price benchmark, price weight 40, two items of
0–20, five experts all agreeing): prices 900,000.00 / 910,000.00 / 920,000.00 yuan, items
scored 10+10, 15+15, 12+12. Benchmark B = 900,000.00; price points B / price × 40: 40.00,
39.5604… → 39.56, 39.1304… → 39.13; totals 60.00, 69.56, 63.13: the second bid first, then
the third, then the first; all three are candidates."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from evaluation.choices import RoomState
from evaluation.models import EvaluationEvent
from evaluation.room import core, scoring
from tests.evaluation.scoring_room import fail_review, score_all, scored_directly, scoring_room
from trading.errors import PermissionDenied, RuleViolation

pytestmark = pytest.mark.django_db

BY_HAND = {0: "10", 1: "15", 2: "12"}


def refused(call, kind=RuleViolation):
    with translation.override("en"), pytest.raises(kind) as caught:
        call()
    return str(caught.value)


def test_the_leader_sums_up_and_everyone_is_told_the_ranking():
    s = scoring_room(bids=3, members=5, items=2)
    score_all(s, lambda i, j, k: BY_HAND[j])
    assert refused(lambda: scoring.summarize(actor=s.user(1), lot_id=s.lot_id), PermissionDenied) == \
        "Only the committee leader makes the summary."
    scoring.summarize(actor=s.leader, lot_id=s.lot_id)
    room = s.fresh()
    assert room.state == RoomState.SUMMARIZED and room.summarized_at is not None
    result = room.summary["result"]
    by_bid = {b["id"]: b for b in result["bids"]}
    first, second, third = (by_bid[b.pk] for b in s.bids)
    assert (first["price_points"], second["price_points"], third["price_points"]) == ("40.00", "39.56", "39.13")
    assert (first["total"], second["total"], third["total"]) == ("60.00", "69.56", "63.13")
    assert result["ranking"] == [s.bids[1].pk, s.bids[2].pk, s.bids[0].pk]
    assert result["price"]["benchmark"] == "900000.00"
    told = EvaluationEvent.objects.get(room=room, kind="summarized")
    assert [(r["rank"], r["name"], r["total"]) for r in told.data["ranking"]] == [
        (1, s.bids[1].organization.name, "69.56"), (2, s.bids[2].organization.name, "63.13"),
        (3, s.bids[0].organization.name, "60.00")]
    assert len(told.data["candidates"]) == 3 and told.audience_id is None
    assert refused(lambda: scoring.summarize(actor=s.leader, lot_id=s.lot_id)) == \
        "The summary is made once every member has submitted."


def test_the_document_reveals_the_tie_seed_committed_when_the_room_opened():
    s = scoring_room(bids=2, members=5, items=1)
    room = s.fresh()
    commitment = room.tie_commitment
    score_all(s)
    scoring.summarize(actor=s.leader, lot_id=s.lot_id)
    doc = s.fresh().summary["document"]
    assert doc["tie_break"] == {"commitment": commitment, "seed": room.tie_seed}
    assert core.tie_commitment(bytes.fromhex(doc["tie_break"]["seed"]), doc["lot"]) == commitment
    assert [e["id"] for e in doc["experts"]] == [m.pk for m in s.members]
    assert len(doc["scores"]) == 5 * 2 * 1


def test_a_tie_on_price_and_points_is_drawn_from_the_seed_in_the_open():
    s = scoring_room(bids=3, members=5, items=1, prices=["900000", "900000", "950000"])
    score_all(s)
    scoring.summarize(actor=s.leader, lot_id=s.lot_id)
    room = s.fresh()
    drawn = EvaluationEvent.objects.get(room=room, kind="tie_drawn")
    assert drawn.data["seed"] == room.tie_seed
    assert sorted(drawn.data["ties"][0]["bids"]) == sorted(b.organization.name for b in s.bids[:2])
    tie = room.summary["result"]["ties"][0]
    assert tie["decided"] == ["draw"] and set(tie["bids"]) == {s.bids[0].pk, s.bids[1].pk}
    assert EvaluationEvent.objects.filter(room=room, kind="summarized").get().seq == drawn.seq + 1


def test_a_bid_the_review_failed_is_in_the_document_with_its_reasons_and_unranked():
    s = scoring_room(bids=3, members=5, items=1)
    fail_review(s, s.bids[0], voters=3, reason="未提供有效的安全生产许可证")
    score_all(s, bids=[1, 2])
    scoring.summarize(actor=s.leader, lot_id=s.lot_id)
    result = s.fresh().summary["result"]
    failed = next(b for b in result["bids"] if b["id"] == s.bids[0].pk)
    assert failed["responsive"] is False and failed["rank"] is None
    assert failed["reasons"] == ["营业执照有效: 未提供有效的安全生产许可证"] * 3
    assert result["ranking"] == [s.bids[1].pk, s.bids[2].pk]


def test_the_summary_waits_for_every_member():
    s = scoring_room(bids=1, members=5, items=1)
    score_all(s, members=range(3))
    assert refused(lambda: scoring.summarize(actor=s.leader, lot_id=s.lot_id)) == \
        "2 members have not submitted their scores yet."
    assert s.fresh().summary is None


def test_the_summary_needs_k_where_the_table_draws_one():
    s = scoring_room(bids=2, members=5, items=1, formula="average_benchmark", uses_k=True)
    score_all(s)
    assert "K was not drawn" in refused(lambda: scoring.summarize(actor=s.leader, lot_id=s.lot_id))
    s.lot.hall.k_value = "0.03"
    s.lot.hall.save()
    scoring.summarize(actor=s.leader, lot_id=s.lot_id)
    doc = s.fresh().summary["document"]
    # B = (900,000 + 910,000) / 2 × (1 − 0.03) = 877,850.00
    assert doc["price"]["k"] == "0.03" and s.room.summary["result"]["price"]["benchmark"] == "877850.00"


def test_after_the_summary_everyone_in_the_room_sees_every_score_and_flag():
    s = scoring_room(bids=1, members=5, items=1)
    score_all(s, lambda i, j, k: "5" if i == 4 else "15")
    scoring.confirm_flag(actor=s.user(4), lot_id=s.lot_id, bid_id=s.bids[0].pk, item_id=s.items[0].pk, reason="坚持")
    scoring.summarize(actor=s.leader, lot_id=s.lot_id)
    for viewer in ({"role": "member", "member_id": s.members[1].pk}, {"role": "supervisor", "member_id": None}):
        part = scoring.snapshot_part(s.fresh(), viewer)
        assert len(part["summary"]["document"]["scores"]) == 5
        assert part["flags"] == [{"member": s.members[4].pk, "bid": s.bids[0].pk, "item": s.items[0].pk,
                                  "points": "5.00", "others_mean": "15.0000", "direction": "below",
                                  "answered": "confirmed", "reason": "坚持"}]


def summary_queries(s) -> int:
    with CaptureQueriesContext(connection) as captured:
        scoring.summarize(actor=s.leader, lot_id=s.lot_id)
    return len(captured)


def test_the_summary_takes_the_same_queries_whatever_the_number_of_bids_experts_and_items(django_assert_num_queries):
    # Distinct prices and points: no tie, so no tie_drawn event at either size.
    small = scoring_room(bids=2, members=5, items=1)
    scored_directly(small, lambda i, j, k: str(10 + j))
    big = scoring_room(bids=12, members=9, items=6)
    scored_directly(big, lambda i, j, k: str(10 + j % 10 + Decimal(j) / 100))
    fail_review(big, big.bids[11], voters=5)
    n = summary_queries(small)
    big.fresh()
    with django_assert_num_queries(n):
        scoring.summarize(actor=big.leader, lot_id=big.lot_id)
    assert len(big.fresh().summary["document"]["scores"]) == 9 * 11 * 6
