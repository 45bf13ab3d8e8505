"""The deadline guard (DESIGN.md §3): bidding closes at the instant on the server clock, whether
or not the scheduled job has run. A request one millisecond late is refused, and a page shown
one millisecond late shows the lot closed, because every request checks the clock again."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from tests.bidding.factories import complete_bids
from tests.trading.factories import published_lot
from trading import services
from trading.choices import LotState, NoticeKind
from trading.errors import RuleViolation
from trading.models import AuditEvent, Notice

pytestmark = pytest.mark.django_db

MS = timedelta(milliseconds=1)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def refused(action):
    with translation.override("en"), pytest.raises(RuleViolation) as caught:
        action()
    return str(caught.value)


def closed_at(deadline) -> str:
    """The deadline as the refusal names it: Beijing time, named, to the millisecond."""
    return timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " (Beijing time)"


def lot_events(lot):
    return list(AuditEvent.objects.filter(object_type="trading.lot", object_id=str(lot.pk)).order_by("seq"))


@pytest.fixture
def lot():
    """A published lot whose deadline falls at an odd millisecond, three bids handed in."""
    lot = published_lot(deadline_in=timedelta(days=10, milliseconds=437))
    complete_bids(lot, 3)
    return lot


# --- the guard the services call ------------------------------------------------------------


def test_ensure_bidding_open_passes_one_millisecond_before_deadline(lot):
    services.ensure_bidding_open(lot.project, lot.project.bid_deadline - MS)


def test_ensure_bidding_open_refuses_one_millisecond_after_deadline(lot):
    deadline = lot.project.bid_deadline
    message = refused(lambda: services.ensure_bidding_open(lot.project, deadline + MS))
    assert message == f"Bidding for this tender closed at {closed_at(deadline)}."
    # the job has not run: the stored state still says open, and the guard does not believe it
    lot.refresh_from_db()
    assert lot.state == LotState.PUBLISHED


def test_ensure_bidding_open_refuses_at_the_deadline_instant(lot):
    deadline = lot.project.bid_deadline
    message = refused(lambda: services.ensure_bidding_open(lot.project, deadline))
    assert closed_at(deadline) in message


def test_ensure_bidding_open_refuses_a_lot_not_yet_published():
    lot = published_lot()
    lot.state = LotState.DRAFT
    lot.save()
    message = refused(lambda: services.ensure_bidding_open(lot.project, timezone.now()))
    assert message == "This tender is not open for bidding."


# --- clarifications and amendments ---------------------------------------------------------


def clarify(lot, now, **kw):
    fields = {"kind": NoticeKind.CLARIFICATION, "title": "澄清一", "body": "第三章第2条更正如下。", **kw}
    return services.publish_notice(actor=lot.project.created_by, project=lot.project, now=now, **fields)


def test_publish_notice_allowed_one_millisecond_before_deadline(lot):
    notice = clarify(lot, lot.project.bid_deadline - MS)
    assert notice.published_at == lot.project.bid_deadline - MS
    assert AuditEvent.objects.get(action="notice.clarification").data["title"] == "澄清一"


def test_publish_notice_refused_one_millisecond_after_deadline_though_job_has_not_run(lot):
    # given the deadline passed a millisecond ago and no job has closed the lot
    deadline = lot.project.bid_deadline
    # when the agent's clarification arrives
    message = refused(lambda: clarify(lot, deadline + MS))
    # then it is refused, naming the deadline in server time; nothing is published
    assert message == f"Bidding for this tender closed at {closed_at(deadline)}."
    assert not Notice.objects.filter(project=lot.project).exists()
    assert not AuditEvent.objects.filter(action__startswith="notice.").exists()


def test_publish_amendment_refused_when_it_changes_bids_less_than_fifteen_days_before_deadline(lot):
    deadline = lot.project.bid_deadline
    now = deadline - 15 * DAY + MS
    message = refused(lambda: clarify(lot, now, kind=NoticeKind.AMENDMENT, changes_bids=True))
    prefix = ("This amendment changes bids and comes less than 15 days before the deadline "
              "(《招标投标法实施条例》第二十一条): move the deadline to ")
    assert message.startswith(prefix) and message.endswith(" or later.")
    # the deadline it names, to the minute in server time, is the first minute that would pass
    named = datetime.strptime(message[len(prefix):-len(" or later.")], "%Y-%m-%d %H:%M")
    named = timezone.make_aware(named, timezone.get_current_timezone())
    assert now + 15 * DAY <= named < now + 15 * DAY + timedelta(minutes=1)
    lot.project.refresh_from_db()
    assert lot.project.bid_deadline == deadline


def test_publish_amendment_allowed_when_it_changes_bids_fifteen_days_before_deadline(lot):
    deadline = lot.project.bid_deadline
    notice = clarify(lot, deadline - 15 * DAY, kind=NoticeKind.AMENDMENT, changes_bids=True)
    assert notice.changes_bids and notice.new_deadline is None


def test_publish_amendment_allowed_when_it_moves_the_deadline_fifteen_days_out(lot):
    # given an amendment that changes bids with only three days left
    old = lot.project.bid_deadline
    now = old - 3 * DAY
    new = now + 15 * DAY
    # when it moves the deadline fifteen days from now
    notice = clarify(lot, now, kind=NoticeKind.AMENDMENT, changes_bids=True, new_deadline=new)
    # then it is published, and the deadline and its record move with it
    lot.project.refresh_from_db()
    assert lot.project.bid_deadline == new
    assert (notice.previous_deadline, notice.new_deadline) == (old, new)
    event = AuditEvent.objects.get(action="notice.amendment")
    assert event.data["previous_deadline"] == str(old) and event.data["new_deadline"] == str(new)
    # and the old deadline no longer closes bidding
    services.ensure_bidding_open(lot.project, old + MS)


def test_publish_amendment_refused_when_new_deadline_is_not_later(lot):
    deadline = lot.project.bid_deadline
    message = refused(lambda: clarify(lot, deadline - 5 * DAY, kind=NoticeKind.AMENDMENT, new_deadline=deadline))
    assert message == "A new deadline must be later than the current one."


# --- the pages read the clock on every request ------------------------------------------------


def test_tender_page_one_millisecond_before_deadline_shows_bidding_open(client, lot):
    with time_machine.travel(lot.project.bid_deadline - MS, tick=False):
        page = client.get(reverse("reporting:tender", args=[lot.project.pk]))
    assert page.status_code == 200
    assert 'class="state state-published"' in page.content.decode()
    lot.refresh_from_db()
    assert lot.state == LotState.PUBLISHED and lot_events(lot) == []


def test_tender_page_one_millisecond_after_deadline_shows_lot_closed(client, lot):
    # given the deadline passed a millisecond ago and the scheduled job has not run
    deadline = lot.project.bid_deadline
    # when anyone opens the tender page
    with time_machine.travel(deadline + MS, tick=False):
        page = client.get(reverse("reporting:tender", args=[lot.project.pk]))
    # then the page shows the lot closed, and the closing is recorded by the platform's clock
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="state state-closed"' in html and "state-published" not in html
    lot.refresh_from_db()
    assert lot.state == LotState.CLOSED and lot.state_changed_at == deadline + MS
    (event,) = lot_events(lot)
    assert (event.action, event.actor, event.actor_name) == ("lot.close", None, "system")


def test_project_page_one_millisecond_after_deadline_fails_lot_with_too_few_bids(client):
    # given a lot with two bids, one short of the three the law asks
    lot = published_lot(deadline_in=timedelta(days=10, milliseconds=5))
    complete_bids(lot, 2)
    deadline = lot.project.bid_deadline
    # when its staff open the project page a millisecond after the deadline
    with time_machine.travel(deadline + MS, tick=False):
        client.force_login(lot.project.created_by)
        page = client.get(reverse("trading:project", args=[lot.project.pk]))
    # then the lot is shown failed, no clarification is offered, and both steps are recorded
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="state state-failed"' in html
    assert reverse("trading:notice_add", args=[lot.project.pk]) not in html
    lot.refresh_from_db()
    assert lot.state == LotState.FAILED
    assert [(e.action, e.role, e.data.get("complete_bids")) for e in lot_events(lot)] == [
        ("lot.close", "system", None), ("lot.fail_too_few_bids", "system", 2)]


def test_notice_form_one_millisecond_after_deadline_is_refused_with_deadline(client, lot):
    deadline = lot.project.bid_deadline
    with time_machine.travel(deadline + MS, tick=False):
        client.force_login(lot.project.created_by)
        page = client.post(reverse("trading:notice_add", args=[lot.project.pk]),
                           {"kind": NoticeKind.CLARIFICATION, "title": "迟到的澄清", "body": "正文"},
                           headers={"accept-language": "en"})
    # the form is shown again with the refusal, whatever the page's language, the deadline is named
    assert page.status_code == 200
    assert closed_at(deadline) in page.content.decode()
    assert not Notice.objects.filter(title="迟到的澄清").exists()
