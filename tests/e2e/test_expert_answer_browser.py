"""A drawn expert answers in a real browser: 我的评标邀请 counts the answer's deadline down on the
server's clock; 确认参加 asks once in the site's dialog, and only a yes confirms; a decline needs
its reason before it is even asked. The page fits a phone."""

import re

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.urls import reverse
from playwright.sync_api import expect

from evaluation.choices import MemberState
from evaluation.models import CommitteeMember
from tests.evaluation.drawn import drawn
from trading.models import AuditEvent

from .conftest import PHONE, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot
from .dialogs import answer, confirm_dialog

WAIT = 20_000


@pytest.mark.browser
class ExpertAnswersInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.committee = drawn(n=5, place="第2评标室")

    def state(self, member) -> str:
        return CommitteeMember.objects.get(pk=member.pk).state

    def test_an_expert_confirms_after_saying_yes_in_the_dialog(self):
        member = self.committee.members[0]
        with chromium() as browser:
            page = log_in(new_context(browser), self.live_server_url, member.expert.user.username)
            page.goto(self.live_server_url + reverse("evaluation:invitations"))
            card = page.locator(f"#seat-{member.pk}")
            expect(card).to_contain_text("第2评标室")
            # the countdown runs on the server's clock: under 30 minutes left
            expect(card.locator(".countdown")).to_have_text(re.compile(r"^00:(2\d|30):\d\d$"), timeout=WAIT)
            confirm = card.locator("form.confirm-seat button[type=submit]")

            # cancelled: nothing happens
            confirm.click()
            confirm_dialog(page)
            screenshot(page, "expert-confirm-asked-desktop")
            answer(page, yes=False)
            assert self.state(member) == MemberState.NOTIFIED

            # yes: confirmed, and the page shows the answer instead of the buttons
            confirm.click()
            answer(page, yes=True)
            expect(card.locator(".state-confirmed")).to_be_visible(timeout=WAIT)
            expect(card.locator("form")).to_have_count(0)
            assert self.state(member) == MemberState.CONFIRMED
            assert AuditEvent.objects.filter(action="draw.confirmed", object_id=str(member.pk)).count() == 1
            screenshot(page, "expert-confirmed-desktop")

    def test_a_decline_without_a_reason_is_not_sent_and_the_page_fits_a_phone(self):
        member = self.committee.members[1]
        with chromium() as browser:
            page = log_in(new_context(browser, viewport=PHONE), self.live_server_url, member.expert.user.username)
            page.goto(self.live_server_url + reverse("evaluation:invitations"))
            assert_fits_the_width(page)
            card = page.locator(f"#seat-{member.pk}")
            card.locator("form.decline-seat button[type=submit]").click()
            # the browser holds the form back for its empty, required reason: no dialog, nothing sent
            expect(page.locator("dialog.confirm-dialog")).to_have_count(0)
            assert card.locator("textarea[name=reason]").evaluate("el => !el.validity.valid")
            assert self.state(member) == MemberState.NOTIFIED
            screenshot(page, "expert-invitations-phone")
