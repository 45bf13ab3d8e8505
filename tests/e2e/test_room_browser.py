"""The evaluation room in real browsers: two members of a formed committee, one at a phone's
width, sign in, declare no conflict with the opened bidders (asked once in the site's dialog),
see each other's progress live and elect their leader by vote with the members who took part
elsewhere; the elected leader is offered the start of the review. Served by a live Daphne, each
page on its own WebSocket."""

import re

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.urls import reverse
from playwright.sync_api import expect

from evaluation.models import EvaluationRoom
from evaluation.room import gathering as g
from tests.evaluation.room_helpers import formed
from tests.untranslated import english_words
from trading.models import User

from .conftest import PHONE, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot
from .dialogs import answer

WAIT = 20_000
BEIJING_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


@pytest.mark.browser
class EvaluationRoomInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.committee = formed(n=5)

    def row(self, page, i):
        return page.locator(f"tr[data-member='{self.committee.members[i].pk}']")

    def test_two_members_sign_in_declare_and_elect_their_leader(self):
        committee, lot_id = self.committee, self.committee.lot.pk
        # members 2-4 take part from elsewhere (their own browsers; here, the services)
        for i in (2, 3, 4):
            g.sign_in(actor=committee.user(i), lot_id=lot_id)
            g.declare_no_conflict(actor=committee.user(i), lot_id=lot_id)
        url = self.live_server_url + reverse("evaluation:room", args=[lot_id])
        with chromium() as browser:
            first = log_in(new_context(browser), self.live_server_url, committee.user(0).username)
            second = log_in(new_context(browser, viewport=PHONE), self.live_server_url, committee.user(1).username)
            for page in (first, second):
                page.goto(url)
                expect(page.locator("#room-connection")).to_have_attribute("data-state", "open", timeout=WAIT)
                expect(page.locator("#room-state")).to_have_attribute("data-state", "gathering", timeout=WAIT)
                expect(page.locator("#room-role")).to_have_attribute("data-role", "member")

            # sign-in: the other member's page shows it live
            first.click("#room-sign-in")
            expect(self.row(second, 0).locator("td.signed-in")).to_have_text(BEIJING_TIME, timeout=WAIT)
            second.click("#room-sign-in")
            expect(self.row(first, 1).locator("td.signed-in")).to_have_text(BEIJING_TIME, timeout=WAIT)

            # the declaration names the opened bidders and is asked once
            for page in (first, second):
                bidders = page.locator(".declaration-form .bidder-list li")
                expect(bidders).to_have_count(len(committee.bids), timeout=WAIT)
                expect(bidders.first).to_have_text(committee.bids[0].organization.name)
                page.click("#declare-no-conflict")
                answer(page, yes=True)
            expect(first.locator("#leader-candidate")).to_be_visible(timeout=WAIT)
            expect(second.locator("#leader-candidate")).to_be_visible(timeout=WAIT)
            assert_fits_the_width(second)
            screenshot(second, "evaluation-room-vote-phone")

            # the vote: member 2 (elsewhere) and both browsers vote for member 0; three of five elect
            leader = committee.members[0]
            g.vote_leader(actor=committee.user(2), lot_id=lot_id, candidate_id=leader.pk)
            for page in (first, second):
                page.select_option("#leader-candidate", str(leader.pk))
                page.click("#cast-vote")
            for page in (first, second):
                expect(self.row(page, 0).locator(".leader-badge")).to_be_visible(timeout=WAIT)
                expect(page.locator("#leader-candidate")).to_have_count(0)
            assert EvaluationRoom.objects.get(lot_id=lot_id).leader_id == leader.pk
            # every member is in and declared: the leader alone is offered the start of the review
            expect(first.locator("#start-review")).to_be_enabled(timeout=WAIT)
            expect(second.locator("#start-review")).to_have_count(0)
            expect(first.locator("#room-log li[data-kind='leader_elected']")).to_have_count(1, timeout=WAIT)
            assert_fits_the_width(second)
            # every word the page and its panels show is Chinese (names aside)
            names = frozenset(User.objects.values_list("username", flat=True))
            for page in (first, second):
                assert english_words(page.inner_text("#room-app"), names) == []
            screenshot(first, "evaluation-room-leader-desktop")
            screenshot(second, "evaluation-room-leader-phone")
