"""Scoring in the evaluation room: each score within its item's range, changed until submitted, submitted whole; who may score.

The refusals are read in English on purpose (translation.override("en")): the words asserted
are the code's own msgids."""

from decimal import Decimal

import pytest
from django.utils import timezone, translation

from evaluation.choices import RoomState, Stage
from evaluation.models import EvaluationEvent, Score, Submission
from evaluation.room import scoring
from tests.evaluation.opened import expert
from tests.evaluation.scoring_room import fail_review, score_all, scoring_room
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


def refusal(call, kind=RuleViolation) -> str:
    with translation.override("en"), pytest.raises(kind) as caught:
        call()
    return str(caught.value)


def score(s, i, bid, item, points, **kw):
    return scoring.record_score(actor=s.user(i), lot_id=s.lot_id, bid_id=bid.pk, item_id=item.pk, points=points, **kw)


def test_a_score_outside_the_items_range_is_refused_saying_the_range():
    s = scoring_room()
    item = s.items[0]
    for outside in ("20.01", "-1", "21"):
        said = refusal(lambda: score(s, 0, s.bids[0], item, outside))
        assert said == f"“{item.name}” is scored from 0 to 20 points."
    assert "at most two decimal places" in refusal(lambda: score(s, 0, s.bids[0], item, "15.555"))
    assert "a number" in refusal(lambda: score(s, 0, s.bids[0], item, "很好"))
    assert not Score.objects.exists()
    # Both ends of the range are inside it.
    score(s, 0, s.bids[0], item, "0")
    score(s, 0, s.bids[1], item, "20")
    assert sorted(Score.objects.values_list("points", flat=True)) == [Decimal("0.00"), Decimal("20.00")]


def test_a_score_changes_until_submitted_and_is_recorded_each_time():
    s = scoring_room(bids=2, items=1)
    bid, item = s.bids[0], s.items[0]
    score(s, 1, bid, item, "12.5")
    score(s, 1, bid, item, "14")
    one = Score.objects.get()
    assert (one.member_id, one.points) == (s.members[1].pk, Decimal("14.00"))
    recorded = AuditEvent.objects.filter(action="evaluation.scoring.score_recorded").order_by("seq")
    assert [(e.data["points"], e.data["previous"]) for e in recorded] == [("12.50", None), ("14.00", "12.50")]
    score(s, 1, s.bids[1], item, "9")
    scoring.submit_scores(actor=s.user(1), lot_id=s.lot_id)
    said = refusal(lambda: score(s, 1, bid, item, "15"))
    assert "You have submitted your scores" in said
    assert Score.objects.get(bid=bid).points == Decimal("14.00")


def test_submitting_is_refused_with_the_count_of_scores_missing():
    s = scoring_room(bids=3, items=2)
    score(s, 2, s.bids[0], s.items[0], "10")
    assert refusal(lambda: scoring.submit_scores(actor=s.user(2), lot_id=s.lot_id)).startswith(
        "5 scores are missing")
    for bid in s.bids:
        for item in s.items:
            score(s, 2, bid, item, "10")
    scoring.submit_scores(actor=s.user(2), lot_id=s.lot_id)
    assert Submission.objects.filter(member=s.members[2], stage=Stage.SCORING).exists()
    assert "already submitted" in refusal(lambda: scoring.submit_scores(actor=s.user(2), lot_id=s.lot_id))
    told = EvaluationEvent.objects.filter(room=s.room, kind="scores_submitted").get()
    assert told.data == {"member": s.members[2].pk, "members_submitted": 1, "members_seated": 5}


