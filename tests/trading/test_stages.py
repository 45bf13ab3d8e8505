"""A lot's stage as people read it (trading.stages): the lifecycle's state with the clock applied,
its label, what comes next, and why a lot failed or was cancelled."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from tests.trading.factories import LotFactory, published_lot, staff
from trading import lifecycle, services
from trading.choices import LotState
from trading.stages import stage_of

pytestmark = pytest.mark.django_db


def zh(fn):
    with translation.override("zh-hans"):
        return fn()


def test_a_published_lot_past_its_deadline_reads_closed_before_the_job_has_run():
    lot = published_lot(deadline_in=timedelta(days=1))
    now = lot.project.bid_deadline
    assert stage_of(lot, now - timedelta(seconds=1)).state == LotState.PUBLISHED
    stage = zh(lambda: stage_of(lot, now))
    assert (stage.state, stage.label) == (LotState.CLOSED, "投标截止")
    assert stage.next_step == "投标已截止，将在开标大厅开标。"
    lot.refresh_from_db()
    assert lot.state == LotState.PUBLISHED  # reading changes nothing: the closing job records it


def test_the_tender_list_shows_a_closed_lot_as_closed_whether_or_not_the_job_has_run():
    lot = published_lot(deadline_in=timedelta(days=1))
    lot.project.bid_deadline = timezone.now() - timedelta(minutes=1)
    lot.project.save(update_fields=["bid_deadline"])
    html = Client().get(reverse("reporting:tenders"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-stage="closed">投标截止<' in html
    assert "投标中" not in html


def test_each_stage_says_what_comes_next():
    lot = published_lot(deadline_in=timedelta(days=3))
    now = timezone.now()
    expected = {
        LotState.PUBLISHED: "投标截止时间为",
        LotState.OPENING: "正在开标大厅开标。",
        LotState.EVALUATION: "开标已结束，评标委员会正在评审",
        LotState.PUBLICITY: "中标候选人公示至",
        LotState.AWARDED: "中标人已确定，应于",
        LotState.CONTRACTED: "合同已签订。",
        LotState.ARCHIVED: "项目已完成并归档。",
    }
    for state, words in expected.items():
        lot.state = state
        stage = zh(lambda: stage_of(lot, now))
        assert stage.label == zh(lambda: str(LotState(state).label))
        assert words in stage.next_step, (state, stage.next_step)
        assert stage.is_past_opening == (state not in (LotState.PUBLISHED, LotState.OPENING))


def test_the_publicity_ends_when_the_award_may_be_made():
    lot = published_lot(deadline_in=timedelta(days=3))
    lot.state, lot.state_changed_at = LotState.PUBLICITY, timezone.now()
    ends = timezone.localtime(lot.state_changed_at + timedelta(days=lot.project.publicity_days)).strftime("%Y-%m-%d %H:%M")
    assert ends in zh(lambda: stage_of(lot, timezone.now()).next_step)


def test_a_cancelled_lot_says_why():
    lot = published_lot()
    services.transition_lot(actor=staff(lot.project.center), lot=lot, name="cancel", reason="项目资金未落实")
    lot.refresh_from_db()
    stage = zh(lambda: stage_of(lot, timezone.now(), with_reason=True))
    assert (stage.label, stage.reason, stage.next_step) == ("已终止", "项目资金未落实", "本项目已终止。")
    assert stage.is_past_opening
    assert stage_of(lot, timezone.now()).reason == ""  # a list does not read why


def test_a_lot_failed_for_too_few_bids_says_how_many_came(monkeypatch):
    lot = published_lot(deadline_in=timedelta(days=1))
    later = lot.project.bid_deadline + timedelta(seconds=1)
    services.system_transition(lot_id=lot.pk, name="close", now=later)
    # the bidding floor counts the bids; here the count is what its provider would say
    monkeypatch.setattr(lifecycle, "gather_facts", lambda lot, now, given=None: {"complete_bids": 2})
    services.system_transition(lot_id=lot.pk, name="fail_too_few_bids", now=later)
    lot.refresh_from_db()
    stage = zh(lambda: stage_of(lot, later, with_reason=True))
    assert stage.label == "流标"
    assert stage.reason == "投标截止时只有 2 份完整投标，少于开标所需的 3 份（《招标投标法实施条例》第四十四条）。"
    assert stage.next_step == "已流标，可依法重新招标。"


def test_the_tender_page_shows_each_lots_stage_and_why_it_ended():
    lot = published_lot()
    LotFactory(project=lot.project, number=9, state=LotState.PUBLISHED)
    services.transition_lot(actor=staff(lot.project.center), lot=lot, name="cancel", reason="项目资金未落实")
    html = Client().get(reverse("reporting:tender", args=[lot.project.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-stage="cancelled">已终止<' in html and "原因：项目资金未落实" in html
    assert 'data-stage="published">投标中<' in html
    assert html.count(">开标结果<") == 1 and html.count(">开标大厅<") == 1  # the cancelled lot's hall has an outcome
