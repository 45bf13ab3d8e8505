"""Bid securities name bidders, so staff read none of them before the deadline, their colleagues' included."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from bidding.security import record_bid_security
from tests.bidding.conftest import client_for, make_bidder, submit
from tests.bidding.test_confidentiality import normalized
from tests.trading.factories import staff

pytestmark = pytest.mark.django_db


def test_the_sealing_page_is_the_same_before_the_deadline_whoever_paid_a_security(tender, bidder):
    colleague = staff(tender.project.center)
    url = reverse("bidding:sealing_setup", args=[tender.project.pk])
    with time_machine.travel(tender.before(timedelta(days=1)), tick=False):
        before = normalized(client_for(colleague).get(url).content.decode())
        submit(tender, bidder)
        record_bid_security(actor=tender.staff, lot=tender.lot, organization=bidder.organization,
                            amount=Decimal("10000.00"), method="transfer", reference="T-7")
        after = client_for(colleague).get(url)
        recorder = client_for(tender.staff).get(url).content.decode()
    assert after.status_code == 200
    assert normalized(after.content.decode()) == before
    assert "T-7" not in recorder and f"<td>{bidder.organization.name}</td>" not in recorder


def test_the_recorder_is_told_what_was_recorded_and_the_list_comes_after_the_deadline(tender, bidder):
    other = make_bidder(tender)
    with time_machine.travel(tender.before(timedelta(days=1)), tick=False):
        answer = client_for(tender.staff).post(reverse("bidding:record_security", args=[tender.lot.pk]), {
            "organization": other.organization.pk, "amount": "10000.00", "method": "transfer", "reference": "T-8"},
            follow=True)
    page = answer.content.decode()
    assert other.organization.name in page and "10,000.00" in page  # the message, once
    assert "T-8" not in page
    with time_machine.travel(tender.project.bid_deadline + timedelta(minutes=1), tick=False):
        later = client_for(tender.staff).get(reverse("bidding:sealing_setup", args=[tender.project.pk])).content.decode()
    assert "T-8" in later and f"<td>{other.organization.name}</td>" in later
