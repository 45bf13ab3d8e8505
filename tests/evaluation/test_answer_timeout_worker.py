"""The timeout of a seat runs in the task worker, at its answer_due, whether or not anyone looks:
notify() enqueues `expire_answer` for that instant and the real database worker (django_tasks_db's
`db_worker`) runs it, as in production. Committed for real (transaction=True), as the worker
claims its tasks in transactions of its own (like tests/trading/test_closing_job.py)."""

import logging
import signal
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from evaluation import answers
from evaluation.choices import MemberState
from evaluation.models import CommitteeMember
from tests.evaluation.drawn import drawn
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)  # the specialty list: tests.evaluation.factories.ensure_specialty_list

TASK = "evaluation.answers.expire_answer"
SECOND = timedelta(seconds=1)


@pytest.fixture
def run_worker():
    """Run the real database worker until no task is due, then give the test process back its
    signal handlers and log levels (the command installs its own)."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    loggers = [logging.getLogger(name) for name in ("django.tasks", "django_tasks_db")]
    levels = [log.level for log in loggers]

    def run():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)

    yield run
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    for log, level in zip(loggers, levels):
        log.setLevel(level)


def timeout_task(member) -> DBTaskResult:
    (task,) = DBTaskResult.objects.filter(task_path=TASK, args_kwargs__args=[member.pk])
    return task


def test_the_worker_before_the_deadline_leaves_the_seat_waiting(run_worker):
    committee = drawn(n=5)
    member = committee.member(0)
    with time_machine.travel(member.answer_due - SECOND, tick=False):
        run_worker()
    assert committee.member(0).state == MemberState.NOTIFIED
    task = timeout_task(member)
    assert task.status == TaskResultStatus.READY and task.started_at is None


def test_the_worker_after_the_deadline_leaves_a_confirmed_seat_alone(run_worker):
    committee = drawn(n=5)
    member = committee.member(0)
    answers.answer(member.expert.user, member.pk, accept=True)
    with time_machine.travel(member.answer_due + SECOND, tick=False):
        run_worker()
    member = committee.member(0)
    assert member.state == MemberState.CONFIRMED and member.reason == ""
    task = timeout_task(member)
    assert task.status == TaskResultStatus.SUCCESSFUL and task.return_value == 0
    assert not AuditEvent.objects.filter(action="draw.expired", object_id=str(member.pk)).exists()


def test_the_worker_after_the_deadline_gives_up_the_seat_and_draws_a_replacement(run_worker):
    # given five seats notified, four of them answered in time
    committee = drawn(n=5)
    for member in committee.members[1:]:
        answers.answer(member.expert.user, member.pk, accept=True)
    silent = committee.member(0)
    # when the worker runs a second after the silent seat's deadline
    with time_machine.travel(silent.answer_due + SECOND, tick=False):
        run_worker()
    # then the seat is given up by the platform, with its reason, and a replacement is seated
    silent = committee.member(0)
    assert silent.state == MemberState.EXPIRED and silent.reason == answers.no_answer_reason(committee.draw)
    assert silent.answered_at is None
    (expired,) = AuditEvent.objects.filter(action="draw.expired")
    assert expired.object_id == str(silent.pk) and expired.actor_id is None and expired.role == "system"
    assert expired.data["reason"] == silent.reason
    assert timeout_task(silent).return_value == 1
    replacement = CommitteeMember.objects.get(replaces=silent)
    assert replacement.state == MemberState.NOTIFIED and replacement.expert_id not in {m.expert_id for m in committee.members}
    assert AuditEvent.objects.filter(action="draw.notified", object_id=str(replacement.pk)).exists()
    assert timeout_task(replacement).run_after == replacement.answer_due