def test_a_bid_the_review_failed_is_not_scored_nor_counted():
    s = scoring_room(bids=3, items=2)
    fail_review(s, s.bids[1], voters=3)  # 3 of 5: a majority
    fail_review(s, s.bids[2], voters=2)  # 2 of 5: no majority, the bid passes
    said = refusal(lambda: score(s, 0, s.bids[1], s.items[0], "10"))
    assert said == "This bid did not pass the review: it is not scored."
    for bid in (s.bids[0], s.bids[2]):
        for item in s.items:
            score(s, 0, bid, item, "10")
    scoring.submit_scores(actor=s.user(0), lot_id=s.lot_id)  # 4 scores are all that is owed
    part = scoring.snapshot_part(s.fresh(), {"role": "member", "member_id": s.members[0].pk})
    failed = next(b for b in part["bids"] if b["id"] == s.bids[1].pk)
    assert failed["scored"] is False and failed["reasons"] == ["营业执照有效: 营业执照已过期"] * 3
    assert part["needed"] == 4


def test_only_a_seated_member_scores_supervisors_staff_and_others_are_refused():
    s = scoring_room()
    outsider = expert(s.people.province).user
    # The lot's supervisors and staff, another center's, a bidder (of this very lot, too), an
    # expert of the pool who is not on the committee, the tenderee.
    own_bidder = s.bids[0].created_by
    people = [s.people["city_supervisor"], s.people["province_supervisor"], s.people["unrelated_supervisor"],
              s.people["center_staff"], s.people["other_center_staff"], s.people["bidder"], own_bidder, outsider,
              s.people["tenderee"]]
    for person in people:
        for call in (
            lambda: scoring.record_score(actor=person, lot_id=s.lot_id, bid_id=s.bids[0].pk, item_id=s.items[0].pk,
                                         points="10"),
            lambda: scoring.submit_scores(actor=person, lot_id=s.lot_id),
            lambda: scoring.confirm_flag(actor=person, lot_id=s.lot_id, bid_id=s.bids[0].pk, item_id=s.items[0].pk,
                                         reason="理由"),
            lambda: scoring.vote_below_cost(actor=person, lot_id=s.lot_id, bid_id=s.bids[0].pk, vote="below_cost",
                                            reason="理由"),
            lambda: scoring.summarize(actor=person, lot_id=s.lot_id),
        ):
            assert refusal(call, PermissionDenied) == "Only a member of this lot's committee may do this."
    assert not Score.objects.exists() and not EvaluationEvent.objects.filter(room=s.room).exclude(kind="room_opened").exists()


def test_scores_are_taken_only_in_the_scoring_step_and_not_while_paused():
    s = scoring_room(state=RoomState.REVIEWING)
    assert refusal(lambda: score(s, 0, s.bids[0], s.items[0], "10")) == "Scores are recorded during the scoring."
    s.room.state, s.room.paused_at, s.room.pause_reason = RoomState.SCORING, timezone.now(), "网络故障"
    s.room.save()
    assert refusal(lambda: score(s, 0, s.bids[0], s.items[0], "10")) == "The room is paused: 网络故障"


def test_an_item_or_bid_of_another_lot_is_not_found():
    s, other = scoring_room(), scoring_room()
    refusal(lambda: score(s, 0, s.bids[0], other.items[0], "10"), NotFound)
    refusal(lambda: score(s, 0, other.bids[0], s.items[0], "10"), NotFound)


def test_every_score_event_everyone_sees_carries_counts_only():
    s = scoring_room(bids=2, items=2)
    score_all(s, lambda i, j, k: f"{10 + i}.5", submit=False)
    scoring.submit_scores(actor=s.user(0), lot_id=s.lot_id)
    events = EvaluationEvent.objects.filter(room=s.room).exclude(kind="room_opened")
    assert {e.kind for e in events} == {"scoring_progress", "scores_submitted"}
    assert all(e.audience_id is None for e in events)
    last = events.filter(kind="scoring_progress").order_by("seq").last()
    assert last.data == {"member": s.members[4].pk, "scored": 4, "needed": 4, "submitted": False}
    for e in events:
        assert not {"points", "previous", "item"} & set(e.data), e.data
