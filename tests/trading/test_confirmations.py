"""Asking once before what cannot be undone, on the server's side: a staff transition posted
without `confirmed=yes` (a browser without scripts, or a form posted by hand) is answered by the
confirmation page, saying what will happen, and nothing happens; posted again from that page, it
is taken. A transition that would be refused is refused at once, not after a yes."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.trading.factories import published_lot, staff
from trading.choices import LotState
from trading.models import AuditEvent, Lot

pytestmark = pytest.mark.django_db


def visible(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))


def hidden_fields(page) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.content.decode()))


@pytest.fixture
def lot():
    return published_lot()


@pytest.fixture
def clerk(lot):
    client = Client()
    client.force_login(staff(lot.project.center))
    return client


def test_terminating_a_lot_without_its_confirmation_asks_and_changes_nothing(clerk, lot):
    # when staff post "terminate" (终止) with a reason but without the confirmation
    events = AuditEvent.objects.count()
    page = clerk.post(reverse("trading:lot_transition", args=[lot.pk]), {"name": "cancel", "reason": "项目资金未落实"})
    # then the page asks once, saying what will happen, and the lot is as it was
    assert page.status_code == 200
    said = visible(page)
    assert f"确定对 {lot} 执行“终止”吗？" in said
    assert "终止该标段：投标与开标永久停止，您填写的理由将予以公开。此操作不可撤销。" in said
    assert "项目资金未落实" in said and "不，返回" in said
    assert Lot.objects.get(pk=lot.pk).state == LotState.PUBLISHED
    assert AuditEvent.objects.count() == events
    # and its form carries the same fields, with the confirmation
    fields = hidden_fields(page)
    assert fields.pop("csrfmiddlewaretoken")
    assert fields == {"name": "cancel", "reason": "项目资金未落实", "confirmed": "yes"}
    assert f'action="{reverse("trading:lot_transition", args=[lot.pk])}"' in page.content.decode()


def test_terminating_a_lot_once_confirmed_takes_it(clerk, lot):
    page = clerk.post(reverse("trading:lot_transition", args=[lot.pk]),
                      {"name": "cancel", "reason": "项目资金未落实", "confirmed": "yes"}, follow=True)
    assert Lot.objects.get(pk=lot.pk).state == LotState.CANCELLED
    event = AuditEvent.objects.get(action="lot.cancel")
    assert event.data["reason"] == "项目资金未落实"
    assert "操作成功：标段当前状态为“已终止”。" in visible(page)  # the state it is now in, not the one before


def test_a_transition_that_would_be_refused_is_refused_at_once_not_asked(clerk, lot):
    page = clerk.post(reverse("trading:lot_transition", args=[lot.pk]), {"name": "cancel", "reason": ""}, follow=True)
    said = visible(page)
    assert "请填写“终止”的理由" in said
    assert "此操作不可撤销" not in said
    assert Lot.objects.get(pk=lot.pk).state == LotState.PUBLISHED


def test_the_project_page_puts_each_transitions_question_on_its_form(clerk, lot):
    html = clerk.get(reverse("trading:project", args=[lot.project.pk])).content.decode()
    form = re.search(r'<form method="post" action="%s"[^>]*>' % reverse("trading:lot_transition", args=[lot.pk]), html).group(0)
    assert f'data-confirm="确定对 {lot} 执行“终止”吗？"' in form
    assert 'data-confirm-detail="终止该标段：投标与开标永久停止，您填写的理由将予以公开。此操作不可撤销。"' in form
    assert 'data-confirm-action="终止"' in form
