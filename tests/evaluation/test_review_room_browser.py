"""The review panel of the evaluation room in real browsers: two members, one at a phone's width,
record every check (a fail with its reason, kept while the other member's progress re-renders
the page), submit after the site's dialog; the rest of the committee takes part elsewhere; the
conclusion table reaches both pages with every failing reason; a member asks a bidder a
question; the leader starts the scoring. Served by a live Daphne, each page on its own socket."""

import tempfile
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from evaluation.models import Clarification, EvaluationRoom
from tests.e2e.conftest import PASSWORD, PHONE, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot
from tests.e2e.dialogs import answer
from tests.evaluation.reviewing import record_all, reviewing

# The room's consumer and page are H-room's (branch h-room): until they are merged here, this
# module has nothing to run against.
pytest.importorskip("tests.evaluation.room_helpers", reason="the evaluation room's consumer is not on this branch yet")

WAIT = 20_000
SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-review-room-e2e-"))


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed")
class ReviewPanelInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.r = reviewing(n=5, bidders=2, checks=2, files=False)
        hasher = PBKDF2PasswordHasher()  # as the site's own process hashes (see test_review_browser)
        for i in (0, 1):
            user = self.r.user(i)
            user.password = hasher.encode(PASSWORD, hasher.salt())
            user.save(update_fields=["password"])

    def cell(self, page, b, c):
        return page.locator(f".verdict[data-bid='{self.r.bids[b]['id']}'][data-check='{self.r.checks[c].pk}']")

    def test_two_members_review_in_their_browsers_and_the_leader_starts_the_scoring(self):
        r = self.r
        url = self.live_server_url + reverse("evaluation:room", args=[r.lot.pk])
        with chromium() as browser:
            leader = log_in(new_context(browser), self.live_server_url, r.user(0).username)
            member = log_in(new_context(browser, viewport=PHONE), self.live_server_url, r.user(1).username)
            for page in (leader, member):
                page.goto(url)
                expect(page.locator("#room-connection")).to_have_attribute("data-state", "open", timeout=WAIT)
                expect(page.locator("#review-panel")).to_be_visible(timeout=WAIT)
                expect(page.locator("#submit-review")).to_be_disabled()
            # the member types a fail's reason while the leader's verdicts re-render the page
            self.cell(member, 0, 0).locator("input[value=fail]").check()
            self.cell(member, 0, 0).locator("textarea").fill("营业执照已过期")
            for b in range(2):
                for c in range(2):
                    self.cell(leader, b, c).locator("input[value=pass]").check()
            expect(member.locator(f".progress-list li[data-member='{r.members[0].pk}']")).to_have_attribute(
                "data-recorded", "4", timeout=WAIT)
            expect(self.cell(member, 0, 0).locator("textarea")).to_have_value("营业执照已过期")
            self.cell(member, 0, 0).locator("button").click()
            for b, c in ((0, 1), (1, 0), (1, 1)):
                self.cell(member, b, c).locator("input[value=pass]").check()
            expect(member.locator("#submit-review")).to_be_enabled(timeout=WAIT)
            assert_fits_the_width(member)
            screenshot(member, "review-panel-member-phone")
            for page in (leader, member):
                page.click("#submit-review")
                answer(page, yes=True)
            expect(leader.locator("#return-member option")).to_have_count(2, timeout=WAIT)
            # a member asks the second bidder a question from the panel
            member.select_option("#question-bid", str(r.bids[1]["id"]))
            member.fill("#question-text", "请说明工期安排。")
            member.fill("#question-hours", "12")
            member.click("#ask-question")
            answer(member, yes=True)
            expect(leader.locator(".review-questions li")).to_contain_text("请说明工期安排。", timeout=WAIT)
            asked = Clarification.objects.get()
            assert (asked.bid_id, asked.asked_by_id) == (r.bids[1]["id"], r.members[1].pk)
            assert (asked.answer_due - asked.asked_at).total_seconds() == 12 * 3600
            # the rest of the committee, elsewhere: two more say bid 1 fails check 1
            for i in (2, 3, 4):
                record_all(r, i, fail={(0, 0)} if i < 4 else set(), reason="执照过期")
            for page in (leader, member):
                row = page.locator(f"#review-conclusion tr[data-bid='{r.bids[0]['id']}']")
                expect(row).to_have_class("not-responsive", timeout=WAIT)
                expect(row).to_contain_text("营业执照已过期")
                expect(row).to_contain_text("执照过期2")
            expect(member.locator("#start-scoring")).to_have_count(0)
            screenshot(leader, "review-panel-conclusion-desktop")
            leader.click("#start-scoring")
            answer(leader, yes=True)
            expect(member.locator("#room-state")).to_have_attribute("data-state", "scoring", timeout=WAIT)
        assert EvaluationRoom.objects.get(pk=r.room.pk).state == "scoring"
