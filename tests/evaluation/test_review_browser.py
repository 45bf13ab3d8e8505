"""The review's pages in a real browser (Chromium): a committee member reads a bid's PDF in the
page (the browser's own PDF viewer in the frame, under the file's strict policy) and downloads a
file exactly as decrypted; the bidder answers the committee's question after the site's dialog,
on a phone's width, and the page never names the committee."""

import tempfile
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from bidding.models import SealedFile
from evaluation.models import Clarification
from evaluation.room import questions
from tests.e2e.conftest import PASSWORD, PHONE, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot
from tests.e2e.dialogs import click_and_confirm
from tests.evaluation.reviewing import reviewing
from trading.models import AuditEvent

WAIT = 20_000
PDF_VIEWER = "chrome-extension://"
# Set on the class, so that the site's own process (Daphne, started for each test) has it too.
SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-review-e2e-"))


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed")
class ReviewPagesInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.r = reviewing(bidders=2)
        # Daphne runs in a process of its own, started before this module's fast hasher was set
        # (tests/evaluation/conftest.py): the password is hashed as the site's settings hash it.
        hasher = PBKDF2PasswordHasher()
        for user in (self.r.user(1), self.r.bidders[0]):
            user.password = hasher.encode(PASSWORD, hasher.salt())
            user.save(update_fields=["password"])

    def test_a_member_reads_a_pdf_in_the_page_and_downloads_a_file(self):
        r = self.r
        with chromium() as browser:
            context = new_context(browser, accept_downloads=True)
            page = log_in(context, self.live_server_url, r.user(1).username)
            page.goto(self.live_server_url + reverse("evaluation:bid_files", args=[r.lot.pk]))
            expect(page.locator(f"#bid-{r.bids[0]['id']}")).to_contain_text(r.bids[0]["bidder"])
            assert_fits_the_width(page)
            pdf = SealedFile.objects.get(bid_id=r.bids[0]["id"], name="技术标.pdf")
            page.click(f"a[href='{reverse('evaluation:bid_file', args=[r.lot.pk, pdf.pk])}']")
            expect(page.locator("iframe.bid-file-frame")).to_be_visible(timeout=WAIT)
            viewer = None
            for _ in range(40):
                viewer = next((f for f in page.frames if f.url.startswith(PDF_VIEWER)), None)
                if viewer:
                    break
                page.wait_for_timeout(250)
            assert viewer is not None, [f.url for f in page.frames]  # the browser's PDF viewer, inside our page
            screenshot(page, "review-bid-file-pdf")
            with page.expect_download() as downloaded:
                page.locator("a[download]").first.click()
            path = downloaded.value.path()
            assert Path(path).read_bytes() == r.files[r.bids[0]["id"]]["技术标.pdf"]
        hows = list(AuditEvent.objects.filter(action="evaluation.bid_file_read", actor_id=r.user(1).pk)
                    .values_list("data__how", flat=True))
        assert "viewed" in hows and "downloaded" in hows

    def test_the_bidder_answers_on_a_phone_after_the_dialog(self):
        r = self.r
        asked = questions.ask_question(actor=r.user(2), lot_id=r.lot.pk, bid_id=r.bids[0]["id"],
                                       question="请说明第12页的工期安排。", hours=24)
        with chromium() as browser:
            page = log_in(new_context(browser, viewport=PHONE), self.live_server_url, r.bidders[0].username)
            page.goto(self.live_server_url + reverse("evaluation:questions", args=[r.lot.pk]))
            card = page.locator(f"#question-{asked.pk}")
            expect(card).to_contain_text("请说明第12页的工期安排。")
            text = page.content()
            for member in r.members:
                assert member.expert.user.display_name not in text
            card.locator("textarea[name=answer]").fill("工期180日历天，见第12页。")
            assert_fits_the_width(page)
            click_and_confirm(page, f"#question-{asked.pk} button[type=submit]")
            expect(page.locator(f"#question-{asked.pk} .answer-text")).to_contain_text("工期180日历天", timeout=WAIT)
            screenshot(page, "review-bidder-answer-phone")
        assert Clarification.objects.get(pk=asked.pk).answered_by == r.bidders[0]
