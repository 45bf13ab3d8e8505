"""The notices of a lot's ending (trading/lot_notices.py): the failure notice (流标公告) is published
by the platform when a lot fails at its deadline, once, with its audit event, and by the staff
who fail a lot later, with their reason; the winning candidates' publicity comes with the stage
that publishes them, ranked, with their prices; the result notice with the award, naming the first
candidate and the award price. Each notice page shows the figures as the platform writes money."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from bidding import closing
from bidding.choices import HallState
from bidding.models import OpeningHall
from frontend.templatetags.kaibiao import yuan
from tests.bidding.factories import complete_bids
from tests.evaluation.awarding import opened, report_final
from tests.trading.factories import LotFactory, ProjectFactory
from trading import lot_notices, services
from trading.choices import LotState, NoticeKind
from trading.errors import RuleViolation
from trading.models import AuditEvent, Notice

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def lot_in(state, *, deadline_in=-HOUR, bids=0, lots=1, in_state_for=timedelta(0)):
    """A published tender's first lot in `state`, with `bids` complete bids before its deadline."""
    now = timezone.now()
    project = ProjectFactory(bid_deadline=now + deadline_in, documents_published_at=now + deadline_in - 25 * DAY)
    lot = None
    for number in range(1, lots + 1):
        made = LotFactory(project=project, number=number, state=state)
        lot = lot or made
    lot.__class__.objects.filter(pk=lot.pk).update(state_changed_at=now - in_state_for)
    complete_bids(lot, bids)
    lot.refresh_from_db()
    return lot


def page(url, language="zh-hans") -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get(url)
    assert response.status_code == 200
    return response.content.decode()


def notice_events(notice):
    return list(AuditEvent.objects.filter(object_type="trading.notice", object_id=str(notice.pk)))


# --- the failure notice ------------------------------------------------------------------------


def test_a_lot_failing_at_its_deadline_has_the_platform_s_failure_notice_once():
    # given a published lot whose deadline has just passed with two complete bids (three are needed)
    lot = lot_in(LotState.PUBLISHED, deadline_in=-timedelta(seconds=1), bids=2)
    # when the platform closes bidding, and the closing runs again (the sweep, a request's clock)
    closing.close_due_lots()
    closing.close_due_lots()
    lot.refresh_from_db()
    # then the lot failed and its failure notice is published once, by the platform, as it closed
    assert lot.state == LotState.FAILED
    (notice,) = Notice.objects.filter(lot=lot)
    assert notice.kind == NoticeKind.FAILURE and notice.published_by is None
    assert lot.project.bid_deadline <= notice.published_at == lot.state_changed_at <= timezone.now()
    assert notice.title == f"{lot.project.name}流标公告"
    assert notice.details["complete_bids"] == 2 and notice.details["min_bids"] == 3
    assert "不足法定开标所需的 3 份" in notice.body and "《招标投标法实施条例》第四十四条" in notice.body
    (event,) = notice_events(notice)
    assert event.action == "notice.failure" and event.actor is None and event.role == "system"
    assert event.data["complete_bids"] == 2 and event.project_id == lot.project_id


def test_the_failure_notice_is_not_published_twice():
    lot = lot_in(LotState.PUBLISHED, deadline_in=-timedelta(seconds=1), bids=1)
    closing.close_due_lots()
    lot.refresh_from_db()
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        lot_notices.publish_for(actor=None, lot=lot, name="fail_too_few_bids", now=timezone.now(), facts={})
    assert str(refused.value) == "This lot's “Failed tender notice” is published already."
    assert Notice.objects.filter(lot=lot).count() == 1
    assert AuditEvent.objects.filter(action="notice.failure").count() == 1


def test_a_lot_that_opens_has_no_failure_notice():
    lot = lot_in(LotState.PUBLISHED, deadline_in=-timedelta(seconds=1), bids=3)
    closing.close_due_lots()
    lot.refresh_from_db()
    assert lot.state == LotState.CLOSED
    assert not Notice.objects.filter(lot=lot).exists()


