"""A drawn expert is told once, answers once, on their own seat, in time (evaluation.answers).

Confirmations and refusals here; the replacement a decline or a timeout draws is in
test_replacements.py, the task worker's timeout in test_answer_timeout_worker.py."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.tasks import TaskResultStatus
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from evaluation import answers
from evaluation.choices import DrawState, MemberState
from evaluation.models import CommitteeMember
from tests.evaluation.drawn import drawn, evaluated_lot, seat
from tests.evaluation.factories import ExpertFactory
from tests.trading.factories import UserFactory, bidder, staff
from trading.choices import LotState, Role
from trading.errors import NotFound, RuleViolation
from trading.formats import zoned_text
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

TASK = "evaluation.answers.expire_answer"
SECOND = timedelta(seconds=1)


def events(action, member=None):
    qs = AuditEvent.objects.filter(action=action)
    if member is not None:
        qs = qs.filter(object_id=str(member.pk))
    return list(qs.order_by("seq"))


def timeout_tasks(member):
    return list(DBTaskResult.objects.filter(task_path=TASK, args_kwargs__args=[member.pk]))


def refusal(action) -> str:
    with translation.override("en"), pytest.raises(RuleViolation) as caught:
        action()
    return str(caught.value)


# --- notified -------------------------------------------------------------------------------------


def test_notify_records_the_notice_and_schedules_the_timeout_at_the_answer_due():
    committee = drawn(n=5, minutes=30)
    member = committee.member(0)
    (event,) = events("draw.notified", member)
    assert event.actor_id is None and event.role == "system"
    assert event.project_id == committee.project.pk
    assert event.data == {"member": member.pk, "expert": member.expert_id, "pick": member.pick,
                          "answer_due": member.answer_due.isoformat()}
    assert member.answer_due == member.notified_at + timedelta(minutes=30)
    (task,) = timeout_tasks(member)
    assert task.run_after == member.answer_due and task.status == TaskResultStatus.READY


def pool_with_email(n=8):
    """A province's pool of `n` experts, each with an email address, and a lot of a city under it."""
    lot = evaluated_lot()
    experts = [ExpertFactory(pool=lot.project.center.parent, user__email=f"pool{i}@example.cn") for i in range(n)]
    return lot, experts


def test_the_draw_sends_one_email_and_one_text_message_to_each_member_after_the_commit(
        django_capture_on_commit_callbacks, caplog):
    lot, experts = pool_with_email()
    caplog.set_level("INFO", logger="kaibiao.sms")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        committee = drawn(lot, experts=experts)
        assert mail.outbox == [] and not caplog.records  # nothing before the commit
    for callback in callbacks:
        callback()
    assert sorted(e.to[0] for e in mail.outbox) == sorted(m.expert.user.email for m in committee.members)
    lines = [r.getMessage() for r in caplog.records if r.name == "kaibiao.sms"]
    assert len(lines) == 5
    member = committee.member(2)
    (line,) = [text for text in lines if member.expert.phone[-4:] in text]
    assert member.expert.phone not in line and committee.project.code in line


def test_notify_twice_tells_the_expert_once(django_capture_on_commit_callbacks):
    lot, experts = pool_with_email()
    with django_capture_on_commit_callbacks(execute=True):
        committee = drawn(lot, experts=experts)
        member = committee.member(0)
        answers.notify(member)  # a second call for the same seat
    assert len(mail.outbox) == 5
    assert len(events("draw.notified", member)) == 1 and len(timeout_tasks(member)) == 1


def test_a_draw_rolled_back_tells_nobody(django_capture_on_commit_callbacks):
    lot, experts = pool_with_email()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            drawn(lot, experts=experts)
            raise RuntimeError("something failed after the draw, in its transaction")
    assert callbacks == [] and mail.outbox == []
    assert not CommitteeMember.objects.exists() and events("draw.notified") == []
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


# --- confirmed ------------------------------------------------------------------------------------


def test_the_expert_confirms_their_seat():
    committee = drawn(n=5)
    member = committee.member(1)
    at = member.answer_due - timedelta(minutes=10)
    with time_machine.travel(at, tick=False):
        answers.answer(member.expert.user, member.pk, accept=True)
    member.refresh_from_db()
    assert member.state == MemberState.CONFIRMED and member.answered_at == at
    (event,) = events("draw.confirmed", member)
    assert event.actor_id == member.expert.user_id and event.role == Role.EXPERT
    committee.draw.refresh_from_db()
    assert committee.draw.state == DrawState.DRAWN  # four seats still to answer


def test_answering_twice_the_second_is_refused():
    committee = drawn(n=5)
    member = committee.member(0)
    answers.answer(member.expert.user, member.pk, accept=True)
    message = refusal(lambda: answers.answer(member.expert.user, member.pk, accept=True))
    assert message.startswith("You already confirmed this invitation, at ")
    message = refusal(lambda: answers.answer(member.expert.user, member.pk, accept=False, reason="临时有事"))
    assert message.startswith("You already confirmed this invitation")
    assert len(events("draw.confirmed", member)) == 1 and events("draw.declined") == []


