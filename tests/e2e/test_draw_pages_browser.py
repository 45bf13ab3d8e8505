"""The draw's pages in a real browser at a phone's width: staff set up a lot's draw through the
form (a second specialty added by the page's script), draw the committee after the site's dialog,
and read the members; the public page says a committee of N was drawn; a drawn expert confirms
and the staff's table says so: the issue's whole flow. Each page fits the window."""

from datetime import timedelta

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from evaluation.models import CommitteeDraw, CommitteeMember

from ..evaluation.opened import opened_lot
from .conftest import PASSWORD, PHONE, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot
from .dialogs import answer, click_and_confirm

WAIT = 20_000


@pytest.mark.browser
class DrawPagesInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.o = opened_lot()
        self.o.pool(6, "A0101")
        self.o.pool(2, "A0601")

    def test_staff_set_up_and_draw_on_a_phone_and_the_public_reads_only_the_count(self):
        lot = self.o.lot
        url = self.live_server_url + reverse("evaluation:draw_staff", args=[lot.pk])
        when = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        with chromium() as browser:
            page = log_in(new_context(browser, viewport=PHONE), self.live_server_url, self.o.staff.username)
            page.goto(url)
            form = page.locator("#draw-set-up")
            form.locator("input[name=size]").fill("5")
            form.locator("select[name=specialties-0-specialty]").select_option("A0101")
            form.locator("input[name=specialties-0-count]").fill("4")
            form.locator("[data-add-row]").click()  # the script adds the row in the page
            expect(form.locator("select[name=specialties-1-specialty]")).to_have_count(1, timeout=WAIT)
            form.locator("select[name=specialties-1-specialty]").select_option("A0601")
            form.locator("input[name=specialties-1-count]").fill("1")
            form.locator("input[name=evaluation_at]").fill(when)
            form.locator("input[name=place]").fill("第2评标室")
            assert_fits_the_width(page)
            screenshot(page, "draw-set-up-phone")
            form.locator("button[name=set_up]").click()
            expect(page.locator("#draw-commitment")).to_be_visible(timeout=WAIT)
            draw = CommitteeDraw.objects.get(lot=lot)
            assert draw.groups == [{"specialty": "A0101", "scope": "any", "count": 4},
                                   {"specialty": "A0601", "scope": "any", "count": 1}]
            assert timezone.localtime(draw.evaluation_at).strftime("%Y-%m-%dT%H:%M") == when
            expect(page.locator("#draw-commitment")).to_contain_text(draw.commitment)
            assert_fits_the_width(page)

            click_and_confirm(page, "#draw-run button[type=submit]")
            expect(page.locator("#draw-members tbody tr")).to_have_count(5, timeout=WAIT)
            for member in CommitteeMember.objects.filter(draw=draw).select_related("expert__user"):
                expect(page.locator("#draw-members")).to_contain_text(member.expert.user.full_name)
            assert_fits_the_width(page)
            screenshot(page, "draw-staff-phone")

            public = new_context(browser, viewport=PHONE).new_page()
            public.goto(self.live_server_url + reverse("evaluation:draw_public", args=[lot.pk]))
            expect(public.locator("#draw-commitment")).to_contain_text(draw.snapshot_digest)
            for member in CommitteeMember.objects.filter(draw=draw).select_related("expert__user"):
                expect(public.locator("main")).not_to_contain_text(member.expert.user.full_name)
            assert_fits_the_width(public)
            screenshot(public, "draw-public-phone")

            # The whole flow: one of the drawn experts, told by the draw, confirms in their browser.
            member = CommitteeMember.objects.filter(draw=draw).select_related("expert__user").order_by("pick").first()
            member.expert.user.set_password(PASSWORD)
            member.expert.user.save()
            expert = log_in(new_context(browser), self.live_server_url, member.expert.user.username)
            expert.goto(self.live_server_url + reverse("evaluation:invitations"))
            card = expert.locator(f"#seat-{member.pk}")
            expect(card).to_contain_text("第2评标室")
            card.locator("form.confirm-seat button[type=submit]").click()
            answer(expert, yes=True)
            expect(card.locator(".state-confirmed")).to_be_visible(timeout=WAIT)
            assert CommitteeMember.objects.get(pk=member.pk).state == "confirmed"
            page.reload()  # and the staff's members table says so
            expect(page.locator("#draw-members")).to_contain_text("已确认参加")
