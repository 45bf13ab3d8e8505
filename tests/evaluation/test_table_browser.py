"""The scoring table in a real browser at a phone's width (375 px): the staff add an item with the
page's script, the total follows what they type, they save, and the page fits the window; once
published, the tender's public page shows the table and fits the window too."""

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.urls import reverse
from playwright.sync_api import expect

from evaluation.models import ScoringTable
from evaluation.table_services import set_table
from trading.choices import Category

from ..e2e.conftest import PASSWORD, PHONE, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot
from .tables import comprehensive, draft, publish

WAIT = 20_000


@pytest.mark.browser
class TablePagesInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.c, self.lot = draft(Category.GOODS)
        set_table(actor=self.c["center_staff"], lot_id=self.lot.pk, spec=comprehensive(weight="40"))
        # The live server is another process, started before this folder's fast hasher took effect
        # (tests/evaluation/conftest.py): it checks passwords with the platform's own hasher.
        staff = self.c["center_staff"]
        staff.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
        staff.save(update_fields=["password"])

    def test_staff_add_an_item_on_a_phone_see_the_total_and_the_public_reads_the_published_table(self):
        url = self.live_server_url + reverse("evaluation:table", args=[self.lot.pk])
        with chromium() as browser:
            page = log_in(new_context(browser, viewport=PHONE), self.live_server_url,
                          self.c["center_staff"].username)
            page.goto(url)
            form = page.locator("#scoring-table")
            total = form.locator("[data-total-points]")
            expect(total).to_have_text("100")
            # The lowest-price benchmark: the average's options are hidden by the script.
            expect(form.locator("[data-average-fields]")).to_be_hidden()
            assert_fits_the_width(page)
            form.locator('[data-rows="items"] [data-add-row]').click()  # added in the page, not posted
            expect(form.locator("input[name=items-3-name]")).to_have_count(1, timeout=WAIT)
            form.locator("select[name=items-3-category]").select_option("commercial")
            form.locator("input[name=items-3-name]").fill("质保期")
            form.locator("input[name=items-3-high]").fill("12.5")
            expect(total).to_have_text("112.5")
            expect(form.locator("[data-price-share]")).to_have_text("35.55")  # 40 / 112.5 = 35.555…%, cut
            assert_fits_the_width(page)
            # (A full-page screenshot restores the scroll after it: taken once the clicking is done.)
            form.locator("button[name=save_table]").click()
            expect(page.locator(".messages")).to_be_visible(timeout=WAIT)
            table = ScoringTable.objects.get(lot=self.lot)
            assert [i.name for i in table.items.all()][-1] == "质保期"
            expect(page.locator("#scoring-table [data-total-points]")).to_have_text("112.5")
            assert_fits_the_width(page)
            screenshot(page, "table-staff-phone")

            publish(self.c.project)
            page.goto(url)
            expect(page.locator("#table-fixed")).to_be_visible()
            assert_fits_the_width(page)
            public = new_context(browser, viewport=PHONE).new_page()
            public.goto(self.live_server_url + reverse("reporting:tender", args=[self.c.project.pk]))
            tables = public.locator("#scoring-tables + section")
            expect(tables).to_contain_text("质保期")
            expect(tables).to_contain_text("施工组织设计")
            assert_fits_the_width(public)
            screenshot(public, "table-public-phone")
