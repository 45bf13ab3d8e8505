"""Below-cost votes in the evaluation room: each with a written reason; a majority of the seated committee rejects the bid, reasons kept."""

import pytest
from django.utils import translation

from evaluation.choices import Stage
from evaluation.models import BelowCostVote, EvaluationEvent, Submission
from evaluation.room import scoring
from tests.evaluation.scoring_room import fail_review, score_all, scoring_room
from trading.errors import PermissionDenied, RuleViolation

pytestmark = pytest.mark.django_db


def vote(s, i, bid, reason="报价低于成本：人工费明显不足", kind="below_cost"):
    return scoring.vote_below_cost(actor=s.user(i), lot_id=s.lot_id, bid_id=bid.pk, vote=kind, reason=reason)


def refused(call, kind=RuleViolation):
    with translation.override("en"), pytest.raises(kind) as caught:
        call()
    return caught.value


def standing(s, bid, viewer=None):
    part = scoring.snapshot_part(s.fresh(), viewer or {"role": "member", "member_id": s.members[0].pk})
    return next(b for b in part["bids"] if b["id"] == bid.pk)


def test_a_vote_needs_a_reason_and_a_known_choice():
    s = scoring_room()
    assert refused(lambda: vote(s, 0, s.bids[0], reason="  ")).field == "reason"
    assert refused(lambda: vote(s, 0, s.bids[0], kind="maybe")).field == "vote"
    assert not BelowCostVote.objects.exists()


def test_a_majority_of_the_seated_committee_rejects_a_bid_below_cost_and_its_reasons_are_kept():
    s = scoring_room(bids=3, members=5)
    bid = s.bids[0]
    vote(s, 0, bid, reason="甲：人工费不足")
    vote(s, 1, bid, reason="乙：材料价低于市场价")
    vote(s, 2, bid, reason="丙：认为不低于成本", kind="not_below_cost")
    assert standing(s, bid)["below_cost"] is False  # 2 of 5
    vote(s, 3, bid, reason="丁：未能合理说明")
    shown = standing(s, bid)
    assert shown["below_cost"] is True and shown["scored"] is False
    with translation.override("en"):
        reasons = standing(s, bid)["reasons"]
    assert reasons == ["Below cost: 甲：人工费不足", "Below cost: 乙：材料价低于市场价", "Below cost: 丁：未能合理说明"]
    assert [v["reason"] for v in shown["votes"]] == ["甲：人工费不足", "乙：材料价低于市场价", "丙：认为不低于成本", "丁：未能合理说明"]
    said = refused(lambda: scoring.record_score(actor=s.user(4), lot_id=s.lot_id, bid_id=bid.pk,
                                                item_id=s.items[0].pk, points="10"))
    assert str(said) == "The committee rejected this bid as below cost: it is not scored."
    last = EvaluationEvent.objects.filter(room=s.room, kind="below_cost_vote").order_by("seq").last()
    assert (last.data["votes_below_cost"], last.data["members_seated"], last.data["rejected"]) == (3, 5, True)


def test_a_vote_changed_lifts_the_rejection_and_returns_the_submissions_now_short():
    s = scoring_room(bids=2, members=5, items=1)
    for i in range(3):
        vote(s, i, s.bids[1])
    score_all(s, members=range(4), bids=[0])  # the rejected bid is not owed: one score each
    assert Submission.objects.filter(stage=Stage.SCORING).count() == 4
    vote(s, 2, s.bids[1], reason="说明已合理", kind="not_below_cost")
    assert standing(s, s.bids[1])["scored"] is True
    assert not Submission.objects.filter(stage=Stage.SCORING).exists()
    returned = EvaluationEvent.objects.filter(room=s.room, kind="submission_returned")
    assert sorted(e.data["member"] for e in returned) == sorted(m.pk for m in s.members[:4])
    assert {e.data["missing"] for e in returned} == {1}


def test_a_bid_the_review_failed_takes_no_vote():
    s = scoring_room()
    fail_review(s, s.bids[2], voters=3)
    assert str(refused(lambda: vote(s, 0, s.bids[2]))) == "This bid did not pass the review: it is not evaluated."


def test_the_supervisor_cannot_vote():
    s = scoring_room()
    refused(lambda: scoring.vote_below_cost(actor=s.people["city_supervisor"], lot_id=s.lot_id, bid_id=s.bids[0].pk,
                                            vote="below_cost", reason="理由"), PermissionDenied)
