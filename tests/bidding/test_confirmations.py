"""Asking once before what cannot be undone, on the bidding floor: withdrawing a bid posted
without `confirmed=yes` (a browser without scripts) is answered by the confirmation page, and
nothing happens; the hall page is sent the server's own rule for when a bidder may still confirm
the record (not once it objected)."""

import json
import re
from html import unescape

from django.urls import reverse

from bidding.choices import BidState, Confirmation
from bidding.hall import states
from bidding.models import Bid, Receipt
from trading.models import AuditEvent

from .conftest import client_for, submit


def visible(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))


def test_withdrawing_without_the_confirmation_asks_and_changes_nothing(tender, bidder):
    _sealed, uploaded = submit(tender, bidder)
    client = client_for(bidder.user)
    events = AuditEvent.objects.count()
    page = client.post(reverse("bidding:withdraw", args=[tender.lot.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    said = visible(page)
    assert f"确定撤回您在 {tender.lot} 的投标吗？" in said
    assert "第 1 版：撤回后该投标不再有效，您将收到撤回回执。" in said and "此操作不可撤销。" in said
    assert 'name="confirmed" value="yes"' in page.content.decode()
    bid = Bid.objects.get(pk=uploaded.bid_id)
    assert bid.state == BidState.COMPLETE and not Receipt.objects.filter(bid=bid, action="withdrawn").exists()
    assert AuditEvent.objects.count() == events


def test_the_bid_page_puts_the_question_on_the_withdraw_form(tender, bidder):
    submit(tender, bidder)
    html = client_for(bidder.user).get(reverse("bidding:bid_page", args=[tender.lot.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    form = re.search(r'<form[^>]*id="withdraw-form"[^>]*>', html.content.decode()).group(0)
    assert f'data-confirm="确定撤回您在 {tender.lot} 的投标吗？"' in unescape(form)
    assert 'data-confirm-action="撤回我的投标"' in form


def test_the_hall_page_is_sent_the_servers_rule_for_confirming(tender, client):
    page = client.get(reverse("bidding:hall", args=[tender.lot.pk]))
    rules = json.loads(unescape(re.search(r'data-rules="([^"]*)"', page.content.decode()).group(1)))
    assert rules == states.page_rules() == {"finished": ["aborted", "ended", "failed"], "confirmable": [Confirmation.PENDING]}
