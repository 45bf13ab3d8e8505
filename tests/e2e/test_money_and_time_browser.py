"""Money and time as a bidder meets them in a real browser whose own zone is not Beijing's: the
price typed as people write it ("１７，６８０，０００", "17,680,000.00") with its capital numerals
(大写) shown as it is typed, a price the form cannot take refused before sealing with what to
write instead, the amount sealed exactly, the upload's success message in Beijing time (never
"…T13:55:02.161Z"), and the receipt page with both times and its PDF. At desktop and phone widths."""

import json
import re
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from bidding import opening_keys
from bidding.models import Bid, Receipt, SealedFile
from tests.bidding.conftest import make_bidder, make_tender
from trading.formats import local_text, parse_instant
from trading.models import Lot, Project

from .conftest import PHONE, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot

WAIT = 30_000  # ms: the longest one step may take
SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-money-"))
ELSEWHERE = "America/New_York"  # the visitor's own zone: twelve or thirteen hours from Beijing

# What the bid page's status line says, kept across the reload that follows a receipt.
KEEP_STATUS = """
new MutationObserver(() => {
  const el = document.getElementById("progress-text");
  if (el && el.textContent) sessionStorage.setItem("status:" + el.textContent, "1");
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem")
class MoneyAndTimeInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.work = Path(tempfile.mkdtemp(dir=SCRATCH))
        self.addCleanup(shutil.rmtree, self.work, True)
        self.tender = make_tender(deadline_in=timedelta(hours=2))
        self.bidder = make_bidder(self.tender)  # its key for the tender is registered
        self.bid_url = f"{self.live_server_url}{reverse('bidding:bid_page', args=[self.tender.lot.pk])}"

    def test_a_price_as_people_write_it_sealed_exactly_and_its_receipt_in_beijing_time(self):
        bid_file = self.work / "商务文件.pdf"
        bid_file.write_bytes(b"%PDF-1.7 " + b"x" * 50_000)
        with chromium() as browser:
            context = new_context(browser, accept_downloads=True, timezone_id=ELSEWHERE)
            context.add_init_script(KEEP_STATUS)
            page = log_in(context, self.live_server_url, self.bidder.user.username)
            page.goto(self.bid_url)
            price, capital = page.locator("#item-price"), page.locator("#capital-price")

            # full-width digits and commas, as a Chinese input method types them
            price.fill("１７，６８０，０００")
            expect(capital).to_contain_text("壹仟柒佰陆拾捌万元整")
            expect(capital).to_contain_text("17,680,000.00")

            # 万 is refused before anything is sealed, saying what to write
            price.fill("1768万")
            expect(capital).to_have_class(re.compile(r"\berrors\b"))
            expect(capital).to_contain_text("不要用万元")
            page.click("#seal-upload")
            assert "不要用万元" in price.evaluate("el => el.validationMessage")
            assert not Bid.objects.filter(lot=self.tender.lot).exists()

            # three decimals: 分 is the last place
            price.fill("17680000.125")
            expect(capital).to_contain_text("最多两位小数")

            # the way a clerk writes it; once left, the field shows it grouped
            price.fill("17680000")
            price.press("Tab")
            expect(price).to_have_value("17,680,000.00")
            expect(capital).to_contain_text("大写：人民币壹仟柒佰陆拾捌万元整")
            page.fill("#item-duration_days", "365")
            page.select_option("#item-quality", "合格")
            page.fill("#item-project_manager", "李工")
            page.set_input_files("#bid-files", str(bid_file))
            screenshot(page, "bid-price-capital-desktop")
            with page.expect_download(timeout=WAIT) as download:
                page.click("#seal-upload")
            document = json.loads(Path(download.value.path()).read_text())
            signed = document["receipt"]["server_time"]  # "…T…Z": UTC, to the millisecond

            # the success message: Beijing time, named, never the UTC string
            page.wait_for_load_state()
            said = " ".join(k[len("status:"):] for k in page.evaluate("Object.keys(sessionStorage)")
                            if k.startswith("status:"))
            beijing = local_text(parse_instant(signed), "ms")
            assert f"{beijing}（北京时间）" in said, said
            assert signed not in said and not re.search(r"\d{2}T\d{2}:", said), said

            # the receipt page: Beijing time and the exact UTC instant signed, and its PDF
            receipt = Receipt.objects.get(pk=document["receipt"]["receipt_id"])
            page.goto(f"{self.live_server_url}{reverse('bidding:receipt_page', args=[receipt.pk])}")
            expect(page.locator("#receipt-beijing")).to_have_text(f"{beijing}（北京时间）")
            expect(page.locator("#receipt-utc")).to_contain_text(f"{signed[:10]} {signed[11:23]} UTC")
            pdf = page.request.get(self.live_server_url + page.locator("#receipt-pdf").get_attribute("href"))
            assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
            screenshot(page, "receipt-page-desktop")
            context.close()

            # the same at a phone's width
            phone = new_context(browser, viewport=PHONE, timezone_id=ELSEWHERE)
            page = log_in(phone, self.live_server_url, self.bidder.user.username)
            page.goto(self.bid_url)
            page.locator("#item-price").fill("4598600")
            expect(page.locator("#capital-price")).to_contain_text("肆佰伍拾玖万捌仟陆佰元整")
            page.locator("#capital-price").scroll_into_view_if_needed()
            screenshot(page, "bid-price-capital-phone")
            page.goto(f"{self.live_server_url}{reverse('bidding:receipt_page', args=[receipt.pk])}")
            expect(page.locator("#receipt-beijing")).to_have_text(f"{beijing}（北京时间）")
            assert_fits_the_width(page)
            screenshot(page, "receipt-page-phone")
            phone.close()

        # what was sealed is the amount, exactly, as a decimal string
        Project.objects.filter(pk=self.tender.project.pk).update(bid_deadline=self.tender.deadline - timedelta(hours=3))
        lot = Lot.objects.select_related("project").get(pk=self.tender.lot.pk)
        bid = Bid.objects.get(lot=lot, state="complete")
        identity = opening_keys.check_bidder_identity(actor=self.bidder.user, lot=lot,
                                                      identity=str(self.bidder.identity))
        form = SealedFile.objects.get(bid=bid, kind="form")
        opening_keys.decrypt_sealed_file(sealed=form, identity=identity, opened_with="bidder", actor=self.bidder.user)
        assert opening_keys.read_opening_form(form)["price"] == "17680000.00"
