"""The bid page says what a bid is sealed to, and what a bid that neither key opens costs."""

import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from bidding.upload import sealing_recipients

pytestmark = pytest.mark.django_db


def page_of(user, lot) -> str:
    client = Client()  # the platform's language, as a bidder's browser gets it by default
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    answer = client.get(reverse("bidding:bid_page", args=[lot.pk]))
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_receipts_section_names_both_keys_and_warns_of_the_forfeit(tender, bidder):
    page = page_of(bidder.user, tender.lot)
    section = page[page.index('id="sealed-to"'):]
    bidder_key = re.search(r'id="sealed-to-bidder">([^<]+)<', section).group(1)
    opening_key = re.search(r'id="sealed-to-opening">([^<]+)<', section).group(1)
    assert (bidder_key, opening_key) == (str(bidder.identity.recipient), tender.ceremony.opening_recipient)
    # What the page shows is what the browser seals to (its parameters) and what the server names.
    params = json.loads(html.unescape(re.search(r'data-params="([^"]+)"', page).group(1)))
    assert params["opening_recipient"] == opening_key and params["bidders_decrypt"] is True
    assert re.search(r'data-registered-recipient="([^"]+)"', page).group(1) == bidder_key
    assert set(sealing_recipients(actor=bidder.user, lot=tender.lot)) == {bidder_key, opening_key}
    warning = re.search(r'id="forfeit-warning">([^<]+)<', section).group(1)
    assert "视为撤销" in warning and "投标保证金" in warning and "第三十五条" in warning
