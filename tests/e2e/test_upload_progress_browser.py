"""The upload's progress on a slow connection, in a real browser: sealing and uploading are shown
as two steps, each with its bytes done of the total, its speed and the time left; a dropped
connection is said while the upload waits, and it goes on by itself; at the end the receipt stays
in view (the page does not reload), with the versions listed again in place. The connection is
slowed with Chromium's own network throttling (CDP), so the figures move as a slow upload's do."""

import re
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from bidding.models import Bid

from ..bidding.conftest import make_bidder, make_tender
from .conftest import PHONE, chromium, log_in, new_context, require_browser, screenshot

SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-progress-"))
WAIT = 60_000  # ms: a throttled upload takes its time
BID_FILE = bytes(range(256)) * 6 * 1024  # 1.5 MB
# "1.0 MB / 1.5 MB · 195.3 KB/秒 · 约剩 3 秒": the figures as the page writes them in Chinese
UPLOADING_RE = re.compile(r"^\d+(\.\d)? (B|KB|MB) / 1\.5 MB · \d+(\.\d)? (KB|MB)/秒 · 约剩 (\d+ 分 )?\d+ 秒$")
SEALING_RE = re.compile(r"^\d+(\.\d)? (B|KB|MB) / 1\.5 MB( · .*)?$")


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem")
class UploadProgressInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        SCRATCH.mkdir(parents=True, exist_ok=True)
        self.addCleanup(shutil.rmtree, SCRATCH, True)
        self.tender = make_tender(deadline_in=timedelta(days=3))
        self.work = Path(tempfile.mkdtemp(dir=SCRATCH))
        (self.work / "投标文件.pdf").write_bytes(BID_FILE)

    def open_bid_page(self, browser, width, viewport):
        bidder = make_bidder(self.tender)  # its key for this tender is registered
        options = {"accept_downloads": True, **({"viewport": viewport} if viewport else {})}
        page = log_in(new_context(browser, **options), self.live_server_url, bidder.user.username)
        page.goto(self.live_server_url + reverse("bidding:bid_page", args=[self.tender.lot.pk]))
        page.fill("#item-price", "912345.60")
        page.fill("#item-duration_days", "180")
        page.select_option("#item-quality", "合格")
        page.fill("#item-project_manager", "张工")
        page.set_input_files("#bid-files", str(self.work / "投标文件.pdf"))
        # a slow line: about 200 KB/s up
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions",
                 {"offline": False, "latency": 40, "downloadThroughput": 4_000_000, "uploadThroughput": 200_000})
        page.evaluate("() => { window.loadedOnce = true; }")  # gone if the page reloads
        return bidder, page

    def assert_steps_with_figures(self, page):
        seal, upload = page.locator("#step-seal"), page.locator("#step-upload")
        expect(upload).to_have_attribute("data-state", "active", timeout=WAIT)
        expect(upload.locator(".step-figures")).to_have_text(UPLOADING_RE, timeout=WAIT)
        expect(upload.locator(".step-state")).to_have_text("进行中")
        # sealing runs ahead of the upload; its own figures name what it has sealed
        expect(seal.locator(".step-figures")).to_have_text(SEALING_RE)
        expect(page.locator("#progress-file")).to_have_text("第 2 个文件，共 2 个：投标文件.pdf.age")
        expect(page.locator("#eta")).to_contain_text("（北京时间）完成")
        expect(page.locator("#progress-help")).to_contain_text("请保持本页面打开")

    def assert_the_receipt_stays(self, page, bidder):
        progress = page.locator("#progress")
        expect(progress).to_have_attribute("data-state", "done", timeout=WAIT)
        bid = Bid.objects.get(lot=self.tender.lot, organization=bidder.organization, state="complete")
        receipt = bid.receipts.get(action="submitted")
        expect(page.locator("#progress-title")).to_have_text("投标文件已提交")
        expect(page.locator("#receipt-id")).to_have_text(str(receipt.id))
        expect(page.locator("#receipt-time")).to_have_text(
            timezone.localtime(bid.completed_at).strftime("%Y-%m-%d %H:%M:%S.") + f"{bid.completed_at.microsecond // 1000:03d}（北京时间）")
        expect(page.locator("#receipt-link")).to_have_attribute("href", reverse("bidding:receipt", args=[receipt.id]))
        for step in ("#step-seal", "#step-upload"):
            expect(page.locator(step)).to_have_attribute("data-state", "done")
            expect(page.locator(f"{step} .step-figures")).to_have_text("1.5 MB / 1.5 MB")
        # the versions are listed again in place, the counting one first
        expect(page.locator("#versions tbody tr")).to_have_count(1, timeout=WAIT)
        expect(page.locator("#counting-version")).to_contain_text("第1版")
        # the page did not reload: the receipt stays in view
        assert page.evaluate("() => window.loadedOnce === true")
        expect(progress).to_be_visible()

    def test_sealing_and_uploading_show_their_figures_and_the_receipt_stays(self):
        with chromium() as browser:
            bidder, page = self.open_bid_page(browser, "desktop", None)
            with page.expect_download(timeout=WAIT) as download:
                page.click("#seal-upload")
                self.assert_steps_with_figures(page)
                screenshot(page, "upload-progress-desktop")
            assert download.value.suggested_filename.startswith("receipt-")
            self.assert_the_receipt_stays(page, bidder)
            screenshot(page, "upload-done-desktop")

    def test_on_a_phone_a_dropped_connection_is_said_and_the_upload_goes_on(self):
        with chromium() as browser:
            bidder, page = self.open_bid_page(browser, "phone", PHONE)
            patched, dropped = [], []

            def drop_the_first_chunk(route):
                """The bid file's first chunk (the second file's) is lost on the way, once."""
                request = route.request
                if request.method == "PATCH" and request.url not in patched:
                    patched.append(request.url)
                    if len(patched) == 2:
                        dropped.append(request.url)
                        route.abort("connectionreset")
                        return
                route.continue_()

            page.route("**/bids/uploads/**", drop_the_first_chunk)
            with page.expect_download(timeout=WAIT) as download:
                page.click("#seal-upload")
                network = page.locator("#progress-network")
                expect(network).to_contain_text("网络连接已中断。请保持本页面打开", timeout=WAIT)
                # while it waits, no speed or time left is made up
                expect(page.locator("#step-upload .step-figures")).to_have_text(re.compile(r"^\d+(\.\d)? (B|KB|MB) / 1\.5 MB$"))
                screenshot(page, "upload-waiting-for-the-network-phone")
                self.assert_steps_with_figures(page)
                expect(network).to_be_hidden()
                screenshot(page, "upload-progress-phone")
            assert dropped and download.value.suggested_filename.startswith("receipt-")
            self.assert_the_receipt_stays(page, bidder)
            screenshot(page, "upload-done-phone")
            box = page.locator("#progress").bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