def test_the_failure_notice_of_one_lot_names_it_and_leaves_its_sibling_alone():
    lot = lot_in(LotState.PUBLISHED, deadline_in=-timedelta(seconds=1), bids=0, lots=2)
    sibling = lot.project.lots.exclude(pk=lot.pk).get()
    complete_bids(sibling, 3)
    closing.close_due_lots()
    (notice,) = Notice.objects.filter(kind=NoticeKind.FAILURE)
    assert notice.lot == lot and notice.title == f"{lot.project.name}（{lot.name}）流标公告"
    assert not Notice.objects.filter(lot=sibling).exists()


def test_staff_failing_a_lot_in_evaluation_publish_its_failure_notice_with_their_reason():
    lot = lot_in(LotState.EVALUATION, bids=3)
    staff = lot.project.created_by
    services.transition_lot(actor=staff, lot=lot, name="fail_evaluation", reason="所有投标均未通过符合性审查。")
    (notice,) = Notice.objects.filter(lot=lot, kind=NoticeKind.FAILURE)
    assert notice.published_by == staff and notice.details["reason"] == "所有投标均未通过符合性审查。"
    assert "原因：所有投标均未通过符合性审查。招标人将依法重新组织招标。" in notice.body
    (event,) = notice_events(notice)
    assert event.actor == staff


def test_the_failure_notice_page_shows_the_count_and_the_law():
    lot = lot_in(LotState.PUBLISHED, deadline_in=-timedelta(seconds=1), bids=2)
    closing.close_due_lots()
    notice = Notice.objects.get(lot=lot)
    shown = page(reverse("reporting:notice", args=[notice.pk]))
    assert '<dd id="failure-complete-bids">2</dd>' in shown
    assert "由平台发布" in shown and "截止时有效投标数" in shown
    listed = page(reverse("reporting:notices") + "?kind=failure")
    assert notice.title in listed and "暂无" not in listed


# --- the candidates and the result -------------------------------------------------------------


def candidates_of(lot, prices):
    """The lot's bids (oldest first) opened with `prices`, ranked in that order."""
    return opened(lot, prices)


def publicize(lot, ranked_bids, **kw):
    """The staff publish the candidates once the committee's report is final and ranks `ranked_bids`
    (the evaluation floor's facts: tests/evaluation/awarding.py)."""
    report_final(lot, ranked_bids)
    return services.transition_lot(actor=lot.project.created_by, lot=lot, name="publicize", **kw)


def test_publishing_the_candidates_publishes_their_publicity_ranked_with_their_prices():
    # given a lot in evaluation whose signed report ranks three of its bidders
    lot = lot_in(LotState.EVALUATION, bids=3)
    OpeningHall.objects.create(lot=lot, state=HallState.ENDED)
    ranked = candidates_of(lot, ["912345.67", "930000", "948800.50"])
    now = timezone.now()
    # when the staff publish the candidates
    publicize(lot, ranked, now=now)
    # then the publicity is published with the stage, by them, for the tender's publicity days
    notice = Notice.objects.get(lot=lot, kind=NoticeKind.CANDIDATES)
    assert notice.published_by == lot.project.created_by and notice.published_at == now
    assert [(c["rank"], c["organization"], c["price"]) for c in notice.details["candidates"]] == [
        (1, ranked[0].organization_id, "912345.67"), (2, ranked[1].organization_id, "930000.00"),
        (3, ranked[2].organization_id, "948800.50")]
    assert notice.details["publicity_ends"] == (now + 3 * DAY).isoformat()
    assert "《招标投标法实施条例》第五十四条" in notice.body
    (event,) = notice_events(notice)
    assert event.action == "notice.candidates" and event.actor == lot.project.created_by
    lot_event = AuditEvent.objects.get(action="lot.publicize", object_id=str(lot.pk))
    assert lot_event.data["candidates"] == [{"organization": b.organization_id, "price": p} for b, p in
                                            zip(ranked, ["912345.67", "930000.00", "948800.50"])]
    # and its page shows each candidate's price as the platform writes money
    shown = page(reverse("reporting:notice", args=[notice.pk]))
    assert re.findall(r'<td class="num">([^<]+)</td>', shown) == [
        yuan(Decimal("912345.67")), yuan(Decimal("930000")), yuan(Decimal("948800.50"))]