@pytest.mark.parametrize("who", ["another expert", "a member of the same committee", "the draw's staff", "a bidder"])
def test_only_the_member_s_own_expert_answers(who):
    committee = drawn(n=5)
    member = committee.member(0)
    actor = {"another expert": lambda: ExpertFactory().user, "a member of the same committee": lambda: committee.member(1).expert.user,
             "the draw's staff": lambda: committee.staff, "a bidder": lambda: bidder()}[who]()
    with pytest.raises(NotFound):
        answers.answer(actor, member.pk, accept=True)
    assert committee.member(0).state == MemberState.NOTIFIED


def test_an_answer_at_or_after_the_deadline_is_refused_and_names_the_deadline():
    committee = drawn(n=5)
    member = committee.member(0)
    for late in (member.answer_due, member.answer_due + timedelta(minutes=3)):
        with time_machine.travel(late, tick=False):
            message = refusal(lambda: answers.answer(member.expert.user, member.pk, accept=True))
        with translation.override("en"):
            due = zoned_text(member.answer_due)
        assert message.startswith(f"The time to answer ran out at {due}.")
        assert "(Beijing time)" in due
    assert committee.member(0).state == MemberState.NOTIFIED  # the timeout task is what expires it
    with time_machine.travel(member.answer_due - SECOND, tick=False):
        answers.answer(member.expert.user, member.pk, accept=True)
    assert committee.member(0).state == MemberState.CONFIRMED


def test_a_decline_needs_a_reason():
    committee = drawn(n=5)
    member = committee.member(0)
    with pytest.raises(RuleViolation) as caught:
        answers.answer(member.expert.user, member.pk, accept=False, reason="   ")
    assert caught.value.field == "reason"
    assert committee.member(0).state == MemberState.NOTIFIED


def test_no_answer_once_the_lot_has_left_evaluation():
    committee = drawn(n=5)
    committee.lot.state = LotState.CANCELLED
    committee.lot.save()
    member = committee.member(0)
    assert refusal(lambda: answers.answer(member.expert.user, member.pk, accept=True)) == \
        "This lot is no longer being evaluated: there is nothing to answer."


def test_the_last_confirmation_forms_the_committee():
    committee = drawn(n=5)
    for member in committee.members[:-1]:
        answers.answer(member.expert.user, member.pk, accept=True)
    committee.draw.refresh_from_db()
    assert committee.draw.state == DrawState.DRAWN and events("draw.formed") == []
    last = committee.members[-1]
    answers.answer(last.expert.user, last.pk, accept=True)
    committee.draw.refresh_from_db()
    assert committee.draw.state == DrawState.FORMED
    (formed,) = events("draw.formed")
    assert formed.object_id == str(committee.draw.pk) and formed.actor_id is None


def test_a_committee_with_the_tenderee_s_representatives_forms_when_the_drawn_seats_confirm():
    committee = drawn(n=4, tenderee_reps=["招标人代表甲"])
    for member in committee.members:
        answers.answer(member.expert.user, member.pk, accept=True)
    committee.draw.refresh_from_db()
    assert committee.draw.drawn_count == 4 and committee.draw.state == DrawState.FORMED


# --- the timeout, called directly (the worker's run: test_answer_timeout_worker.py) -----------------


def test_the_timeout_before_the_deadline_does_nothing():
    committee = drawn(n=5)
    member = committee.member(0)
    assert answers.expire(member.pk, member.answer_due - SECOND) is False
    assert committee.member(0).state == MemberState.NOTIFIED and events("draw.expired") == []


def test_the_timeout_after_a_confirmation_does_nothing():
    committee = drawn(n=5)
    member = committee.member(0)
    answers.answer(member.expert.user, member.pk, accept=True)
    assert answers.expire(member.pk, member.answer_due + SECOND) is False
    member = committee.member(0)
    assert member.state == MemberState.CONFIRMED and member.reason == ""
    assert events("draw.expired") == []


def test_the_timeout_of_a_seat_that_no_longer_exists_does_nothing():
    assert answers.expire(424242424242, answers.timezone.now()) is False


# --- two answers at once -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_one_is_taken_the_other_refused():
    committee = drawn(n=5)
    member = committee.member(0)
    user = member.expert.user
    start = threading.Barrier(2)
    outcomes = []

    def click(accept):
        try:
            start.wait()
            answers.answer(user, member.pk, accept=accept, reason="" if accept else "临时出差")
            outcomes.append("taken")
        except RuleViolation as err:
            outcomes.append(str(err))
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(True,)), threading.Thread(target=click, args=(True,))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(outcomes) == 2 and outcomes.count("taken") == 1  # the other was refused, with its words
    assert CommitteeMember.objects.get(pk=member.pk).state == MemberState.CONFIRMED
    assert len(events("draw.confirmed", member)) == 1


def test_a_staff_member_is_not_an_expert_even_with_the_seat_s_id():
    committee = drawn(n=5)
    with pytest.raises(NotFound):
        answers.answer(staff(committee.project.center), committee.members[0].pk, accept=True)
    with pytest.raises(NotFound):
        answers.answer(UserFactory(role=Role.EXPERT), committee.members[0].pk, accept=True)


def test_a_replacement_seated_later_is_notified_with_its_own_deadline():
    committee = drawn(n=5)
    later = committee.member(0).notified_at + timedelta(minutes=12)
    extra = seat(committee.draw, ExpertFactory(pool=committee.project.center.parent), 6, now=later)
    (task,) = timeout_tasks(extra)
    assert task.run_after == later + timedelta(minutes=30) == extra.answer_due
