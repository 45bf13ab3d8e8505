"""Asking once before what cannot be undone, in a real browser: withdrawing a bid and terminating
a lot open the site's dialog, saying what will happen. Cancelled (its button, Escape, or Enter on
the answer that has the focus), nothing happens: the bid still counts, the lot is as it was, no
audit event. Confirmed (by mouse, or Tab and Enter), it happens. The dialog fits a phone."""

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from bidding.choices import BidState
from bidding.models import Bid
from trading.choices import LotState
from trading.models import AuditEvent, Lot

from ..bidding.conftest import make_bidder, make_tender, submit
from .conftest import PHONE, chromium, log_in, new_context, require_browser, screenshot
from .dialogs import answer, confirm_dialog

SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-confirm-"))
WAIT = 20_000


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem")
class ConfirmationsInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        SCRATCH.mkdir(parents=True, exist_ok=True)
        self.addCleanup(shutil.rmtree, SCRATCH, True)
        self.tender = make_tender(deadline_in=timedelta(days=3))
        self.lot = self.tender.lot

    def counting(self, bidder) -> str:
        return Bid.objects.get(lot=self.lot, organization=bidder.organization, version=1).state

    def assert_nothing_happened(self, bidder):
        assert self.counting(bidder) == BidState.COMPLETE
        assert not AuditEvent.objects.filter(action="bid.withdrawn").exists()

    def test_withdrawing_a_bid_asks_once_and_only_a_yes_withdraws_it(self):
        bidder = make_bidder(self.tender)
        submit(self.tender, bidder)
        with chromium() as browser:
            page = log_in(new_context(browser), self.live_server_url, bidder.user.username)
            page.goto(self.live_server_url + reverse("bidding:bid_page", args=[self.lot.pk]))
            withdraw = page.locator("#withdraw-form button[type=submit]")

            # asked, saying what will happen; Escape cancels
            withdraw.click()
            dialog = confirm_dialog(page)
            expect(dialog.locator("h2")).to_have_text(f"确定撤回您在 {self.lot} 的投标吗？")
            expect(dialog).to_contain_text("第 1 版：撤回后该投标不再有效，您将收到撤回回执。")
            expect(dialog).to_contain_text("此操作不可撤销。")
            expect(dialog.locator(".confirm-yes")).to_have_text("撤回我的投标")
            expect(dialog.locator(".confirm-cancel")).to_be_focused()
            screenshot(page, "withdraw-asked-desktop")
            page.keyboard.press("Escape")
            expect(page.locator("dialog.confirm-dialog")).to_have_count(0)
            self.assert_nothing_happened(bidder)

            # the Cancel button cancels
            withdraw.click()
            answer(page, yes=False)
            self.assert_nothing_happened(bidder)

            # Enter alone answers with the focused, safe answer: cancel
            withdraw.click()
            confirm_dialog(page)
            page.keyboard.press("Enter")
            expect(page.locator("dialog.confirm-dialog")).to_have_count(0)
            self.assert_nothing_happened(bidder)
            assert page.url.endswith(reverse("bidding:bid_page", args=[self.lot.pk]))

            # Tab to the action, Enter: withdrawn, with its receipt
            withdraw.click()
            confirm_dialog(page)
            page.keyboard.press("Tab")
            expect(page.locator("dialog.confirm-dialog .confirm-yes")).to_be_focused()
            page.keyboard.press("Enter")
            expect(page.locator("ul.messages")).to_contain_text("您的投标已撤回", timeout=WAIT)
        assert self.counting(bidder) == BidState.WITHDRAWN
        assert AuditEvent.objects.filter(action="bid.withdrawn").count() == 1

    def test_the_dialog_fits_a_phone(self):
        bidder = make_bidder(self.tender)
        submit(self.tender, bidder)
        with chromium() as browser:
            page = log_in(new_context(browser, viewport=PHONE), self.live_server_url, bidder.user.username)
            page.goto(self.live_server_url + reverse("bidding:bid_page", args=[self.lot.pk]))
            page.locator("#withdraw-form button[type=submit]").click()
            dialog = confirm_dialog(page)
            box = dialog.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
            for button in (dialog.locator(".confirm-cancel"), dialog.locator(".confirm-yes")):
                expect(button).to_be_in_viewport()
            screenshot(page, "withdraw-asked-phone")
            answer(page, yes=False)
            self.assert_nothing_happened(bidder)

    def test_terminating_a_lot_asks_once_and_only_a_yes_terminates_it(self):
        with chromium() as browser:
            page = log_in(new_context(browser), self.live_server_url, self.tender.staff.username)
            page.goto(self.live_server_url + reverse("trading:project", args=[self.lot.project.pk]))
            form = page.locator("form.transition:has(input[name=name][value=cancel])")
            form.locator("[name=reason]").fill("招标人撤回招标")
            form.locator("button[type=submit]").click()
            dialog = confirm_dialog(page)
            expect(dialog.locator("h2")).to_have_text(f"确定对 {self.lot} 执行“终止”吗？")
            expect(dialog).to_contain_text("终止该标段：投标与开标永久停止，您填写的理由将予以公开。此操作不可撤销。")
            screenshot(page, "terminate-asked-desktop")
            answer(page, yes=False)
            assert Lot.objects.get(pk=self.lot.pk).state == LotState.PUBLISHED
            assert not AuditEvent.objects.filter(action="lot.cancel").exists()

            form.locator("button[type=submit]").click()
            answer(page, yes=True)
            expect(page.locator("ul.messages")).to_contain_text("操作成功：标段当前状态为“已终止”。", timeout=WAIT)
            expect(page.locator(f"tr:has-text('{self.lot.name}') [data-stage]")).to_have_text("已终止")
            expect(page.locator(".stage-reason")).to_contain_text("招标人撤回招标")
        assert Lot.objects.get(pk=self.lot.pk).state == LotState.CANCELLED
        assert AuditEvent.objects.get(action="lot.cancel").data["reason"] == "招标人撤回招标"
