"""The whole opening in a real browser (Playwright, headless Chromium, a live Daphne): the host,
two bidders, a key custodian and the public, each in a browser context of its own, on the hall
page (/halls/<lot>/). The tender, its key ceremony and two sealed bids are made in Python; from
the sign-in on, everything happens through the pages and their one WebSocket each."""

import hashlib
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
from django.utils import timezone
from playwright.sync_api import expect

from bidding.models import Bid, OpeningHall
from trading.models import Project

from ..bidding.conftest import make_bidder, make_tender, seal_bid, submit
from trading.models import AuditEvent

from .conftest import PHONE, chromium, log_in, new_context, require_browser, screenshot
from .dialogs import answer, click_and_confirm, confirm_dialog

WAIT = 20_000  # ms: the longest one step may take
SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-e2e-hall-"))

FORM_A = {"price": "912345.60", "duration_days": 180, "quality": "合格", "project_manager": "张工"}
FORM_B = {"price": "987654.30", "duration_days": 200, "quality": "优良", "project_manager": "李工"}  # above the ceiling


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed", KAIBIAO_RECEIPT_KEY_FILE=SCRATCH / "receipt-key.pem")
class OpeningHallInBrowserTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.work = Path(tempfile.mkdtemp(dir=SCRATCH))
        self.addCleanup(shutil.rmtree, self.work, True)
        self.tender = make_tender(k=2, n=3, deadline_in=timedelta(minutes=5), k_low="0.02", k_high="0.05", k_step="0.01")
        self.project = self.tender.project
        Project.objects.filter(pk=self.project.pk).update(min_bids=2, must_be_tendered=False)
        self.a, self.b = make_bidder(self.tender), make_bidder(self.tender)
        submit(self.tender, self.a, seal_bid(self.tender, self.a, form=FORM_A))
        submit(self.tender, self.b, seal_bid(self.tender, self.b, form=FORM_B))

    def hall_url(self):
        return f"{self.live_server_url}/halls/{self.tender.lot.pk}/"

    def open_hall(self, browser, username=None, *, via=None, tap=None):
        """A browser context of its own (Chinese), logged in as `username` (or the public), on
        the hall page: through the link on the page `via` where given; `tap` sits between the
        page and the server on its WebSocket."""
        context = new_context(browser)
        page = log_in(context, self.live_server_url, username) if username else context.new_page()
        page.on("pageerror", lambda err: self.page_errors.append(f"{username or 'public'}: {err}"))
        if tap:
            page.route_web_socket(re.compile(r"/ws/halls/"), tap)
        if via:
            page.goto(self.live_server_url + via)
            page.click(f"a[href='{reverse('bidding:hall', args=[self.tender.lot.pk])}']")
            page.wait_for_url(self.hall_url())
        else:
            page.goto(self.hall_url())
        expect(page.locator("#hall-connection")).to_have_attribute("data-state", "open", timeout=WAIT)
        return page

    def tap(self, route):
        """The public page's WebSocket, through a tap that keeps every URL it connected to and
        every message it sent, and loses the first bid_status event on its way to the page."""
        self.connections.append(route)
        server = route.connect_to_server()

        def from_server(message):
            event = json.loads(message)
            if event.get("kind") == "bid_status" and self.dropped is None:
                self.dropped = event["seq"]
                return
            route.send(message)

        def from_page(message):
            self.sent.append(json.loads(message))
            server.send(message)

        server.on_message(from_server)
        route.on_message(from_page)

    @staticmethod
    def seqs(page) -> list[int]:
        """The event numbers in the page's hall log, as listed (the newest first)."""
        return [int(s) for s in page.locator("#hall-log li").evaluate_all("els => els.map(e => e.dataset.seq)")]

    def key_file(self, name, identity) -> str:
        path = self.work / name
        path.write_text(f"# 开标 Kaibiao — test key\n{identity}\n")
        return str(path)

    def test_the_whole_opening_in_the_hall(self):
        a_name, b_name = self.a.organization.name, self.b.organization.name
        self.page_errors, self.connections, self.sent, self.dropped = [], [], [], None
        with chromium() as browser:
            lot = self.tender.lot
            host = self.open_hall(browser, self.tender.staff.username,
                                  via=reverse("trading:project", args=[self.project.pk]))
            bidder_a = self.open_hall(browser, self.a.user.username, via=reverse("bidding:bid_page", args=[lot.pk]))
            bidder_b = self.open_hall(browser, self.b.user.username)
            custodian = self.open_hall(browser, self.tender.custodians[0].user.username,
                                       via=reverse("bidding:custodian"))
            public = self.open_hall(browser, via=reverse("reporting:tender", args=[self.project.pk]), tap=self.tap)
            pages = {"host": host, "a": bidder_a, "b": bidder_b, "custodian": custodian, "public": public}

            # Each sees its own role's controls only; the public none.
            for role, page, shown in [("host", host, "#controls-host"), ("bidder", bidder_a, "#controls-bidder"),
                                      ("custodian", custodian, "#controls-custodian")]:
                expect(page.locator("#hall-role")).to_have_attribute("data-role", role)
                expect(page.locator(shown)).to_be_visible()
            expect(public.locator("#hall-role")).to_have_attribute("data-role", "public")
            for page in pages.values():
                expect(page.locator("#hall-state")).to_have_attribute("data-state", "waiting")
                expect(page.locator("#hall-countdown")).to_have_text(re.compile(r"^00:0[45]:\d\d$"))
                expect(page.locator("#hall-offset")).to_contain_text("本机时钟")  # shown, never used
                expect(page.locator("#k-commitment")).to_have_text(OpeningHall.objects.get(lot=self.tender.lot).k_commitment)
            assert public.locator(".controls:visible").count() == 0

            # Before the deadline: the bidders sign in; each sees only its own sign-in.
            for page, name in [(bidder_a, a_name), (bidder_b, b_name)]:
                page.click("#sign-in")
                expect(page.locator("#sign-in-status")).to_contain_text("已签到", timeout=WAIT)
                expect(page.locator("#sign-in")).to_be_disabled()
                expect(page.locator(f"#bidders-body tr[data-bidder='{name}']")).to_have_count(1)
            expect(bidder_a.locator(f"#bidders-body tr[data-bidder='{b_name}']")).to_have_count(0)
            expect(public.locator("#bidders-body tr")).to_have_count(0)
            # a key handed in before decryption starts never leaves the page
            bidder_a.set_input_files("#bidder-key-file", self.key_file("a.txt", self.a.identity))
            assert bidder_a.locator("#hand-in-identity").is_disabled()

            # The deadline passes; the host's page load closes bidding (the clock's transition)
            # and every page hears it at once.
            Project.objects.filter(pk=self.project.pk).update(bid_deadline=timezone.now() - timedelta(seconds=1))
            host.reload()
            for page in pages.values():
                expect(page.locator("#hall-state")).to_have_attribute("data-state", "closed", timeout=WAIT)
                expect(page.locator("#bidders-body tr")).to_have_count(2)
                for name in (a_name, b_name):  # signed in (with the time, for a page loaded after the deadline)
                    expect(page.locator(f"#bidders-body tr[data-bidder='{name}'] td").nth(2)).not_to_contain_text("未签到")
            expect(host.locator(f"#bidders-body tr[data-bidder='{b_name}'] td").nth(2)).to_have_text(
                re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"))

            # The host starts decryption (asked once): the digests (receipt vs stored) are shown first.
            host.click("#start-decryption")
            expect(confirm_dialog(host).locator("h2")).to_have_text("现在开始解密吗？")
            answer(host, yes=True)
            for page in pages.values():
                expect(page.locator("#hall-state")).to_have_attribute("data-state", "decrypting", timeout=WAIT)
                expect(page.locator("#digests-body tr")).to_have_count(4)  # two files per bid
                expect(page.locator("#hall-countdown")).to_have_text(re.compile(r"^00:(29|30):\d\d$"))
            for bid in Bid.objects.filter(lot=self.tender.lot, state="complete").select_related("organization"):
                for sealed in bid.files.all():
                    row = public.locator(f"#digests-body tr[data-bidder='{bid.organization.name}']", has_text=sealed.name)
                    expect(row.locator(".receipt-sha256")).to_have_text(sealed.sha256)
                    expect(row.locator(".stored-sha256")).to_have_text(sealed.sha256)
                    expect(row.locator("td").nth(5)).to_contain_text("一致")

            # Ending decryption too early is refused by the server, and the page says why.
            click_and_confirm(host, "#end-decryption")
            expect(host.locator("#hall-error")).to_be_visible(timeout=WAIT)
            expect(host.locator("#hall-error")).to_contain_text("仍有投标文件等待投标人提交密钥")

            # A custodian opens its share in its browser and hands it in (1 of 2).
            custodian_key = self.key_file("custodian.txt", self.tender.custodians[0].identity)
            custodian.set_input_files("#custodian-key-file", custodian_key)
            # asked once; cancelled, the share stays with the custodian
            custodian.click("#hand-in-share")
            expect(confirm_dialog(custodian)).to_contain_text("提交后不能撤回")
            answer(custodian, yes=False)
            assert not AuditEvent.objects.filter(action="hall.share_handed_in").exists()
            expect(custodian.locator("#shares-status")).to_have_text("")
            custodian.click("#hand-in-share")
            answer(custodian, yes=True)
            for page in pages.values():
                expect(page.locator("#shares-status")).to_contain_text("1/2", timeout=WAIT)

            # Bidder A hands in its plain key file; bidder B its passphrase-locked one, first
            # with a wrong passphrase (refused in the browser), then the right one.
            bidder_a.click("#hand-in-identity")
            locked = bidder_b.evaluate("""async ([identity, tender]) => {
                const kb = await import("/static/frontend/dist/kaibiao-crypto.js");
                const f = await kb.makeKeyFile({ identity, tender, lot: "1", bidder: "B", passphrase: "正确的口令", scryptWorkFactor: 12 });
                return Array.from(f.bytes);
            }""", [str(self.b.identity), self.project.code])
            path = self.work / "b.age"
            path.write_bytes(bytes(locked))
            bidder_b.set_input_files("#bidder-key-file", str(path))
            bidder_b.fill("#bidder-key-passphrase", "错误的口令")
            bidder_b.click("#hand-in-identity")
            expect(bidder_b.locator("#hall-error")).to_contain_text("口令错误", timeout=WAIT)
            bidder_b.fill("#bidder-key-passphrase", "正确的口令")
            bidder_b.click("#hand-in-identity")
            for page in pages.values():
                for name in (a_name, b_name):
                    row = page.locator(f"#bids-body tr[data-bidder='{name}']")
                    expect(row).to_have_attribute("data-status", "decrypted", timeout=WAIT)
                    expect(row).to_have_attribute("data-outcome", "decrypted")
                expect(page.locator("#record-body tr")).to_have_count(0)  # no price before the reading
            # The public page lost an event on the way: it saw the gap, asked for what it
            # missed, and got it.
            assert self.dropped is not None
            expect(public.locator(f"#hall-log li[data-seq='{self.dropped}']")).to_have_count(1, timeout=WAIT)
            assert {"type": "resume", "after": self.dropped - 1} in self.sent

            # The host ends decryption and reads the record; K is drawn.
            click_and_confirm(host, "#end-decryption")
            expect(host.locator("#hall-state")).to_have_attribute("data-state", "reading", timeout=WAIT)
            click_and_confirm(host, "#read-record")
            expect(host.locator("#hall-state")).to_have_attribute("data-state", "confirming", timeout=WAIT)
            click_and_confirm(host, "#draw-k")
            hall = OpeningHall.objects.get(lot=self.tender.lot)
            for page in pages.values():
                expect(page.locator("#hall-state")).to_have_attribute("data-state", "confirming", timeout=WAIT)
                row_a = page.locator(f"#record-body tr[data-bidder='{a_name}']")
                row_b = page.locator(f"#record-body tr[data-bidder='{b_name}']")
                # the amount sealed, grouped as people write it, with its capital numerals (大写)
                expect(row_a.locator("td.item-price")).to_have_text("912,345.60元玖拾壹万贰仟叁佰肆拾伍元陆角")
                expect(row_a.locator("td.item-duration_days")).to_have_text("180")
                expect(row_a.locator("td.item-project_manager")).to_have_text("张工")
                expect(row_b.locator("td.item-price")).to_have_text("987,654.30元玖拾捌万柒仟陆佰伍拾肆元叁角")
                expect(row_b.locator("td.item-quality")).to_have_text("优良")
                expect(row_b.locator(".above-ceiling")).to_contain_text("最高投标限价")
                expect(row_a.locator(".above-ceiling")).to_have_count(0)
                expect(page.locator("#k-value")).not_to_have_text("—", timeout=WAIT)
            hall.refresh_from_db()
            for page in pages.values():
                expect(page.locator("#k-value")).to_have_text(hall.k_value)
                expect(page.locator("#k-seed")).to_have_text(hall.k_seed)
                expect(page.locator("#k-inputs")).to_contain_text(hall.k_commitment)

            # The public page's connection drops; it reconnects with ?after=<the last number it saw>.
            last_seen = max(self.seqs(public))
            self.connections[-1].close(code=1012, reason="restart")
            expect(public.locator("#hall-connection")).to_have_attribute("data-state", "retry", timeout=WAIT)
            expect(public.locator("#hall-connection")).to_have_attribute("data-state", "open", timeout=WAIT)
            assert len(self.connections) == 2 and self.connections[-1].url.endswith(f"?after={last_seen}")

            # A confirms; B objects (each asked once); the host answers on the spot.
            click_and_confirm(bidder_a, "#confirm-record")
            bidder_b.fill("#objection-text", "我方报价应为含税价，请核实。")
            bidder_b.click("#raise-objection")
            expect(confirm_dialog(bidder_b)).to_contain_text("提出异议后不能再确认开标记录")
            screenshot(bidder_b, "hall-bidder-asked-to-object")
            answer(bidder_b, yes=True)
            for page in pages.values():
                confirmations = page.locator("#record-body td.confirmation")
                expect(confirmations.and_(page.locator(f"tr[data-bidder='{a_name}'] td"))).to_have_class(
                    re.compile("confirmation-confirmed"), timeout=WAIT)
                expect(confirmations.and_(page.locator(f"tr[data-bidder='{b_name}'] td"))).to_have_class(
                    re.compile("confirmation-objected"), timeout=WAIT)
                expect(page.locator("#objections li .question")).to_have_text("我方报价应为含税价，请核实。")
            # the server takes no confirmation after an objection: neither does B's page offer one
            expect(bidder_b.locator("#confirm-record")).to_be_disabled()
            expect(bidder_a.locator("#confirm-record")).to_be_disabled()  # A has answered too
            expect(bidder_a.locator("#raise-objection")).to_be_enabled()  # and may still object
            host.fill("#objections li .answer-input", "开标记录按密封原值公布；报价口径以招标文件为准。")
            host.click("#objections li .answer-send")
            for page in pages.values():
                expect(page.locator("#objections li .answer-text")).to_have_text("开标记录按密封原值公布；报价口径以招标文件为准。",
                                                                                 timeout=WAIT)

            # The host ends the opening, asked once: cancelled, nothing happens …
            host.click("#end-opening")
            expect(confirm_dialog(host)).to_contain_text("标段进入评标")
            answer(host, yes=False)
            expect(host.locator("#hall-state")).to_have_attribute("data-state", "confirming")
            assert OpeningHall.objects.get(lot=self.tender.lot).state == "confirming"
            assert not AuditEvent.objects.filter(action="hall.opening_ended").exists()
            # … confirmed, every page shows the record's digest and its PDF link.
            click_and_confirm(host, "#end-opening")
            expect(host.locator("#hall-state")).to_have_attribute("data-state", "ended", timeout=WAIT)
            hall.refresh_from_db()
            hall_digest = hall.record_sha256
            assert len(hall_digest) == 64
            for page in pages.values():
                expect(page.locator("#hall-state")).to_have_attribute("data-state", "ended", timeout=WAIT)
                expect(page.locator("#record-sha256")).to_have_text(hall_digest)
                expect(page.locator("#record-link")).to_be_visible()
            pdf = public.request.get(self.live_server_url + public.locator("#record-link").get_attribute("href"))
            assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
            assert hashlib.sha256(pdf.body()).hexdigest() == hall_digest
            for page in pages.values():
                expect(page.locator("#hall-log li[data-kind='opening_ended']")).to_have_count(1)
                seqs = self.seqs(page)
                assert seqs == sorted(set(seqs), reverse=True)  # each event once, the newest first
            assert self.page_errors == []
            expect(host.locator("#controls-host")).to_be_hidden()  # an ended opening takes no command
            screenshot(host, "hall-host")
            screenshot(bidder_b, "hall-bidder")
            # Loaded again, the hall of a lot past its opening leads with the outcome, read-only.
            for width, viewport in (("desktop", None), ("phone", PHONE)):
                page = new_context(browser, **({"viewport": viewport} if viewport else {})).new_page()
                page.goto(self.hall_url())
                outcome = page.locator("#hall-outcome")
                expect(outcome).to_have_attribute("data-stage", "evaluation")
                expect(outcome).to_contain_text("评标中")
                expect(outcome).to_contain_text("开标结束时间")
                expect(outcome.locator("#outcome-record-link")).to_have_attribute(
                    "href", reverse("bidding:hall_record", args=[lot.pk]))
                expect(outcome.locator("code.digest")).to_have_text(hall_digest)
                assert page.locator("#hall-countdown, #controls-host").count() == 0
                expect(page.locator("#record-body tr")).to_have_count(2, timeout=WAIT)  # the proceedings, replayed
                screenshot(page, f"hall-after-the-opening-{width}")
                if viewport:
                    box = outcome.bounding_box()
                    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    def test_the_host_fails_an_opening_only_once_it_is_confirmed(self):
        """Failing an opening cannot be undone: the host is asked once; cancelled, nothing is
        sent; confirmed, the hall and the lot fail on every page, with the reason."""
        self.page_errors = []
        Project.objects.filter(pk=self.project.pk).update(bid_deadline=timezone.now())  # the bids came before it
        with chromium() as browser:
            host = self.open_hall(browser, self.tender.staff.username)  # the page's load closes bidding
            public = self.open_hall(browser)
            expect(host.locator("#hall-state")).to_have_attribute("data-state", "closed", timeout=WAIT)
            expect(host.locator("#fail-opening")).to_be_disabled()
            click_and_confirm(host, "#start-decryption")
            expect(host.locator("#hall-state")).to_have_attribute("data-state", "decrypting", timeout=WAIT)
            host.click(".fail-opening summary")
            host.fill("#fail-reason", "开标系统故障，无法继续")
            host.click("#fail-opening")
            dialog = confirm_dialog(host)
            expect(dialog.locator("h2")).to_have_text("宣布开标失败吗？")
            expect(dialog).to_contain_text("此操作不可撤销")
            expect(dialog.locator(".confirm-yes")).to_have_text("宣布开标失败")  # the button's own words
            expect(dialog.locator(".confirm-cancel")).to_be_focused()  # Enter alone does not fail it
            screenshot(host, "hall-host-asked-to-fail")
            host.keyboard.press("Escape")
            expect(host.locator("dialog.confirm-dialog")).to_have_count(0)
            assert OpeningHall.objects.get(lot=self.tender.lot).state == "decrypting"
            assert not AuditEvent.objects.filter(action="hall.opening_failed").exists()
            click_and_confirm(host, "#fail-opening")
            for page in (host, public):
                expect(page.locator("#hall-state")).to_have_attribute("data-state", "aborted", timeout=WAIT)
                expect(page.locator("#hall-state")).to_have_text("开标失败")
                expect(page.locator("#hall-log")).to_contain_text("开标失败：开标系统故障，无法继续")
            screenshot(host, "hall-host-failed")
            # loaded again: the outcome, with the reason
            for width, viewport in (("desktop", None), ("phone", PHONE)):
                page = new_context(browser, **({"viewport": viewport} if viewport else {})).new_page()
                page.goto(self.hall_url())
                outcome = page.locator("#hall-outcome")
                expect(outcome).to_have_attribute("data-stage", "failed")
                expect(outcome).to_contain_text("流标")
                expect(outcome).to_contain_text("原因：开标系统故障，无法继续")
                expect(outcome).to_contain_text("开标失败时间")
                screenshot(page, f"hall-after-a-failed-opening-{width}")
        self.tender.lot.refresh_from_db()
        assert self.tender.lot.state == "failed"
        assert self.page_errors == []
