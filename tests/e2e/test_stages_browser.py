"""The demo's lots past their opening, as the public sees them in a real browser, at desktop and
phone widths: the tender list and page name each lot's real stage and what comes next; the hall
of a lot in evaluation leads with the opening's outcome (when it ended, the bids read, the
record), the proceedings replayed below it; the failed lot says 流标 and why; no countdown."""

import io
import shutil
import tempfile
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from playwright.sync_api import expect

from trading.models import Lot

from .conftest import WIDTHS, chromium, new_context, require_browser, screenshot

SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-stages-"))
WAIT = 20_000


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem",
                   KAIBIAO_DEMO_KEYS_DIR=SCRATCH / "demo-keys",
                   PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class DemoStagesInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        SCRATCH.mkdir(parents=True, exist_ok=True)
        self.addCleanup(shutil.rmtree, SCRATCH, True)
        call_command("load_demo", stdout=io.StringIO())

    def test_lots_past_their_opening_show_their_real_stage(self):
        evaluation = Lot.objects.get(project__code="LZ2026-GC-0056")
        failed = Lot.objects.get(project__code="LZX2026-ZC-0009")
        with chromium() as browser:
            for width, viewport in WIDTHS.items():
                page = new_context(browser, viewport=viewport).new_page()
                page.goto(self.live_server_url + reverse("reporting:tenders"))
                row = page.locator("tr", has_text="LZ2026-GC-0056")
                expect(row.locator("[data-stage]")).to_have_text("评标中")
                screenshot(page, f"stages-tender-list-{width}")

                page.goto(self.live_server_url + reverse("reporting:tender", args=[evaluation.project.pk]))
                expect(page.locator("[data-stage=evaluation]")).to_have_text("评标中")
                expect(page.locator(".next-step")).to_contain_text("开标已结束，评标委员会正在评审")
                screenshot(page, f"stages-tender-in-evaluation-{width}")
                page.click("text=开标结果")
                outcome = page.locator("#hall-outcome")
                expect(outcome).to_contain_text("评标中")
                expect(outcome).to_contain_text("开标结束时间")
                expect(outcome.locator("#outcome-bids-read")).to_have_text("4")
                expect(outcome.locator("#outcome-record-link")).to_be_visible()
                assert page.locator("#hall-countdown").count() == 0
                assert "等待投标截止" not in page.locator("main").inner_text()
                # the proceedings, replayed: the record as read
                expect(page.locator("#record-body tr")).to_have_count(4, timeout=WAIT)
                screenshot(page, f"stages-hall-in-evaluation-{width}")

                page.goto(self.live_server_url + reverse("bidding:hall", args=[failed.pk]))
                outcome = page.locator("#hall-outcome")
                expect(outcome.locator("[data-stage]")).to_have_text("流标")
                expect(outcome).to_contain_text("原因：投标截止时只有 2 份完整投标，少于开标所需的 3 份")
                expect(outcome).to_contain_text("未开标：投标截止时有效投标不足。")
                expect(page.locator("#opened-sections")).to_be_hidden()  # no empty decryption or record tables
                expect(page.locator("#bidders-body tr")).to_have_count(2, timeout=WAIT)
                screenshot(page, f"stages-hall-failed-{width}")
                page.context.close()
