"""The whole evaluation room through the real stack: five experts in five real browser pages at once, from the empty room to the final report.

A lot opened with sealed bid files (tests/evaluation/gathered.py), its committee drawn and
formed by the real services; then, each member in their own Chromium page (two at a phone's
width) on a live Daphne, each on their own WebSocket: each registers a signing key on the key
page (made in the browser), signs in, declares no conflict, the committee elects its leader;
each records the review (three members fail one bid, with their reasons); each scores (one
member's page reloads mid-scoring and misses nothing); one member's outlying score is flagged to
them alone and kept with a reason; the leader makes the summary and the report; each member
signs it in their page with their own key file; the room is final, and `manage.py
verify_report` checks the PDF and signatures file downloaded from the page. Every page sees the
others' progress live without reloading, and reads in Chinese.

The scores, and the ranking worked by hand (DOMAIN.md §7; lowest-price benchmark, 40 points;
items 0–30; five experts, so nothing is dropped; rounded once, at the end):
  bid 1 (900,000.00): technical (25 + 24 + 26 + 25 + 12) / 5 = 22.4, commercial 100 / 5 = 20,
         price 900000 / 900000 × 40 = 40; total 82.40. The 12 is member 5's, flagged: the
         others' mean is 25, and |12 − 25| = 13 > 30 % × 30 = 9.
  bid 2 (950,000.00): technical 135 / 5 = 27, commercial 110 / 5 = 22,
         price 900000 / 950000 × 40 = 37.8947…; total 86.8947… → 86.89, rank 1.
  bid 3 (880,000.00): fails 营业执照有效 by three of five: not evaluated (the lowest price is
         not the benchmark).
  bid 4 (920,000.00): technical 100 / 5 = 20, commercial 90 / 5 = 18,
         price 900000 / 920000 × 40 = 39.1304…; total 77.1304… → 77.13, rank 3."""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from channels.testing import ChannelsLiveServerTestCase
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client, override_settings
from django.urls import reverse
from playwright.sync_api import expect

from evaluation.models import EvaluationEvent, ExpertKey, Score
from tests.evaluation.gathered import BIDDERS, gathered
from tests.untranslated import english_words, python_reprs, visible_texts
from trading.models import User

from .conftest import PASSWORD, PHONE, assert_fits_the_width, chromium, log_in, new_context, require_browser, screenshot
from .dialogs import answer

WAIT = 30_000  # ms: five pages and a busy machine
BEIJING_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
ROOT = Path(__file__).resolve().parents[2]
SCRATCH = Path(tempfile.mkdtemp(prefix="kaibiao-evaluation-room-e2e-"))
PASSPHRASE = "长城 长城 长城"
FAIL_REASON = "营业执照已过期（第{}位专家核对）"
FLAG_REASON = "施工组织设计缺少雨季施工措施，维持原评分"
PHONES = (1, 4)  # the members whose pages are a phone's width
RELOADS = 3  # the member whose page reloads mid-scoring
# SCORES[member][bid order][item]: (technical, commercial); bid 3 fails the review
SCORES = [
    {1: ("25", "20"), 2: ("27", "22"), 4: ("20", "18")},
    {1: ("24", "21"), 2: ("27", "21"), 4: ("21", "18")},
    {1: ("26", "19"), 2: ("26", "22"), 4: ("20", "19")},
    {1: ("25", "20"), 2: ("28", "23"), 4: ("19", "18")},
    {1: ("12", "20"), 2: ("27", "22"), 4: ("20", "17")},
]
RANKING = [(2, "86.89"), (1, "82.40"), (4, "77.13")]  # (bid order, total), best first


