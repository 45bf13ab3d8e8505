"""Flags on outlying scores: raised once every member has submitted, told to that member alone, answered by a change or a reason; the score never changed by the platform.

The lot: five members, one bid, one item of 0–20 points, the threshold 30% of the range (6
points). Four members give 15 and one gives 5: the others' mean is 15, |5 − 15| = 10 > 6, so
the 5 is flagged; each 15 has the others' mean (15 + 15 + 15 + 5) / 4 = 12.5, 2.5 away: none is."""

from decimal import Decimal

import pytest
from django.utils import translation

from evaluation.choices import Stage
from evaluation.models import EvaluationEvent, Score, Submission
from evaluation.room import scoring
from tests.evaluation.scoring_room import score_all, scoring_room
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

OUTLIER = 4


def lot_with_an_outlier(**kw):
    s = scoring_room(bids=1, members=5, items=1, **kw)
    score_all(s, lambda i, j, k: "5" if i == OUTLIER else "15")
    return s


def refused(call, kind=RuleViolation):
    with translation.override("en"), pytest.raises(kind) as caught:
        call()
    return caught.value


def the_outliers_score(s):
    return Score.objects.get(member=s.members[OUTLIER])


def snapshot(s, i):
    return scoring.snapshot_part(s.fresh(), {"role": "member", "member_id": s.members[i].pk})


def test_no_flag_until_every_member_has_submitted():
    s = scoring_room(bids=1, members=5, items=1)
    score_all(s, lambda i, j, k: "5" if i == OUTLIER else "15", members=range(5))  # the last one submits last
    flagged = EvaluationEvent.objects.filter(room=s.room, kind="score_flagged")
    assert flagged.count() == 1 and flagged.get().seq == EvaluationEvent.objects.filter(room=s.room).last().seq


def test_an_outlier_is_flagged_to_its_member_alone_and_its_points_stay():
    s = lot_with_an_outlier()
    score = the_outliers_score(s)
    assert score.points == Decimal("5.00") and score.flagged_at is not None
    assert score.others_mean == Decimal("15")
    assert Score.objects.filter(flagged_at__isnull=False).count() == 1
    told = EvaluationEvent.objects.get(room=s.room, kind="score_flagged")
    assert told.audience_id == s.members[OUTLIER].pk
    assert told.data["flags"] == [{"bid": s.bids[0].pk, "bidder": s.bids[0].organization.name, "item": s.items[0].pk,
                                   "item_name": s.items[0].name, "points": "5.00", "direction": "below"}]
    mine = snapshot(s, OUTLIER)["mine"]["scores"]
    assert mine == [{"bid": s.bids[0].pk, "item": s.items[0].pk, "points": "5.00",
                     "flag": {"direction": "below", "answered": None, "reason": ""}}]
    for i in range(OUTLIER):
        part = snapshot(s, i)
        assert all(x["flag"] is None for x in part["mine"]["scores"])
        assert part["open_flags"] == 1  # a count, not whose nor which
        assert "'5.00'" not in str(part)


def test_confirming_a_flag_needs_a_reason_and_keeps_the_score():
    s = lot_with_an_outlier()
    outlier = s.user(OUTLIER)
    confirm = lambda reason: scoring.confirm_flag(actor=outlier, lot_id=s.lot_id, bid_id=s.bids[0].pk,  # noqa: E731
                                                  item_id=s.items[0].pk, reason=reason)
    assert refused(lambda: confirm("   ")).field == "reason"
    with translation.override("en"):
        said = refused(lambda: scoring.summarize(actor=s.leader, lot_id=s.lot_id))
    assert str(said) == "1 flagged score is not answered yet."
    confirm("该投标人施工方案存在重大缺陷")
    score = the_outliers_score(s)
    assert (score.points, score.confirmed_reason) == (Decimal("5.00"), "该投标人施工方案存在重大缺陷")
    assert str(refused(lambda: confirm("再次确认"))) == "This flag is already answered."
    kept = AuditEvent.objects.get(action="evaluation.scoring.flag_confirmed")
    assert (kept.data["points"], kept.data["reason"]) == ("5.00", "该投标人施工方案存在重大缺陷")
    assert EvaluationEvent.objects.get(room=s.room, kind="flag_confirmed").data == {
        "member": s.members[OUTLIER].pk, "open_flags": 0}
    assert snapshot(s, OUTLIER)["mine"]["scores"][0]["flag"]["answered"] == "confirmed"