@pytest.mark.parametrize("candidates, message", [
    ([], "The signed report names no winning candidate: there is nothing to publish."),
    ("four", "The report may name at most 3 ranked winning candidates (《招标投标法实施条例》第五十三条)."),
    ("twice", "A bidder is named twice among the winning candidates."),
])
def test_candidates_are_refused_when_the_report_does_not_rank_one_to_three_bidders(candidates, message):
    lot = lot_in(LotState.EVALUATION, bids=4)
    if candidates == "four":
        candidates = candidates_of(lot, ["1", "2", "3", "4"])
    elif candidates == "twice":
        candidates = candidates_of(lot, ["1"])[:1] * 2
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        publicize(lot, candidates)
    with translation.override("en"):
        assert str(refused.value) == message
    lot.refresh_from_db()
    assert lot.state == LotState.EVALUATION and not Notice.objects.filter(lot=lot).exists()


def test_a_candidate_without_a_price_publishes_nothing():
    lot = lot_in(LotState.EVALUATION, bids=3)
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        publicize(lot, candidates_of(lot, ["912345.67", "abc"]))
    with translation.override("en"):
        assert str(refused.value) == "Winning candidate 2 has no bid price."
    lot.refresh_from_db()
    assert lot.state == LotState.EVALUATION and not Notice.objects.exists()


def test_the_award_publishes_the_result_naming_the_first_candidate_and_the_award_price():
    # given candidates published three days ago
    lot = lot_in(LotState.EVALUATION, bids=3)
    start = timezone.now() - 3 * DAY - HOUR
    ranked = candidates_of(lot, ["912345.67", "930000", "948800.50"])
    publicize(lot, ranked, now=start)
    # when the staff award the lot
    services.transition_lot(actor=lot.project.created_by, lot=lot, name="award", award_price=Decimal("912345.67"))
    # then the result notice names the first candidate and the award price
    notice = Notice.objects.get(lot=lot, kind=NoticeKind.RESULT)
    first = Notice.objects.get(lot=lot, kind=NoticeKind.CANDIDATES).details["candidates"][0]
    assert notice.details["winner"]["organization"] == ranked[0].organization_id == first["organization"]
    assert notice.details["award_price"] == "912345.67"
    assert notice.title == f"{lot.project.name}中标结果公告"
    assert f"本标段中标人为{first['name']}。" in notice.body
    (event,) = notice_events(notice)
    assert event.action == "notice.result" and event.data["winner"]["name"] == first["name"]
    shown = page(reverse("reporting:notice", args=[notice.pk]))
    assert f'<strong>{yuan(Decimal("912345.67"))}</strong>' in shown
    assert re.search(r'id="result-winner">' + re.escape(first["name"]), shown)
    # and the notices list by kind shows both
    for kind in (NoticeKind.CANDIDATES, NoticeKind.RESULT):
        listed = page(reverse("reporting:notices") + f"?kind={kind}")
        assert Notice.objects.get(lot=lot, kind=kind).title in listed


def test_the_notices_read_in_english_for_an_english_reader():
    lot = lot_in(LotState.PUBLISHED, deadline_in=-timedelta(seconds=1), bids=2)
    closing.close_due_lots()
    shown = page(reverse("reporting:notice", args=[Notice.objects.get(lot=lot).pk]), language="en")
    assert "Complete bids at the deadline" in shown and "published by the platform" in shown
