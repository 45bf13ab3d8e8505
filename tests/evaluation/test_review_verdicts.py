"""The review: each member's pass or fail on every check of every opened bid, the submission, the
conclusion by majority with every failing member's reason, the leader's return and start of
the scoring; and what each viewer of the room learns of it before and after the conclusion."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from evaluation.choices import RoomState, Stage
from evaluation.models import CheckVerdict, EvaluationEvent, Submission
from evaluation.room import review
from tests.evaluation.reviewing import record_all, reviewing, sealed_root  # noqa: F401 - a fixture
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def r(sealed_root):  # noqa: F811
    return reviewing(files=False)


def verdict(r, i, b, c, v="pass", reason=""):
    return review.record_verdict(actor=r.user(i), lot_id=r.lot.pk, bid_id=r.bids[b]["id"], check_id=r.checks[c].pk,
                                 verdict=v, reason=reason)


def events(r, kind):
    return list(EvaluationEvent.objects.filter(room=r.room, kind=kind).order_by("seq"))


def member_view(member):
    return SimpleNamespace(role="member", member_id=member.pk, member=member)


STAFF_VIEW = SimpleNamespace(role="staff", member_id=None, member=None)


# --- recording -------------------------------------------------------------------------------


def test_a_fail_needs_a_written_reason_and_a_pass_does_not(r):
    with translation.override("en"), pytest.raises(RuleViolation, match="Write why the bid fails"):
        verdict(r, 1, 0, 0, "fail", "   ")
    assert not CheckVerdict.objects.exists()
    verdict(r, 1, 0, 0, "fail", "营业执照已过期")
    verdict(r, 1, 0, 1, "pass")
    rows = {(v.table_check_id, v.passed, v.reason) for v in CheckVerdict.objects.filter(member=r.members[1])}
    assert rows == {(r.checks[0].pk, False, "营业执照已过期"), (r.checks[1].pk, True, "")}


def test_a_verdict_is_pass_or_fail_only(r):
    with translation.override("en"), pytest.raises(RuleViolation, match="pass or fail"):
        verdict(r, 1, 0, 0, "maybe")


def test_only_the_rooms_opened_bids_and_the_lots_checks(r, sealed_root):  # noqa: F811
    other = reviewing(files=False)
    with pytest.raises(NotFound):
        review.record_verdict(actor=r.user(0), lot_id=r.lot.pk, bid_id=other.bids[0]["id"], check_id=r.checks[0].pk,
                              verdict="pass")
    with pytest.raises(NotFound):
        review.record_verdict(actor=r.user(0), lot_id=r.lot.pk, bid_id=r.bids[0]["id"], check_id=other.checks[0].pk,
                              verdict="pass")
    # a member of another lot's committee acts on no member's step here
    with pytest.raises(PermissionDenied):
        review.record_verdict(actor=other.user(0), lot_id=r.lot.pk, bid_id=r.bids[0]["id"], check_id=r.checks[0].pk,
                              verdict="pass")
    assert not CheckVerdict.objects.filter(room=r.room).exists()


def test_staff_and_supervisors_record_nothing(r):
    people = r.opened.people
    for user in (r.opened.staff, people["city_supervisor"], people["province_supervisor"], people["bidder"]):
        with pytest.raises(PermissionDenied):
            review.record_verdict(actor=user, lot_id=r.lot.pk, bid_id=r.bids[0]["id"], check_id=r.checks[0].pk,
                                  verdict="pass")
        with pytest.raises(PermissionDenied):
            review.submit_review(actor=user, lot_id=r.lot.pk)
    assert not CheckVerdict.objects.exists()


def test_a_member_changes_a_verdict_until_they_submit_and_not_after(r):
    verdict(r, 2, 1, 2, "fail", "工期超过要求")
    verdict(r, 2, 1, 2, "pass")
    assert CheckVerdict.objects.get(member=r.members[2], bid_id=r.bids[1]["id"], table_check=r.checks[2]).passed
    record_all(r, 2)
    with translation.override("en"), pytest.raises(RuleViolation, match="submitted your review"):
        verdict(r, 2, 1, 2, "fail", "改主意")
    assert CheckVerdict.objects.get(member=r.members[2], bid_id=r.bids[1]["id"], table_check=r.checks[2]).passed


def test_checks_are_recorded_during_the_review_only_and_not_while_paused(r):
    r.room.state = RoomState.GATHERING
    r.room.save()
    with translation.override("en"), pytest.raises(RuleViolation, match="during the review"):
        verdict(r, 1, 0, 0)
    r.room.state, r.room.paused_at, r.room.pause_reason = RoomState.REVIEWING, timezone.now(), "网络故障"
    r.room.save()
    with translation.override("en"), pytest.raises(RuleViolation, match="paused: 网络故障"):
        verdict(r, 1, 0, 0)
    assert not CheckVerdict.objects.exists()


def test_each_verdict_is_audited_and_the_room_hears_counts_only(r):
    verdict(r, 3, 2, 1, "fail", "资质证书过期")
    audited = AuditEvent.objects.get(action="evaluation.verdict_recorded")
    assert audited.actor_id == r.user(3).pk
    assert audited.data["verdict"] == "fail" and audited.data["reason"] == "资质证书过期"
    assert audited.data["bidder"] == r.bids[2]["bidder"] and audited.data["check"] == r.checks[1].name
    (progress,) = events(r, "review_progress")
    assert progress.data == {"member": r.members[3].pk, "recorded": 1, "to_record": 9}
    assert "资质证书过期" not in str(progress.data) and "fail" not in str(progress.data)


# --- submitting and the conclusion ----------------------------------------------------------


def test_a_submission_missing_checks_is_refused_saying_how_many(r):
    verdict(r, 0, 0, 0)
    verdict(r, 0, 1, 1, "fail", "缺少资质证书")
    with translation.override("en"), pytest.raises(RuleViolation, match="^7 checks are not recorded yet"):
        review.submit_review(actor=r.user(0), lot_id=r.lot.pk)
    assert not Submission.objects.exists()
    with translation.override("zh-hans"), pytest.raises(RuleViolation) as refused:
        review.submit_review(actor=r.user(0), lot_id=r.lot.pk)
    assert "7" in refused.value.message


def test_a_member_submits_once(r):
    record_all(r, 1)
    with translation.override("en"), pytest.raises(RuleViolation, match="already submitted"):
        review.submit_review(actor=r.user(1), lot_id=r.lot.pk)
    (submitted,) = events(r, "review_submitted")
    assert submitted.data == {"member": r.members[1].pk, "expert": r.user(1).display_name, "submitted": 1, "seated": 5}


def test_a_bid_fails_a_check_where_the_majority_says_fail_with_every_failing_reason_kept(r):
    # bid 0, check 1: three of five say fail → fails; bid 1, check 0: two of five → passes;
    # bid 2: all pass.
    fails = {0: {(0, 1), (1, 0)}, 1: {(0, 1), (1, 0)}, 2: {(0, 1)}, 3: set(), 4: set()}
    for i in range(4):
        assert record_all(r, i, fail=fails[i], reason="理由") is None
    assert not events(r, "review_concluded")
    found = record_all(r, 4, fail=fails[4])
    assert found["responsive"] == 2
    outcome = {b["bid"]: b for b in found["bids"]}
    first = outcome[r.bids[0]["id"]]
    assert not first["responsive"]
    failed = [c for c in first["checks"] if c["failed"]]
    assert [c["check"] for c in failed] == [r.checks[1].pk]
    assert (failed[0]["fails"], failed[0]["passes"]) == (3, 2)
    assert sorted(x["reason"] for x in failed[0]["reasons"]) == ["理由0", "理由1", "理由2"]
    second = outcome[r.bids[1]["id"]]
    assert second["responsive"]
    minority = next(c for c in second["checks"] if c["check"] == r.checks[0].pk)
    assert (minority["failed"], minority["fails"]) == (False, 2)
    assert sorted(x["reason"] for x in minority["reasons"]) == ["理由0", "理由1"]  # kept, though the check passes
    (concluded,) = events(r, "review_concluded")
    assert concluded.data["responsive"] == 2
    told = {o["bidder"]: o for o in concluded.data["outcomes"]}
    assert told[r.bids[0]["bidder"]]["failed"] == [{"check": r.checks[1].name, "fails": 3,
                                                     "reasons": ["理由0", "理由1", "理由2"]}]
    assert told[r.bids[1]["bidder"]]["responsive"] and told[r.bids[1]["bidder"]]["failed"] == []
    assert review.responsive_bid_ids(r.room) == [r.bids[1]["id"], r.bids[2]["id"]]
    assert AuditEvent.objects.filter(action="evaluation.room.review_concluded").count() == 1


def test_before_the_conclusion_there_is_no_conclusion(r):
    record_all(r, 0, fail={(0, 0)})
    assert review.conclusion(r.room) is None and review.responsive_bid_ids(r.room) is None


# --- the leader: return a submission, start the scoring ---------------------------------------


def test_the_leader_returns_a_submission_with_a_reason_and_the_member_corrects_it(r):
    record_all(r, 2, fail={(0, 0)})
    with pytest.raises(PermissionDenied):
        review.return_submission(actor=r.user(1), lot_id=r.lot.pk, member_id=r.members[2].pk, reason="请复核")
    with translation.override("en"), pytest.raises(RuleViolation, match="Say why"):
        review.return_submission(actor=r.user(0), lot_id=r.lot.pk, member_id=r.members[2].pk, reason=" ")
    review.return_submission(actor=r.user(0), lot_id=r.lot.pk, member_id=r.members[2].pk, reason="请复核第一项")
    assert not Submission.objects.filter(member=r.members[2], stage=Stage.REVIEW).exists()
    (returned,) = events(r, "submission_returned")
    assert returned.data["reason"] == "请复核第一项" and returned.data["stage"] == "review"
    verdict(r, 2, 0, 0, "pass")  # corrected
    review.submit_review(actor=r.user(2), lot_id=r.lot.pk)
    with translation.override("en"), pytest.raises(RuleViolation, match="nothing to return"):
        review.return_submission(actor=r.user(0), lot_id=r.lot.pk, member_id=r.members[3].pk, reason="请复核")


def test_no_submission_is_returned_after_the_conclusion(r):
    for i in range(5):
        record_all(r, i)
    with translation.override("en"), pytest.raises(RuleViolation, match="concluded"):
        review.return_submission(actor=r.user(0), lot_id=r.lot.pk, member_id=r.members[2].pk, reason="请复核")
    assert Submission.objects.filter(stage=Stage.REVIEW).count() == 5


def test_the_leader_starts_the_scoring_once_concluded(r):
    for i in range(4):
        record_all(r, i)
    with translation.override("en"), pytest.raises(RuleViolation, match="4 of 5 have"):
        review.start_scoring(actor=r.user(0), lot_id=r.lot.pk)
    record_all(r, 4)
    with pytest.raises(PermissionDenied):
        review.start_scoring(actor=r.user(3), lot_id=r.lot.pk)
    with pytest.raises(PermissionDenied):
        review.start_scoring(actor=r.opened.staff, lot_id=r.lot.pk)
    review.start_scoring(actor=r.user(0), lot_id=r.lot.pk)
    assert r.refresh().state == RoomState.SCORING
    (started,) = events(r, "scoring_started")
    assert started.data == {"responsive": 3}
    with translation.override("en"), pytest.raises(RuleViolation, match="once the review is concluded"):
        review.start_scoring(actor=r.user(0), lot_id=r.lot.pk)


def test_with_no_responsive_bid_the_scoring_does_not_start_and_says_why(r):
    everything = {(b, 0) for b in range(3)}
    for i in range(5):
        record_all(r, i, fail=everything)
    with translation.override("en"), pytest.raises(RuleViolation, match="No bid is responsive") as refused:
        review.start_scoring(actor=r.user(0), lot_id=r.lot.pk)
    assert "第五十一条" in refused.value.message
    assert r.refresh().state == RoomState.REVIEWING
    with translation.override("en"):
        part = review.snapshot_part(r.room, STAFF_VIEW)
    assert part["conclusion"]["responsive"] == 0 and "No bid is responsive" in part["no_responsive"]
    r.lot.refresh_from_db()
    assert r.lot.state == "evaluation"  # the lot fails by the staff's own step, not here


# --- what each viewer learns ------------------------------------------------------------------


def test_before_the_conclusion_a_member_sees_their_own_verdicts_and_everyone_counts(r):
    verdict(r, 1, 0, 0, "fail", "资质不符")
    verdict(r, 2, 0, 0, "pass")
    mine = review.snapshot_part(r.room, member_view(r.members[1]))
    other = review.snapshot_part(r.room, member_view(r.members[2]))
    staff = review.snapshot_part(r.room, STAFF_VIEW)
    assert [(v["verdict"], v["reason"]) for v in mine["mine"]["verdicts"]] == [("fail", "资质不符")]
    assert [v["verdict"] for v in other["mine"]["verdicts"]] == ["pass"]
    assert "资质不符" not in str(other) and "资质不符" not in str(staff) and "fail" not in str(staff)
    for part in (mine, other, staff):
        assert part["conclusion"] is None and not part["concluded"]
        counts = {p["member"]: p["recorded"] for p in part["progress"]}
        assert (counts[r.members[0].pk], counts[r.members[1].pk], counts[r.members[2].pk]) == (0, 1, 1)
    assert staff["mine"] is None and staff["files_url"] is None
    assert mine["files_url"] == f"/evaluation/lots/{r.lot.pk}/files/"


def test_after_the_conclusion_everyone_in_the_room_sees_every_verdict_and_reason(r):
    for i in range(5):
        record_all(r, i, fail={(2, 2)} if i < 3 else set(), reason="工期不满足")
    part = review.snapshot_part(r.room, STAFF_VIEW)
    assert part["concluded"]
    assert len(part["conclusion"]["verdicts"]) == 45
    failing = [v for v in part["conclusion"]["verdicts"] if v["verdict"] == "fail"]
    assert sorted((v["member"], v["reason"]) for v in failing) == sorted(
        (r.members[i].pk, f"工期不满足{i}") for i in range(3))
    third = next(b for b in part["conclusion"]["bids"] if b["bid"] == r.bids[2]["id"])
    assert not third["responsive"]


def test_the_snapshot_takes_the_same_queries_whatever_the_numbers(sealed_root):  # noqa: F811
    def count(r):
        record_all(r, 0, fail={(0, 0)})
        with CaptureQueriesContext(connection) as small:
            review.snapshot_part(r.room, member_view(r.members[0]))
        return len(small)

    few = count(reviewing(n=5, bidders=2, checks=1, files=False))
    many = count(reviewing(n=7, bidders=5, checks=5, files=False))
    assert few == many <= 7
