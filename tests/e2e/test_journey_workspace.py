"""The workspaces in a real browser, at a desktop's width and a phone's (issue 16): a bidder logs in,
opens 我的投标 from the navigation, reads where each of its lots stands with its deadline counted
down, and follows the next thing to do to its receipt; its 我的工作台 shows its own bid beside each
lot; the center's staff open theirs by what needs doing now and go to host today's opening; the
supervisor reads the same, to watch. Every page is kept as a screenshot and fits the phone."""

import re
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.test import override_settings
from django.utils import timezone

from bidding.choices import HallState
from bidding.models import OpeningHall
from tests.bidding.conftest import make_bidder, make_tender, submit
from trading.choices import LotState, Role
from trading.workspace import end_of_day

from ..trading.factories import LotFactory, ProjectFactory, UserFactory
from .conftest import WIDTHS, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot

SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-workspace-"))
COUNTDOWN = re.compile(r"^(\d+ 天 )?\d{2}:\d{2}:\d{2}$")


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem",
                   PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
class WorkspaceJourneyTests(ChannelsLiveServerTestCase):
    serve_static = True

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(SCRATCH, ignore_errors=True)

    def setUp(self):
        require_browser()
        # A tender closing later today, a bidder with a sealed bid and its signed receipt in it.
        now = timezone.now()
        self.tender = make_tender(deadline_in=(end_of_day(now) - now) / 2)
        bidder = make_bidder(self.tender)
        submit(self.tender, bidder)
        self.bidder = bidder.user
        self.staff = self.tender.staff
        center = self.tender.project.center
        self.supervisor = UserFactory(role=Role.SUPERVISOR, center=center)
        # Another lot of the center, past its deadline and waiting for its opening.
        closed = ProjectFactory(center=center, bid_deadline=now - timedelta(hours=1),
                                documents_published_at=now - timedelta(days=25))
        self.closed = LotFactory(project=closed, state=LotState.CLOSED)
        OpeningHall.objects.create(lot=self.closed, state=HallState.CLOSED)

    def test_a_bidder_follows_its_next_step_and_the_staff_go_to_host_today_s_opening(self):
        lot = self.tender.lot
        base = self.live_server_url
        with chromium() as browser:
            for width, viewport in WIDTHS.items():
                # the bidder: 我的投标 from the navigation, at its lot, counted down
                context = new_context(browser, viewport=viewport)
                page = log_in(context, base, self.bidder.username)
                page.click("nav a:has-text('我的投标')")
                page.wait_for_url(f"{base}/bids/")
                card = page.locator(f"#my-bids-open article[data-lot='{lot.pk}']")
                assert "第 1 版" in card.inner_text()
                # (a selector, not a JS predicate: the page's CSP forbids the eval a predicate needs)
                page.wait_for_selector(f"#my-bids-open article[data-lot='{lot.pk}'] .countdown:not(:empty)")
                countdown = card.locator(".countdown").inner_text().strip()
                assert COUNTDOWN.match(countdown), countdown
                screenshot(page, f"workspace-bidder-mybids-{width}")
                assert_fits_the_width(page)
                # … and follows the next thing to do: its receipt, on its bid page
                card.locator("a.button:not(.secondary)").click()
                page.wait_for_url(f"{base}/bids/lots/{lot.pk}/#versions")
                assert page.locator("#versions a[href^='/bids/receipts/']").count() == 1
                screenshot(page, f"workspace-bidder-next-{width}")
                assert_fits_the_width(page)
                # its 我的工作台: its own bid beside the lot, leading to the bid page
                page.click("nav a:has-text('我的工作台')")
                page.wait_for_url(f"{base}/work/")
                note = page.locator(f"#projects a[href='/bids/lots/{lot.pk}/']")
                assert note.inner_text().startswith("我的投标：第 1 版")
                screenshot(page, f"workspace-bidder-work-{width}")
                assert_fits_the_width(page)
                context.close()

                # the staff: what needs doing now, today's opening to host
                context = new_context(browser, viewport=viewport)
                page = log_in(context, base, self.staff.username)
                page.click("nav a:has-text('我的工作台')")
                page.wait_for_url(f"{base}/work/")
                today = page.locator(f"#deadlines-today article[data-lot='{lot.pk}']")
                assert "今日" in today.inner_text()
                assert page.locator(f"#openings article[data-lot='{self.closed.pk}']").count() == 1
                screenshot(page, f"workspace-staff-dashboard-{width}")
                assert_fits_the_width(page)
                today.locator("a:has-text('主持开标')").click()
                page.wait_for_url(f"{base}/halls/{lot.pk}/")
                context.close()

                # the supervisor: the same lists, to watch
                context = new_context(browser, viewport=viewport)
                page = log_in(context, base, self.supervisor.username)
                page.click("nav a:has-text('我的工作台')")
                page.wait_for_url(f"{base}/work/")
                watched = page.locator(f"#deadlines-today article[data-lot='{lot.pk}']")
                assert watched.locator("a:has-text('观看开标')").count() == 1
                assert watched.locator("a:has-text('主持开标')").count() == 0
                screenshot(page, f"workspace-supervisor-dashboard-{width}")
                assert_fits_the_width(page)
                context.close()
