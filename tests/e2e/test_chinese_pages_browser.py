"""The pages of issue 16's slice "English in a Chinese interface", in a real browser at desktop
and phone widths, on the loaded demo: the opening hall's log (its words from the browser's
catalog, its event names from the server's registry), the audit trail, and the 403 and 404
pages. Each page's visible text is read as in tests/untranslated.py; each screenshot is kept."""

import shutil
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.core.management import call_command
from django.test import override_settings
from playwright.sync_api import expect

from demo.data import DEMO_PASSWORD
from tests.untranslated import english_words, python_reprs, visible_texts
from trading.models import Lot, User

from .conftest import WIDTHS, chromium, new_context, require_browser, screenshot

WAIT = 20_000
SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-chinese-"))


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem",
                   KAIBIAO_DEMO_KEYS_DIR=SCRATCH / "demo-keys", MEDIA_ROOT=SCRATCH / "media",
                   PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class ChineseEverywhereInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(SCRATCH, ignore_errors=True)

    def setUp(self):
        require_browser()
        call_command("load_demo", stdout=StringIO())
        self.names = frozenset(User.objects.values_list("username", flat=True))
        self.errors = []

    def log_in(self, context, username):
        page = context.new_page()
        page.on("pageerror", lambda err: self.errors.append(str(err)))
        if username:
            page.goto(f"{self.live_server_url}/accounts/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("form.card button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def read_as_chinese(self, page, name):
        """No English and no Python repr in what the page shows, as rendered by the browser."""
        html = page.content()
        texts = visible_texts(html, "zh-hans", data_attributes=False)  # the served page's are read by the crawl
        left = [(t, english_words(t, self.names)) for t in texts if english_words(t, self.names)]
        assert left == [], (name, left)
        assert python_reprs(html, "zh-hans") == [], name
        # (the width at 375 px is the phone slice's test: tests/e2e of issue 16's item 11)

    def test_the_hall_the_audit_trail_and_the_error_pages_read_in_chinese(self):
        ended = Lot.objects.get(project__code="LZ2026-GC-0056", number=1)
        with chromium() as browser:
            for width, viewport in WIDTHS.items():
                context = new_context(browser, viewport=viewport)
                public = self.log_in(context, None)
                public.goto(f"{self.live_server_url}/halls/{ended.pk}/")
                expect(public.locator("#hall-connection")).to_have_attribute("data-state", "open", timeout=WAIT)
                log = public.locator("#hall-log li")
                expect(log.first).to_be_visible(timeout=WAIT)
                lines = log.all_inner_texts()
                assert any("唱标：" in line for line in lines) and any("开标大厅开启：开标时间" in line for line in lines), lines
                assert any(line.endswith("签到：广西八桂路桥建设有限公司") or "签到：" in line for line in lines), lines
                self.read_as_chinese(public, f"hall {width}")
                screenshot(public, f"chinese-hall-{width}")

                supervisor = self.log_in(new_context(browser, viewport=viewport), "supervisor.gx")
                supervisor.goto(f"{self.live_server_url}/work/audit/?project={ended.project_id}")
                expect(supervisor.locator("code.action-code").first).to_be_visible()
                self.read_as_chinese(supervisor, f"audit {width}")
                screenshot(supervisor, f"chinese-audit-{width}")

                bidder = self.log_in(new_context(browser, viewport=viewport), "bidder.yongjiang")
                bidder.goto(f"{self.live_server_url}/work/audit/")
                expect(bidder.locator("h1")).to_contain_text("您无权访问此页面")
                self.read_as_chinese(bidder, f"403 {width}")
                screenshot(bidder, f"chinese-403-{width}")
                bidder.goto(f"{self.live_server_url}/no-such-page/")
                expect(bidder.locator("h1")).to_contain_text("您访问的页面不存在")
                self.read_as_chinese(bidder, f"404 {width}")
                screenshot(bidder, f"chinese-404-{width}")
                context.close()
        assert self.errors == []
