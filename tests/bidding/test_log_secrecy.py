"""The server log says nothing of a bidder's refused attempts on a lot before the opening."""

import json
import logging

import pytest
from django.urls import reverse

from tests.bidding.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_refused_bid_attempt_leaves_no_line_naming_its_lot(tender, bidder, caplog):
    caplog.set_level(logging.INFO)
    url = reverse("bidding:start_version", args=[tender.lot.pk])
    answer = client_for(bidder.user).post(url, data=json.dumps({"files": [{"kind": "form", "name": "f.age", "size": 10}]}),
                                          content_type="application/json")
    assert answer.status_code == 400
    assert not [r for r in caplog.records if url in r.getMessage() or str(tender.lot.pk) in r.getMessage().split("/")]


def test_refusals_elsewhere_are_still_logged(client, caplog):
    caplog.set_level(logging.INFO)
    assert client.get("/no-such-page/").status_code == 404
    assert any("/no-such-page/" in r.getMessage() for r in caplog.records)
