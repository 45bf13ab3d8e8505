"""The scheduled job that closes bidding at the deadline, whether or not anyone is looking
(DESIGN.md §3): publishing enqueues a django.tasks task to run at the deadline, and the real
database worker (django_tasks_db's `db_worker`) runs it.

These tests commit for real (transaction=True): the task is enqueued after the publishing
commits, and the worker claims it in transactions of its own, as in production."""

import logging
import signal
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.bidding.factories import BidFactory, complete_bids
from tests.trading.factories import LotFactory, ProjectFactory
from trading import lifecycle, services
from trading.choices import LotState, NoticeKind
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
TASK = "bidding.closing.close_bidding_at_deadline"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


def published(*, lots=1, deadline_in=25 * DAY, **project_fields):
    """A project published through the service, its deadline `deadline_in` from now."""
    project = ProjectFactory(**project_fields)
    for number in range(1, lots + 1):
        LotFactory(project=project, number=number)
    services.add_document(actor=project.created_by, project=project, title="招标文件",
                          uploaded_file=SimpleUploadedFile("招标文件.pdf", b"%PDF-1.7 tender documents"))
    services.publish_project(actor=project.created_by, project=project, bid_deadline=timezone.now() + deadline_in,
                             notice_title="招标公告", notice_body="现就该项目进行公开招标。")
    project.refresh_from_db()
    return project


def closing_tasks(project):
    return list(DBTaskResult.objects.filter(task_path=TASK, args_kwargs__args=[project.pk]).order_by("run_after"))


def lot_actions(lot):
    return [(e.action, e.actor_id, e.actor_name, e.role)
            for e in AuditEvent.objects.filter(object_type="trading.lot", object_id=str(lot.pk)).order_by("seq")]


def test_publish_enqueues_closing_task_to_run_at_the_deadline():
    project = published()
    (task,) = closing_tasks(project)
    assert task.run_after == project.bid_deadline
    assert task.status == TaskResultStatus.READY
    assert task.args_kwargs == {"args": [project.pk], "kwargs": {}}


def test_worker_before_deadline_leaves_lot_published(run_worker):
    # given a published tender with three bids in
    project = published(deadline_in=25 * DAY)
    lot = project.lots.get()
    complete_bids(lot, 3)
    # when the worker runs a second before the deadline
    with time_machine.travel(project.bid_deadline - SECOND, tick=False):
        run_worker()
    # then the closing task waits, and bidding is still open
    lot.refresh_from_db()
    assert lot.state == LotState.PUBLISHED
    (task,) = closing_tasks(project)
    assert task.status == TaskResultStatus.READY and task.started_at is None
    assert lot_actions(lot) == [("lot.publish", project.created_by_id, project.created_by.username, "staff")]


def test_worker_after_deadline_closes_lot_with_enough_bids(run_worker):
    # given three bidders whose bids were complete before the deadline
    project = published()
    lot = project.lots.get()
    complete_bids(lot, 3)
    # when the worker runs once the deadline has passed
    with time_machine.travel(project.bid_deadline + SECOND, tick=False):
        run_worker()
    # then the lot is closed by the platform, not by a person, and the task is done
    lot.refresh_from_db()
    assert lot.state == LotState.CLOSED
    assert lot.state_changed_at == project.bid_deadline + SECOND
    assert lot_actions(lot)[-1] == ("lot.close", None, "system", "system")
    (task,) = closing_tasks(project)
    assert task.status == TaskResultStatus.SUCCESSFUL and task.return_value == 1


def test_worker_after_deadline_fails_lot_with_fewer_than_min_bids(run_worker):
    # given two bids complete in time; one completed at the deadline instant; one still uploading
    project = published()
    lot = project.lots.get()
    complete_bids(lot, 2)
    BidFactory(lot=lot, completed_at=project.bid_deadline)
    BidFactory(lot=lot, state="uploading")
    # when the worker runs after the deadline
    with time_machine.travel(project.bid_deadline + SECOND, tick=False):
        run_worker()
    # then only two bids count: the lot is closed and at once failed, both by the platform
    lot.refresh_from_db()
    assert lot.state == LotState.FAILED
    assert lot_actions(lot)[1:] == [("lot.close", None, "system", "system"),
                                    ("lot.fail_too_few_bids", None, "system", "system")]
    failure = AuditEvent.objects.get(action="lot.fail_too_few_bids")
    assert failure.data == {"from": "closed", "to": "failed", "complete_bids": 2}


