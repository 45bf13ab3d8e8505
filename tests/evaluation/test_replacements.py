"""A decline or a timeout gives the seat up, with its reason, and the draw seats a replacement at
random by the same rules (evaluation.draw_services.replace), who is told in turn; a pool run
short marks the draw short; the committee forms once every seat is confirmed."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import translation

from evaluation import answers
from evaluation.choices import DrawState, MemberState
from evaluation.models import CommitteeMember, Expert
from tests.evaluation.drawn import drawn, evaluated_lot
from tests.evaluation.factories import ExpertFactory
from trading.errors import RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


def actions(draw_or_member):
    return list(AuditEvent.objects.filter(object_id=str(draw_or_member.pk)).order_by("seq").values_list("action", flat=True))


def test_a_decline_keeps_its_reason_and_seats_a_replacement_who_is_told(django_capture_on_commit_callbacks):
    committee = drawn(n=5, spare=3)
    member = committee.member(1)
    for expert in Expert.objects.select_related("user"):
        expert.user.email = f"{expert.user.username}@example.cn"
        expert.user.save()
    seated = {m.expert_id for m in committee.members}
    with django_capture_on_commit_callbacks(execute=True):
        answers.answer(member.expert.user, member.pk, accept=False, reason="与投标人存在利害关系，申请回避")
    member = committee.member(1)
    assert member.state == MemberState.DECLINED and member.reason == "与投标人存在利害关系，申请回避"
    assert member.answered_at is not None
    (declined,) = AuditEvent.objects.filter(action="draw.declined")
    assert declined.actor_id == member.expert.user_id and declined.data["reason"] == member.reason
    replacement = CommitteeMember.objects.get(replaces=member)
    assert replacement.state == MemberState.NOTIFIED and replacement.group == member.group
    assert replacement.expert_id not in seated
    assert actions(replacement) == ["draw.notified"]
    assert "draw.replaced" in actions(committee.draw)
    # the replacement alone is told, once
    (email,) = mail.outbox
    assert email.to == [replacement.expert.user.email] and replacement.expert.user.display_name in email.body


def test_a_timeout_keeps_its_reason_and_seats_a_replacement():
    committee = drawn(n=5, spare=3, minutes=45)
    member = committee.member(0)
    assert answers.expire(member.pk, member.answer_due) is True
    member = committee.member(0)
    assert member.state == MemberState.EXPIRED and member.answered_at is None
    with translation.override("en"):
        assert answers.no_answer_reason(committee.draw) != ""
    assert member.reason == answers.no_answer_reason(committee.draw)
    (expired,) = AuditEvent.objects.filter(action="draw.expired")
    assert expired.actor_id is None and expired.data["reason"] == member.reason
    replacement = CommitteeMember.objects.get(replaces=member)
    assert replacement.answer_due == replacement.notified_at + timedelta(minutes=45)
    # run again (a retried task): nothing more happens
    assert answers.expire(member.pk, member.answer_due + SECOND) is False
    assert CommitteeMember.objects.filter(draw=committee.draw).count() == 6


def test_the_expert_answering_after_the_timeout_fired_is_refused():
    committee = drawn(n=5)
    member = committee.member(0)
    answers.expire(member.pk, member.answer_due)
    with translation.override("en"), pytest.raises(RuleViolation, match="ran out at .*the seat went to another expert"):
        answers.answer(member.expert.user, member.pk, accept=True)
    assert committee.member(0).state == MemberState.EXPIRED


def test_when_the_pool_runs_short_the_draw_is_marked_short_and_no_one_is_seated():
    committee = drawn(n=5, spare=0)
    member = committee.member(3)
    answers.answer(member.expert.user, member.pk, accept=False, reason="出差")
    committee.draw.refresh_from_db()
    assert committee.draw.state == DrawState.SHORT
    assert not CommitteeMember.objects.filter(replaces=member).exists()
    assert "draw.short" in actions(committee.draw)
    # the others confirm: four of five is no committee
    for other in committee.members:
        if other.pk != member.pk:
            answers.answer(other.expert.user, other.pk, accept=True)
    committee.draw.refresh_from_db()
    assert committee.draw.state == DrawState.SHORT and "draw.formed" not in actions(committee.draw)


def test_the_committee_forms_when_the_replacement_confirms_too():
    committee = drawn(n=5, spare=2)
    declining = committee.member(2)
    answers.answer(declining.expert.user, declining.pk, accept=False, reason="身体原因")
    for member in committee.members:
        if member.pk != declining.pk:
            answers.answer(member.expert.user, member.pk, accept=True)
    committee.draw.refresh_from_db()
    assert committee.draw.state == DrawState.DRAWN  # the replacement has not answered yet
    replacement = CommitteeMember.objects.get(replaces=declining)
    answers.answer(replacement.expert.user, replacement.pk, accept=True)
    committee.draw.refresh_from_db()
    assert committee.draw.state == DrawState.FORMED
    assert actions(committee.draw).count("draw.formed") == 1


def test_a_replacement_is_drawn_from_the_lot_s_own_pool_only():
    lot = evaluated_lot()
    elsewhere = ExpertFactory()  # approved, of the same specialty, but of another province's pool
    committee = drawn(lot, n=5, spare=1)
    first = committee.member(0)
    answers.answer(first.expert.user, first.pk, accept=False, reason="回避")
    replacement = CommitteeMember.objects.get(replaces=first)
    assert replacement.expert.pool_id == lot.project.center.parent_id != elsewhere.pool_id
