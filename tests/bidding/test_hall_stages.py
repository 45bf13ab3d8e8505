"""The hall of a lot that will never be opened: a lot terminated before its deadline shows its
outcome (已终止 and why), with no live hall, and a connection to it makes none."""

import re

import pytest
from django.urls import reverse

from bidding.hall import ARRIVALS
from bidding.models import OpeningHall
from trading import services
from trading.errors import NotFound


def visible(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))


def test_a_lot_terminated_before_its_deadline_has_an_outcome_and_no_hall(tender, client):
    services.transition_lot(actor=tender.staff, lot=tender.lot, name="cancel", reason="招标人撤回招标")
    page = client.get(reverse("bidding:hall", args=[tender.lot.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    said = visible(page)
    assert "开标结果" in said and "已终止" in said and "原因：招标人撤回招标" in said
    assert "本标段的投标文件未开启。" in said
    html = page.content.decode()
    assert 'id="hall-app"' not in html and "hall-page.js" not in html and 'id="hall-countdown"' not in html
    with pytest.raises(NotFound):
        ARRIVALS.room(tender.staff, tender.lot.pk)
    assert not OpeningHall.objects.filter(lot=tender.lot).exists()