def test_worker_follows_the_tender_min_bids_when_not_must_be_tendered(run_worker):
    # given a tender not bound by the law that opens with a single bid
    project = ProjectFactory(must_be_tendered=False)
    services.update_legal_settings(actor=project.created_by, project=project, min_bids=1)
    LotFactory(project=project)
    services.add_document(actor=project.created_by, project=project, title="招标文件",
                          uploaded_file=SimpleUploadedFile("招标文件.pdf", b"%PDF-1.7"))
    services.publish_project(actor=project.created_by, project=project, bid_deadline=timezone.now() + 25 * DAY,
                             notice_title="招标公告", notice_body="正文")
    project.refresh_from_db()
    lot = project.lots.get()
    complete_bids(lot, 1)
    with time_machine.travel(project.bid_deadline + SECOND, tick=False):
        run_worker()
    lot.refresh_from_db()
    assert lot.state == LotState.CLOSED


def test_worker_closes_every_lot_of_the_tender(run_worker):
    project = published(lots=2)
    first, second = project.lots.order_by("number")
    complete_bids(first, 3)
    complete_bids(second, 1)
    with time_machine.travel(project.bid_deadline + SECOND, tick=False):
        run_worker()
    assert list(project.lots.order_by("number").values_list("state", flat=True)) == [LotState.CLOSED, LotState.FAILED]
    (task,) = closing_tasks(project)
    assert task.return_value == 2


def test_amendment_moving_deadline_leaves_old_task_idle_and_new_task_closes(run_worker):
    # given a published tender, amended to move its deadline a week later
    project = published()
    lot = project.lots.get()
    complete_bids(lot, 3)
    old = project.bid_deadline
    new = old + 7 * DAY
    services.publish_notice(actor=project.created_by, project=project, kind=NoticeKind.AMENDMENT, title="修改一",
                            body="投标截止时间顺延七日。", new_deadline=new)
    old_task, new_task = closing_tasks(project)
    assert (old_task.run_after, new_task.run_after) == (old, new)
    # when the worker runs after the old deadline: the old task finds the deadline moved
    with time_machine.travel(old + SECOND, tick=False):
        run_worker()
    lot.refresh_from_db()
    old_task.refresh_from_db()
    new_task.refresh_from_db()
    assert lot.state == LotState.PUBLISHED
    assert old_task.status == TaskResultStatus.SUCCESSFUL and old_task.return_value == 0
    assert new_task.status == TaskResultStatus.READY
    # when it runs after the new deadline: the new task closes the lot
    with time_machine.travel(new + SECOND, tick=False):
        run_worker()
    lot.refresh_from_db()
    new_task.refresh_from_db()
    assert lot.state == LotState.CLOSED and lot.state_changed_at == new + SECOND
    assert new_task.status == TaskResultStatus.SUCCESSFUL and new_task.return_value == 1
    assert [a for a, *_ in lot_actions(lot)] == ["lot.publish", "lot.close"]


def test_worker_late_after_a_request_closed_the_lot_does_nothing_more(run_worker):
    # given a request a millisecond after the deadline already closed the lot (sync on request)
    project = published()
    lot = project.lots.get()
    complete_bids(lot, 3)
    lifecycle.sync_clock(project, project.bid_deadline + timedelta(milliseconds=1))
    # when the scheduled job runs a minute late
    with time_machine.travel(project.bid_deadline + 60 * SECOND, tick=False):
        run_worker()
    # then the lot was closed once, at the deadline's millisecond, and the task closed nothing
    lot.refresh_from_db()
    assert lot.state == LotState.CLOSED
    assert lot.state_changed_at == project.bid_deadline + timedelta(milliseconds=1)
    assert [a for a, *_ in lot_actions(lot)] == ["lot.publish", "lot.close"]
    (task,) = closing_tasks(project)
    assert task.status == TaskResultStatus.SUCCESSFUL and task.return_value == 0