def test_another_member_cannot_answer_a_flag_not_theirs():
    s = lot_with_an_outlier()
    refused(lambda: scoring.confirm_flag(actor=s.user(0), lot_id=s.lot_id, bid_id=s.bids[0].pk, item_id=s.items[0].pk,
                                         reason="代为确认"), NotFound)
    refused(lambda: scoring.confirm_flag(actor=s.people["city_supervisor"], lot_id=s.lot_id, bid_id=s.bids[0].pk,
                                         item_id=s.items[0].pk, reason="监督"), PermissionDenied)
    assert the_outliers_score(s).confirmed_at is None


def test_changing_a_flagged_score_reopens_the_submission_and_the_flags_are_worked_out_again():
    s = lot_with_an_outlier()
    member = s.members[OUTLIER]
    change = lambda points: scoring.record_score(actor=s.user(OUTLIER), lot_id=s.lot_id, bid_id=s.bids[0].pk,  # noqa: E731
                                                 item_id=s.items[0].pk, points=points)
    change("6")  # still 9 from the others' 15
    assert not Submission.objects.filter(member=member, stage=Stage.SCORING).exists()
    assert snapshot(s, OUTLIER)["mine"]["scores"][0]["flag"]["answered"] == "changed"
    scoring.submit_scores(actor=s.user(OUTLIER), lot_id=s.lot_id)
    assert EvaluationEvent.objects.filter(room=s.room, kind="score_flagged", audience=member).count() == 2  # anew
    assert snapshot(s, OUTLIER)["mine"]["scores"][0]["flag"]["answered"] is None
    change("13")
    scoring.submit_scores(actor=s.user(OUTLIER), lot_id=s.lot_id)
    assert EvaluationEvent.objects.filter(room=s.room, kind="score_flagged").count() == 2  # 13 is 2 from 15
    assert the_outliers_score(s).points == Decimal("13.00")


def test_a_waiting_flag_whose_score_no_longer_stands_out_is_withdrawn():
    # Members 2 and 3 correct their 15 to 5 (their scores returned by the leader). After the
    # first, its 5 stands out as the outlier's does (7.5 from 12.5) and is flagged; after the
    # second, each 5 is 5 from the others' mean (15 + 15 + 5 + 5) / 4 = 10, within 6: both flags
    # are withdrawn; each 15 is now 7.5 from 7.5 and flagged.
    s = lot_with_an_outlier()
    for i in (2, 3):
        scoring.return_scores(actor=s.leader, lot_id=s.lot_id, member_id=s.members[i].pk, reason="请复核评分")
        scoring.record_score(actor=s.user(i), lot_id=s.lot_id, bid_id=s.bids[0].pk, item_id=s.items[0].pk, points="5")
        scoring.submit_scores(actor=s.user(i), lot_id=s.lot_id)
    outlier = the_outliers_score(s)
    assert outlier.flagged_at is None and outlier.points == Decimal("5.00")
    gone = EvaluationEvent.objects.filter(room=s.room, kind="flags_withdrawn")
    assert sorted(e.audience_id for e in gone) == sorted([s.members[2].pk, s.members[OUTLIER].pk])
    assert sorted(Score.objects.filter(flagged_at__isnull=False).values_list("member__pick", flat=True)) == [1, 2]


def test_only_the_leader_returns_scores_and_says_why():
    s = lot_with_an_outlier()
    refused(lambda: scoring.return_scores(actor=s.user(1), lot_id=s.lot_id, member_id=s.members[2].pk, reason="复核"),
            PermissionDenied)
    assert refused(lambda: scoring.return_scores(actor=s.leader, lot_id=s.lot_id, member_id=s.members[2].pk,
                                                 reason="")).field == "reason"
    scoring.return_scores(actor=s.leader, lot_id=s.lot_id, member_id=s.members[2].pk, reason="复核")
    returned = EvaluationEvent.objects.get(room=s.room, kind="submission_returned")
    assert returned.data == {"member": s.members[2].pk, "stage": "scoring", "reason": "复核"}