def cookie_for(user) -> str:
    """A session for `user`, as the login form would leave it (force_login; no password)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.browser
@override_settings(KAIBIAO_SEALED_ROOT=SCRATCH / "sealed")
class EvaluationRoomFiveBrowsersTests(ChannelsLiveServerTestCase):
    serve_static = True

    def setUp(self):
        require_browser()
        self.g = gathered()
        self.errors = []
        # the leader logs in through the login form (as the site's process hashes: PBKDF2)
        hasher, leader = PBKDF2PasswordHasher(), self.g.user(0)
        leader.password = hasher.encode(PASSWORD, hasher.salt())
        leader.save(update_fields=["password"])

    # --- the people and their pages ---------------------------------------------------------

    def open_pages(self, browser, folder: Path):
        pages = []
        for i in range(len(self.g.members)):
            context = new_context(browser, accept_downloads=True, **({"viewport": PHONE} if i in PHONES else {}))
            if i == 0:
                page = log_in(context, self.live_server_url, self.g.user(0).username)
            else:
                context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie_for(self.g.user(i)),
                                      "url": self.live_server_url}])
                page = context.new_page()
            page.on("pageerror", lambda err, i=i: self.errors.append((i, str(err))))
            pages.append(page)
        self.keys = [self.make_key(page, i, folder) for i, page in enumerate(pages)]
        url = self.live_server_url + reverse("evaluation:room", args=[self.g.lot.pk])
        for page in pages:
            page.goto(url)
            expect(page.locator("#room-connection")).to_have_attribute("data-state", "open", timeout=WAIT)
            expect(page.locator("#room-role")).to_have_attribute("data-role", "member")
            stay(page)
        return pages

    def make_key(self, page, i, folder: Path) -> Path:
        """The member makes their signing key on the key page (the first locks its file with a passphrase)."""
        page.goto(self.live_server_url + reverse("evaluation:expert_key"))
        if i == 0:
            page.fill("#key-passphrase", PASSPHRASE)
        with page.expect_download(timeout=WAIT) as download:
            page.click("#make-key")
        path = folder / f"member{i}-{download.value.suggested_filename}"
        download.value.save_as(path)
        expect(page.locator("#key-status")).to_contain_text("：", timeout=WAIT)
        registered = ExpertKey.objects.filter(expert__user=self.g.user(i)).values_list("public_key", flat=True).first()
        assert registered, f"member {i}'s key was not registered"
        expect(page.locator("#key-status")).to_contain_text(registered)
        return path

    def member_row(self, page, i):
        return page.locator(f"tr[data-member='{self.g.members[i].pk}']")

    def everyone_else(self, pages, i):
        return [p for j, p in enumerate(pages) if j != i]

    def scoring(self, page):
        return page.locator("section[aria-labelledby='scoring-title']")

    def bid_row(self, page, order):
        return self.scoring(page).get_by_role("row").filter(has_text=BIDDERS[order - 1])

    # --- the steps ----------------------------------------------------------------------------

    def gather(self, pages):
        for i, page in enumerate(pages):
            page.click("#room-sign-in")
            for other in self.everyone_else(pages, i):
                expect(self.member_row(other, i).locator("td.signed-in")).to_have_text(BEIJING_TIME, timeout=WAIT)
        for i, page in enumerate(pages):
            bidders = page.locator(".declaration-form .bidder-list li")
            expect(bidders).to_have_text(BIDDERS, timeout=WAIT)
            page.click("#declare-no-conflict")
            answer(page, yes=True)
            for other in self.everyone_else(pages, i):
                expect(self.member_row(other, i).locator("td.declaration")).to_contain_text("无利害关系", timeout=WAIT)
        leader = str(self.g.members[0].pk)
        for page in pages[:3]:  # three of five elect
            page.select_option("#leader-candidate", leader)
            page.click("#cast-vote")
            expect(page.locator(".my-vote, .leader-badge").first).to_be_visible(timeout=WAIT)
        for page in pages:
            expect(self.member_row(page, 0).locator(".leader-badge")).to_have_text(re.compile("组长"), timeout=WAIT)
            expect(page.locator("#leader-candidate")).to_have_count(0)
        for page in pages[1:]:
            expect(page.locator("#start-review")).to_have_count(0)
        expect(pages[0].locator("#start-review")).to_be_enabled(timeout=WAIT)
        pages[0].click("#start-review")
        answer(pages[0], yes=True)
        for page in pages:
            expect(page.locator("#room-state")).to_have_attribute("data-state", "reviewing", timeout=WAIT)

    def review(self, pages):
        g = self.g
        for i, page in enumerate(pages):
            expect(page.locator("#review-panel")).to_be_visible(timeout=WAIT)
            for bid in g.bids:
                for c, check in enumerate(g.checks):
                    cell = page.locator(f".verdict[data-bid='{bid['id']}'][data-check='{check.pk}']")
                    if bid["order"] == 3 and c == 0 and i < 3:
                        record_fail(cell, FAIL_REASON.format(i + 1))
                    else:
                        cell.locator("input[value=pass]").check()
            self.may_submit_review(page, i)
            page.click("#submit-review")
            answer(page, yes=True)
            for other in self.everyone_else(pages, i):  # counts only, live
                mark = other.locator(f".progress-list li[data-member='{g.members[i].pk}']")
                expect(mark).to_have_attribute("data-recorded", str(len(g.bids) * len(g.checks)), timeout=WAIT)
                expect(mark).to_have_class("pass", timeout=WAIT)
        failed = next(b for b in g.bids if b["order"] == 3)
        for page in pages:
            row = page.locator(f"#review-conclusion tr[data-bid='{failed['id']}']")
            expect(row).to_have_class("not-responsive", timeout=WAIT)
            expect(row).to_contain_text("未通过")
            for i in range(3):
                expect(row).to_contain_text(FAIL_REASON.format(i + 1))
            expect(page.locator("#review-conclusion")).to_contain_text("3份投标通过评审。")
        pages[0].click("#start-scoring")
        answer(pages[0], yes=True)
        for page in pages:
            expect(page.locator("#room-state")).to_have_attribute("data-state", "scoring", timeout=WAIT)

    def may_submit_review(self, page, i):
        """The member's Submit is open once their every verdict is recorded; if it stays closed,
        say what the page and the database hold (a verdict lost between the page and the room)."""
        try:
            expect(page.locator("#submit-review")).to_be_enabled(timeout=WAIT)
        except AssertionError as err:
            from evaluation.models import CheckVerdict

            recorded = list(CheckVerdict.objects.filter(member=self.g.members[i]).values_list("bid_id", "table_check_id",
                                                                                              "passed"))
            checked = page.locator(".verdict input:checked").evaluate_all("els => els.map((e) => `${e.name}=${e.value}`)")
            raise AssertionError(f"member {i}: {err}\nthe page says: {page.locator('#room-error').inner_text()!r} / "
                                 f"{page.locator('#room-message').inner_text()!r}\nrecorded: {recorded}\n"
                                 f"checked on the page: {checked}") from err

    def give(self, page, i, order):
        """Member i gives their two scores for the bid of `order`, as they type them."""
        choose = self.bid_row(page, order).get_by_role("button", name="评分", exact=True)
        assert lines_of(choose) == 1, "the bid's Score button breaks its label over lines"
        choose.click()
        for name, points in zip(("施工组织设计", "商务条款响应"), SCORES[i][order]):
            field = self.scoring(page).get_by_label(f"{name} 的分值（0–30）")
            field.fill(points)
            field.press("Tab")
        expect(self.bid_row(page, order)).to_contain_text("已评 2 / 2 项", timeout=WAIT)

    def score(self, pages):
        g = self.g
        orders = (1, 2, 4)
        for page in pages:
            expect(self.scoring(page)).to_be_visible(timeout=WAIT)
            expect(self.bid_row(page, 3)).to_contain_text("未通过评审")
            # nothing scored yet: submitting is not open, and the button looks it (greyed)
            submit = self.scoring(page).get_by_role("button", name="提交我的评分")
            expect(submit).to_be_disabled()
            assert submit.evaluate("b => getComputedStyle(b).cursor") == "not-allowed"
        # the member whose page reloads gives one bid's scores; while their page loads again,
        # the others score
        self.give(pages[RELOADS], RELOADS, 1)
        pages[RELOADS].reload(wait_until="commit")
        for i in (0, 4):
            for order in orders:
                self.give(pages[i], i, order)
        expect(self.progress_row(pages[0], 1).locator("td").nth(2)).to_have_text("尚未", timeout=WAIT)  # not submitted
        reloaded = pages[RELOADS]
        expect(reloaded.locator("#room-connection")).to_have_attribute("data-state", "open", timeout=WAIT)
        stay(reloaded)
        self.misses_nothing(reloaded, RELOADS)
        screenshot(pages[0], "evaluation-room-scoring-desktop")
        screenshot(pages[1], "evaluation-room-scoring-phone")
        assert_fits_the_width(pages[1])
        for i in (1, 2, 3):
            for order in orders if i != RELOADS else (2, 4):
                self.give(pages[i], i, order)
        for i, page in enumerate(pages):
            submit = self.scoring(page).get_by_role("button", name="提交我的评分")
            expect(submit).to_be_enabled(timeout=WAIT)
            submit.click()
            answer(page, yes=True)
            expect(self.scoring(page)).to_contain_text("您已提交评分", timeout=WAIT)
            for other in self.everyone_else(pages, i):
                expect(self.progress_row(other, i)).to_contain_text("已提交", timeout=WAIT)

    def progress_row(self, page, i):
        return self.scoring(page).get_by_role("row").filter(has_text=self.g.user(i).display_name)

    def misses_nothing(self, page, i):
        """After its reload the page shows what happened meanwhile: its own scores, the others'
        counts, and every event of the room this member may see, in its record."""
        g = self.g
        expect(self.bid_row(page, 1)).to_contain_text("已评 2 / 2 项", timeout=WAIT)
        self.bid_row(page, 1).get_by_role("button", name="评分", exact=True).click()
        expect(self.scoring(page).get_by_label("施工组织设计 的分值（0–30）")).to_have_value(SCORES[i][1][0])
        for j in (0, 4):
            expect(self.progress_row(page, j)).to_contain_text("6 / 6", timeout=WAIT)
        seen = EvaluationEvent.objects.filter(room=g.room).exclude(audience__isnull=False).values_list("seq", flat=True)
        log = page.locator("#room-log li")
        expect(log).to_have_count(len(seen), timeout=WAIT)
        assert sorted(int(s) for s in log.evaluate_all("els => els.map(e => e.dataset.seq)")) == sorted(seen)

    def flag(self, pages):
        g = self.g
        flagged, first = pages[4], g.members[4]
        for page in pages:  # everyone sees one flag waiting, as a count
            expect(self.progress_row(page, 4).locator("td").nth(3)).to_have_text("1", timeout=WAIT)
        # the member's bid list says where the flag is, and no one else's does
        expect(self.bid_row(flagged, 1)).to_contain_text("您有 1 项评分被提示偏离，待您处理", timeout=WAIT)
        for page in pages[:4]:
            expect(self.scoring(page)).not_to_contain_text("被提示偏离")
        self.bid_row(flagged, 1).get_by_role("button", name="评分", exact=True).click()
        row = self.scoring(flagged).locator("tr.flag")
        expect(row).to_contain_text("偏离提示", timeout=WAIT)
        expect(row).to_contain_text("施工组织设计")
        for page in pages[:4]:  # no other member learns of it
            expect(self.scoring(page).locator("tr.flag")).to_have_count(0)
            expect(page.locator("#room-log li[data-kind='score_flagged']")).to_have_count(0)
        expect(flagged.locator("#room-log li[data-kind='score_flagged']")).to_have_count(1)
        row.get_by_label("坚持该评分的理由").fill(FLAG_REASON)
        row.get_by_role("button", name="坚持该评分").click()
        expect(self.scoring(flagged)).to_contain_text(FLAG_REASON, timeout=WAIT)
        kept = Score.objects.get(member=first, bid_id=g.bids[0]["id"], item=g.items[0])
        assert (str(kept.points), kept.confirmed_reason) == ("12.00", FLAG_REASON)  # never changed

    def summarize(self, pages):
        leader = pages[0]
        button = self.scoring(leader).get_by_role("button", name="汇总并排序")
        expect(button).to_be_enabled(timeout=WAIT)
        button.click()
        answer(leader, yes=True)
        for page in pages:
            ranking = self.scoring(page).locator("table", has=page.locator("caption", has_text="按总得分由高到低排序"))
            rows = ranking.locator("tbody tr")
            expect(rows).to_have_count(4, timeout=WAIT)
            for n, (order, total) in enumerate(RANKING):
                expect(rows.nth(n).locator("td").first).to_have_text(str(n + 1))
                expect(rows.nth(n)).to_contain_text(BIDDERS[order - 1])
                expect(rows.nth(n)).to_contain_text(total)
                expect(rows.nth(n)).to_contain_text(f"第 {n + 1} 中标候选人")
            expect(rows.nth(3)).to_contain_text(BIDDERS[2])
            expect(rows.nth(3)).to_contain_text("未参加评审比较")
            expect(self.scoring(page)).to_contain_text(FLAG_REASON)  # the flag and its outcome, for all now
            expect(page.locator("#room-state")).to_have_attribute("data-state", "summarized")
            # the room's record says who did what: each member's count, the candidates
            expect(page.locator("#room-log li[data-kind='scores_submitted']").first).to_contain_text(
                f"{self.g.user(4).display_name}（5名成员中已有5名提交）")
            expect(page.locator("#room-log li[data-kind='scoring_progress']").first).to_contain_text("：6 / 6")
            expect(page.locator("#room-log li[data-kind='summarized']")).to_contain_text(
                f"第 1 中标候选人：{BIDDERS[1]}；第 2 中标候选人：{BIDDERS[0]}；第 3 中标候选人：{BIDDERS[3]}")
        caption = self.scoring(pages[1]).locator("caption", has_text="按总得分由高到低排序")
        # where its words stand across the page (the table's own box not scrolled sideways)
        box = caption.evaluate("el => { const r = document.createRange(); r.selectNodeContents(el); "
                               "const b = r.getBoundingClientRect(); return [b.left, b.right]; }")
        assert 0 <= box[0] and box[1] <= PHONE["width"], f"the ranking's caption is out of the phone's sight: {box}"
        screenshot(pages[0], "evaluation-room-summary-desktop")
        screenshot(pages[1], "evaluation-room-summary-phone")
        assert_fits_the_width(pages[1])

    def report(self, pages):
        g = self.g
        leader = pages[0]
        leader.click("#make-report")
        answer(leader, yes=True)
        sha = None
        for page in pages:
            expect(page.locator("#report-panel")).to_have_attribute("data-made", "yes", timeout=WAIT)
            sha = sha or g.fresh().report_sha256
            expect(page.locator("#report-sha256")).to_have_text(sha)
        for i, page in enumerate(pages):
            page.set_input_files("#report-key-file", str(self.keys[i]))
            if i == 0:
                page.fill("#report-key-passphrase", PASSPHRASE)
            page.click("#sign-report")
            answer(page, yes=True)
            expect(page.locator("#report-status")).to_have_text("您的签名已记录。", timeout=WAIT)
            for other in pages:
                answered = other.locator(f".report-answers tr[data-member='{g.members[i].pk}']")
                expect(answered).to_have_attribute("data-answer", "signed", timeout=WAIT)
        for page in pages:
            expect(page.locator("#room-state")).to_have_attribute("data-state", "final", timeout=WAIT)
            expect(page.locator("#room-log li[data-kind='report_signed']")).to_have_text(
                [re.compile(re.escape(self.g.user(i).display_name) + "$") for i in reversed(range(5))])
        return sha

    def verify(self, page, folder: Path, sha: str):
        """`manage.py verify_report` on the two files as the page downloads them: valid; a
        changed PDF is not."""
        files = []
        for link in ("#report-download", "#signatures-download"):
            with page.expect_download(timeout=WAIT) as download:
                page.click(link)
            files.append(folder / download.value.suggested_filename)
            download.value.save_as(files[-1])
        pdf, signatures = files
        assert pdf.suffix == ".pdf" and signatures.suffix == ".json"
        import hashlib

        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == sha
        checked = run_verify(pdf, signatures)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "Valid" in checked.stdout or "有效" in checked.stdout
        changed = folder / "changed.pdf"
        changed.write_bytes(pdf.read_bytes().replace(b"%%EOF", b"%%EOF\n% changed", 1))
        refused = run_verify(changed, signatures)
        assert refused.returncode == 1, refused.stdout + refused.stderr

    def reads_in_chinese(self, page, i):
        g = self.g
        names = frozenset(User.objects.values_list("username", flat=True))
        html = page.content()
        texts = visible_texts(html, "zh-hans", data_attributes=False)
        left = [(t, english_words(t, names)) for t in texts if english_words(t, names)]
        assert left == [], (i, left)
        assert python_reprs(html, "zh-hans") == [], i
        assert g.lot.project.code in page.inner_text("h1")

    # --- the test ---------------------------------------------------------------------------

    def test_five_experts_take_a_lot_from_the_empty_room_to_the_final_signed_report(self):
        folder = Path(tempfile.mkdtemp(dir=SCRATCH))
        with chromium() as browser:
            pages = self.open_pages(browser, folder)
            for page in pages:
                expect(page.locator("#room-state")).to_have_attribute("data-state", "gathering", timeout=WAIT)
            self.gather(pages)
            self.review(pages)
            self.score(pages)
            self.flag(pages)
            self.summarize(pages)
            sha = self.report(pages)
            self.verify(pages[2], folder, sha)
            for i, page in enumerate(pages):
                assert page.evaluate("window.__stayed === true"), f"member {i}'s page was reloaded"
                self.reads_in_chinese(page, i)
            for i in PHONES:
                assert_fits_the_width(pages[i])
        assert self.errors == []


def record_fail(cell, reason):
    """Fail a check with its reason, as a person does: choose fail, write why, record it. The
    panel is drawn anew after every event and gives the focus back to where it was a moment
    before; should that take the typing from the reason's box, the person writes it again."""
    cell.locator("input[value=fail]").check()
    for _ in range(3):
        cell.locator("textarea").fill(reason)
        cell.locator("button").click()
        try:
            expect(cell.locator("button")).to_have_text("保存理由", timeout=5_000)  # recorded: the fail is saved
            expect(cell.locator("textarea")).to_have_value(reason)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the fail with its reason {reason!r} was not recorded")


def stay(page):
    """Mark the page's window: a reload would lose the mark (every page is checked for it at the end)."""
    page.evaluate("window.__stayed = true")


def lines_of(locator) -> int:
    """How many lines the element's text takes on the screen (asked again while the panel, drawn
    anew after each snapshot, has just replaced the element: a detached one takes none)."""
    for _ in range(50):
        lines = locator.evaluate("el => { const r = document.createRange(); r.selectNodeContents(el); "
                                 "return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }")
        if lines:
            return lines
        locator.page.wait_for_timeout(100)
    return 0


def run_verify(pdf: Path, signatures: Path):
    return subprocess.run([sys.executable, "manage.py", "verify_report", str(pdf), str(signatures)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
