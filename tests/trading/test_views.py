"""The pages, as people use them: a trading center registers and publishes a tender, the public
reads it, a bidder registers and takes the documents, a tenderee and a supervisor look on."""

import hashlib
import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from frontend.templatetags.kaibiao import yuan
from tests.trading.factories import (CenterFactory, LotFactory, OrganizationFactory, ProjectFactory, make_uscc, party, staff,
                                     supervisor, tenderee_organization)
from trading import services
from trading.choices import LotState, NoticeKind, Role
from trading.models import AuditEvent, Document, DocumentDownload, Lot, Notice, Organization, Project

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests.trading.factories.UserFactory's password
BEIJING = ZoneInfo("Asia/Shanghai")
START = datetime(2027, 3, 1, 9, 0, tzinfo=BEIJING)
PDF = b"%PDF-1.7\n% tender documents of GXNN-2027-0001\n" + bytes(range(256)) * 8
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def local(moment: datetime) -> str:
    """What a person types into a datetime-local field: Beijing time, to the minute."""
    return timezone.localtime(moment, BEIJING).strftime("%Y-%m-%dT%H:%M")


def login(client, user, **meta):
    page = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, **meta)
    assert page.status_code == 302, page.content.decode()
    return client


def text(page) -> str:
    return page.content.decode()


class World:
    """One city's trading center, its clerk and supervisor, a school as tenderee with its agent."""

    def __init__(self):
        self.center = CenterFactory(name="南宁市公共资源交易中心", region_code="450100")
        self.clerk = staff(self.center, username="clerk-wang", full_name="王芳")
        self.supervisor = supervisor(self.center, username="supervisor-zhao", full_name="赵强")
        self.tenderee_org = OrganizationFactory(name="南宁市第三中学")
        self.agent_org = OrganizationFactory(name="广西华信招标代理有限公司")
        self.tenderee = party(Role.TENDEREE, self.tenderee_org, username="school-li")
        self.agent = party(Role.AGENT, self.agent_org, username="agent-zhou")


@pytest.fixture
def world():
    return World()


def project_form(world, code="GXNN-2027-0001", **overrides):
    data = {
        "center": world.center.pk, "code": code, "name": "南宁市第三中学教学楼新建工程", "category": "works",
        "region_code": "450103", "tenderee": world.tenderee_org.pk, "agent": world.agent_org.pk,
        "description": "教学楼 4 层，建筑面积 6000 平方米。", "must_be_tendered": "on",
        "min_days_to_deadline": "20", "amendment_min_days": "15", "min_bids": "3", "publicity_days": "3",
        "contract_days": "30",
        "lots-TOTAL_FORMS": "2", "lots-INITIAL_FORMS": "0", "lots-MIN_NUM_FORMS": "1", "lots-MAX_NUM_FORMS": "1000",
        "lots-0-number": "1", "lots-0-name": "第一标段 土建", "lots-0-budget": "1234567.80",
        "lots-0-ceiling_price": "1200000.00", "lots-0-reserve_price": "", "lots-0-bid_security": "20000.00",
        "lots-0-evaluation_method": "comprehensive",
        "lots-1-number": "2", "lots-1-name": "第二标段 安装", "lots-1-budget": "500000",
        "lots-1-ceiling_price": "", "lots-1-reserve_price": "", "lots-1-bid_security": "10000",
        "lots-1-evaluation_method": "lowest_evaluated",
    }
    data.update(overrides)
    return data


def published_project(world, *, deadline_in=timedelta(days=25), code="GXNN-2027-0001") -> Project:
    """A tender the clerk registered, documented and published (through the services)."""
    project = services.create_project(
        actor=world.clerk, center=world.center, code=code, name="南宁市第三中学教学楼新建工程", category="works",
        region_code="450103", tenderee=world.tenderee_org, agent=world.agent_org,
        lots=[{"number": 1, "name": "第一标段 土建", "budget": Decimal("1234567.80"),
               "ceiling_price": Decimal("1200000.00"), "bid_security": Decimal("20000.00"),
               "evaluation_method": "comprehensive"}],
    )
    services.add_document(actor=world.clerk, project=project, title="招标文件",
                          uploaded_file=SimpleUploadedFile("招标文件.pdf", PDF))
    services.publish_project(actor=world.clerk, project=project, bid_deadline=timezone.now() + deadline_in,
                             notice_title="南宁市第三中学教学楼新建工程招标公告", notice_body="欢迎合格的投标人参加投标。")
    return project


# --- the whole path of a tender, through the pages ---------------------------------------------


def test_a_tender_from_registration_to_the_bidders_download(world):
    clerk = Client()
    with time_machine.travel(START, tick=False):
        login(clerk, world.clerk)

        # Register the project with two lots.
        assert clerk.get(reverse("trading:project_create")).status_code == 200
        page = clerk.post(reverse("trading:project_create"), project_form(world))
        assert page.status_code == 302, text(page)
        project = Project.objects.get(code="GXNN-2027-0001")
        assert page["Location"] == reverse("trading:project", args=[project.pk])
        assert (project.center, project.category, project.region_code) == (world.center, "works", "450103")
        assert (project.tenderee, project.agent, project.created_by) == (world.tenderee_org, world.agent_org, world.clerk)
        lot1, lot2 = project.lots.order_by("number")
        assert (lot1.name, lot1.budget, lot1.ceiling_price, lot1.bid_security, lot1.evaluation_method) == (
            "第一标段 土建", Decimal("1234567.80"), Decimal("1200000.00"), Decimal("20000.00"), "comprehensive")
        assert (lot2.budget, lot2.ceiling_price, lot2.bid_security, lot2.evaluation_method) == (
            Decimal("500000.00"), None, Decimal("10000.00"), "lowest_evaluated")
        assert {lot1.state, lot2.state} == {LotState.DRAFT}

        page = clerk.get(reverse("trading:project", args=[project.pk]))
        html = text(page)
        assert "南宁市第三中学教学楼新建工程" in html and "第二标段 安装" in html
        for money in ("1,234,567.80元", "1,200,000.00元", "20,000.00元", "500,000.00元", "10,000.00元"):
            assert money in html

        # Nobody outside sees a draft.
        public = Client()
        assert public.get(reverse("reporting:tender", args=[project.pk])).status_code == 404

        # Upload the tender document.
        page = clerk.post(reverse("trading:document_add", args=[project.pk]),
                          {"title": "招标文件（正本）", "file": SimpleUploadedFile("招标文件.pdf", PDF)})
        assert page.status_code == 302, text(page)
        document = Document.objects.get(project=project)
        assert (document.title, document.size, document.sha256) == ("招标文件（正本）", len(PDF), hashlib.sha256(PDF).hexdigest())
        assert public.get(reverse("trading:document_download", args=[document.pk])).status_code == 404

        # Publishing with the deadline 10 days ahead is refused, saying why and what is allowed.
        page = clerk.post(reverse("trading:project_publish", args=[project.pk]), {
            "bid_deadline": local(START + timedelta(days=10)), "notice_title": "招标公告", "notice_body": "欢迎投标。",
        }, **EN)
        assert page.status_code == 200
        html = text(page)
        assert "at least 20 days" in html
        assert "《招标投标法》第二十四条" in html
        assert "2027-03-21 09:00" in html  # the earliest allowed deadline, in Beijing time
        assert set(project.lots.values_list("state", flat=True)) == {LotState.DRAFT}
        assert not Notice.objects.exists()

        # 25 days ahead is allowed.
        deadline = START + timedelta(days=25)
        page = clerk.post(reverse("trading:project_publish", args=[project.pk]), {
            "bid_deadline": local(deadline), "notice_title": "南宁市第三中学教学楼新建工程招标公告",
            "notice_body": "欢迎合格的投标人参加投标。",
        })
        assert page.status_code == 302, text(page)
        project.refresh_from_db()
        assert project.bid_deadline == deadline
        assert project.documents_published_at == START
        assert set(project.lots.values_list("state", flat=True)) == {LotState.PUBLISHED}
        tender_notice = Notice.objects.get(project=project, kind=NoticeKind.TENDER)
        document.refresh_from_db()
        assert document.notice == tender_notice

        # A clarification, then an amendment that changes bids (25 days remain: allowed).
        page = clerk.post(reverse("trading:notice_add", args=[project.pk]), {
            "kind": NoticeKind.CLARIFICATION, "title": "澄清一：工期", "body": "工期为 300 日历天。",
        })
        assert page.status_code == 302, text(page)
        page = clerk.post(reverse("trading:notice_add", args=[project.pk]), {
            "kind": NoticeKind.AMENDMENT, "title": "修改一：增加节能要求", "body": "外墙保温须达到 75% 节能标准。",
            "changes_bids": "on", "file": SimpleUploadedFile("修改文件一.pdf", b"%PDF-1.7 amendment"),
        })
        assert page.status_code == 302, text(page)
        amendment = Notice.objects.get(kind=NoticeKind.AMENDMENT)
        assert amendment.changes_bids and amendment.new_deadline is None
        assert Document.objects.get(notice=amendment).title == "修改文件一.pdf"

    # The public portal, without logging in.
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        portal = text(public.get(reverse("reporting:portal")))
        assert "南宁市第三中学教学楼新建工程" in portal
        assert "南宁市第三中学教学楼新建工程招标公告" in portal
        page = public.get(reverse("reporting:tender", args=[project.pk]))
        assert page.status_code == 200
        html = text(page)
        for shown in ("南宁市第三中学教学楼新建工程招标公告", "澄清一：工期", "修改一：增加节能要求", "招标文件（正本）",
                      "修改文件一.pdf", "南宁市第三中学", "广西华信招标代理有限公司", "1,234,567.80元", "2027-03-26 09:00:00（北京时间）",
                      reverse("trading:document_download", args=[document.pk])):
            assert shown in html
        page = public.get(reverse("reporting:notice", args=[tender_notice.pk]))
        assert "欢迎合格的投标人参加投标。" in text(page)
        assert "招标文件（正本）" in text(page)
        page = public.get(reverse("trading:document_download", args=[document.pk]))
        assert page.status_code == 200
        assert b"".join(page.streaming_content) == PDF
        assert not DocumentDownload.objects.exists()  # a visitor's download is not a bidder's record

        # A bidder registers its organization and takes the documents.
        bidder = Client()
        uscc = make_uscc()
        page = bidder.post(reverse("trading:register"), {
            "organization_name": "广西建工第五建筑工程有限公司", "uscc": uscc.lower(), "full_name": "李明",
            "contact_phone": "0771-5550100", "address": "南宁市青秀区民族大道100号", "username": "gxjg5-liming",
            "password": "Qingxiu-2027-bid!", "password_again": "Qingxiu-2027-bid!",
        }, REMOTE_ADDR="198.51.100.23")
        assert page.status_code == 302, text(page)
        org = Organization.objects.get(uscc=uscc)
        page = bidder.get(reverse("trading:document_download", args=[document.pk]), REMOTE_ADDR="198.51.100.23")
        assert page.status_code == 200
        assert "attachment" in page["Content-Disposition"]
        assert b"".join(page.streaming_content) == PDF
        download = DocumentDownload.objects.get()
        assert (download.document, download.organization, download.user.username) == (document, org, "gxjg5-liming")
        event = AuditEvent.objects.get(action="document.downloaded")
        assert (event.actor_id, event.role, event.ip, event.object_id, event.project_id) == (
            download.user.pk, Role.BIDDER, "198.51.100.23", str(document.pk), project.pk)
        assert event.at == START + timedelta(hours=2)
        assert event.data == {"organization": uscc, "sha256": document.sha256}


def test_an_amendment_that_changes_bids_close_to_the_deadline_must_move_it(world):
    with time_machine.travel(START, tick=False) as clock:
        project = published_project(world)
        deadline = START + timedelta(days=25)
        clock.move_to(START + timedelta(days=12))  # 13 days remain
        now = timezone.now()
        clerk = login(Client(), world.clerk)
        url = reverse("trading:notice_add", args=[project.pk])
        amendment = {"kind": NoticeKind.AMENDMENT, "title": "修改二：调整工程量清单", "body": "第 3 章工程量清单调整。",
                     "changes_bids": "on"}

        page = clerk.post(url, amendment, **EN)
        assert page.status_code == 200
        html = text(page)
        assert "less than 15 days before the deadline" in html
        assert "《招标投标法实施条例》第二十一条" in html
        assert "move the deadline to 2027-03-28 09:00 or later" in html
        assert not Notice.objects.filter(kind=NoticeKind.AMENDMENT).exists()
        project.refresh_from_db()
        assert project.bid_deadline == deadline

        # Moving the deadline, but not far enough, is refused too.
        page = clerk.post(url, {**amendment, "new_deadline": local(now + timedelta(days=14))}, **EN)
        assert page.status_code == 200
        assert "less than 15 days" in text(page)

        # A clarification that does not change bids needs no extra time.
        page = clerk.post(url, {"kind": NoticeKind.CLARIFICATION, "title": "澄清二", "body": "现场踏勘时间另行通知。"})
        assert page.status_code == 302, text(page)

        new_deadline = now + timedelta(days=16)
        page = clerk.post(url, {**amendment, "new_deadline": local(new_deadline)})
        assert page.status_code == 302, text(page)
        project.refresh_from_db()
        assert project.bid_deadline == new_deadline
        notice = Notice.objects.get(kind=NoticeKind.AMENDMENT)
        assert (notice.previous_deadline, notice.new_deadline, notice.changes_bids) == (deadline, new_deadline, True)
        html = text(clerk.get(reverse("trading:project", args=[project.pk]), **EN))
        assert "deadline moved to 2027-03-29 09:00:00" in html
        html = text(Client().get(reverse("reporting:notice", args=[notice.pk]), **EN))
        assert "2027-03-29 09:00:00" in html and "2027-03-26 09:00:00" in html


def test_the_earliest_deadline_an_amendment_names_is_one_that_is_accepted(world):
    """The form takes minutes: the deadline the refusal names, entered as shown, must pass."""
    with time_machine.travel(START, tick=False) as clock:
        project = published_project(world)
        clock.move_to(START + timedelta(days=12, seconds=30))
        clerk = login(Client(), world.clerk)
        url = reverse("trading:notice_add", args=[project.pk])
        amendment = {"kind": NoticeKind.AMENDMENT, "title": "修改二", "body": "工程量清单调整。", "changes_bids": "on"}
        page = clerk.post(url, amendment, **EN)
        named = re.search(r"move the deadline to (\d{4}-\d\d-\d\d \d\d:\d\d) or later", text(page)).group(1)
        assert named == "2027-03-28 09:01"
        page = clerk.post(url, {**amendment, "new_deadline": named.replace(" ", "T")})
        assert page.status_code == 302, text(page)
        project.refresh_from_db()
        assert project.bid_deadline == datetime(2027, 3, 28, 9, 1, tzinfo=BEIJING)


def test_a_new_deadline_must_be_later_than_the_current_one(world):
    with time_machine.travel(START, tick=False):
        project = published_project(world)
        clerk = login(Client(), world.clerk)
        page = clerk.post(reverse("trading:notice_add", args=[project.pk]), {
            "kind": NoticeKind.CLARIFICATION, "title": "澄清", "body": "提前截止。",
            "new_deadline": local(START + timedelta(days=24)),
        }, **EN)
        assert page.status_code == 200
        assert "must be later than the current one" in text(page)


def test_a_lot_whose_ceiling_exceeds_its_budget_is_refused_on_the_form(world):
    clerk = login(Client(), world.clerk)
    page = clerk.post(reverse("trading:project_create"),
                      project_form(world, **{"lots-0-ceiling_price": "1300000.00"}), **EN)
    assert page.status_code == 200
    html = text(page)
    assert "Lot 1: the ceiling price may not exceed the budget." in html
    assert "lot_ceiling_within_budget" not in html  # a person reads words, not a constraint's name
    assert not Project.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_bid_security_over_two_percent_is_refused_with_the_citation(world):
    clerk = login(Client(), world.clerk)
    page = clerk.post(reverse("trading:project_create"),
                      project_form(world, **{"lots-0-bid_security": "24000.01"}), **EN)
    assert page.status_code == 200
    html = text(page)
    assert "2%" in html and "《招标投标法实施条例》第二十六条" in html and "24,000.00" in html
    assert not Project.objects.exists()


def test_a_refused_legal_setting_leaves_nothing_behind_and_the_corrected_form_registers(world):
    clerk = login(Client(), world.clerk)
    # when: a tender that must be tendered asks for 2 bids to open (the law says at least 3)
    page = clerk.post(reverse("trading:project_create"), project_form(world, min_bids="2"), **EN)
    # then: refused, saying why, and nothing is kept
    assert page.status_code == 200
    assert "the law requires at least 3" in text(page) and "《招标投标法实施条例》第四十四条" in text(page)
    assert not Project.objects.exists() and not Lot.objects.exists() and not AuditEvent.objects.exists()
    # when: the same form, corrected, with the same project code
    page = clerk.post(reverse("trading:project_create"), project_form(world, min_bids="5"), **EN)
    # then: registered with its settings, in one event
    assert page.status_code == 302, text(page)
    project = Project.objects.get(code="GXNN-2027-0001")
    assert project.min_bids == 5 and project.lots.count() == 2
    (event,) = AuditEvent.objects.all()
    assert event.action == "project.created" and event.data["legal"]["min_bids"] == 5


# --- who sees what -----------------------------------------------------------------------------


def test_a_tenderee_sees_its_own_project_and_not_another_tenderees_draft(world):
    own = published_project(world)
    own_draft = services.create_project(
        actor=world.clerk, center=world.center, code="GXNN-2027-0002", name="南宁市第三中学操场改造工程",
        category="works", region_code="450103", tenderee=world.tenderee_org, agent=None,
        lots=[{"number": 1, "name": "操场", "budget": Decimal("300000"), "evaluation_method": "lowest_evaluated"}],
    )
    others_draft = LotFactory(project=ProjectFactory(name="南宁市第七中学食堂改造工程")).project
    others_document = Document.objects.create(project=others_draft, title="食堂招标文件", file="documents/x.pdf",
                                              sha256="0" * 64, size=1, uploaded_by=others_draft.created_by)
    school = login(Client(), world.tenderee)

    html = text(school.get(reverse("trading:dashboard")))
    assert own.code in html and own_draft.code in html
    assert "南宁市第七中学食堂改造工程" not in html
    page = school.get(reverse("trading:project", args=[own_draft.pk]))
    assert page.status_code == 200
    assert "南宁市第三中学操场改造工程" in text(page)
    assert school.get(reverse("trading:project", args=[own.pk])).status_code == 200

    assert school.get(reverse("trading:project", args=[others_draft.pk])).status_code == 404
    assert school.get(reverse("trading:project_edit", args=[others_draft.pk])).status_code == 404
    assert school.get(reverse("trading:document_download", args=[others_document.pk])).status_code == 404
    assert school.get(reverse("trading:project", args=[999999])).status_code == 404


def test_a_supervisor_reads_the_audit_trail_of_a_project_and_cannot_act(world):
    project = published_project(world)
    elsewhere = CenterFactory(name="柳州市公共资源交易中心", region_code="450200")
    other = services.create_project(
        actor=staff(elsewhere), center=elsewhere, code="GXLZ-2027-0009", name="柳州市某道路工程", category="works",
        region_code="450200", tenderee=tenderee_organization(), agent=None,
        lots=[{"number": 1, "name": "道路", "budget": Decimal("800000"), "evaluation_method": "lowest_evaluated"}],
    )
    watcher = login(Client(), world.supervisor)

    page = watcher.get(reverse("trading:audit"), {"project": project.pk}, **EN)
    assert page.status_code == 200
    events = list(page.context["page"].object_list)
    assert events and all(e.project_id == project.pk for e in events)
    assert {"project.created", "document.added", "lot.publish", "project.published"} <= {e.action for e in events}
    html = text(page)
    assert "project.published" in html and world.clerk.username in html
    assert other.code not in html

    page = watcher.get(reverse("trading:audit"), {"project": project.pk, "action": "lot."})
    assert {e.action for e in page.context["page"].object_list} == {"lot.publish"}

    # Not over another city's center: that project's trail is not theirs.
    assert watcher.get(reverse("trading:audit"), {"project": other.pk}).status_code == 404
    assert watcher.get(reverse("trading:audit"), {"project": "not-a-number"}).status_code == 404

    # The supervisor sees the lots but takes no action.
    lot = project.lots.get()
    html = text(watcher.get(reverse("trading:project", args=[project.pk])))
    assert reverse("trading:lot_transition", args=[lot.pk]) not in html
    count = AuditEvent.objects.count()
    page = watcher.post(reverse("trading:lot_transition", args=[lot.pk]), {"name": "cancel", "reason": "监督人员试图取消"})
    assert page.status_code == 403
    lot.refresh_from_db()
    assert lot.state == LotState.PUBLISHED
    assert AuditEvent.objects.count() == count


def test_bidders_and_tenderees_do_not_read_the_audit_trail(world):
    school = login(Client(), world.tenderee)
    assert school.get(reverse("trading:audit")).status_code == 403
    assert login(Client(), party(Role.BIDDER)).get(reverse("trading:audit")).status_code == 403
    assert Client().get(reverse("trading:audit")).status_code == 302  # to the login page


# --- language and money --------------------------------------------------------------------------


def test_the_interface_is_chinese_by_default_and_english_on_request(world):
    project = published_project(world)
    visitor = Client()
    page = visitor.get(reverse("reporting:portal"))
    assert page["Content-Language"] == "zh-hans"
    html = text(page)
    assert '<html lang="zh-hans">' in html
    assert "南宁市第三中学教学楼新建工程" in html
    assert "开标" in html

    page = visitor.post(reverse("set_language"), {"language": "en", "next": reverse("reporting:tender", args=[project.pk])})
    assert page.status_code == 302
    assert page["Location"] == reverse("reporting:tender", args=[project.pk])
    page = visitor.get(page["Location"])
    assert page["Content-Language"] == "en"
    html = text(page)
    assert '<html lang="en">' in html
    assert "Tender documents" in html
    assert "南宁市第三中学教学楼新建工程" in html  # data stays as entered

    visitor.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in text(visitor.get(reverse("reporting:portal")))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234567.80"), "1,234,567.80元"),
        (Decimal("1234567.8"), "1,234,567.80元"),
        (1234567, "1,234,567.00元"),
        ("1234567.805", "1,234,567.81元"),
        (Decimal("0"), "0.00元"),
        (Decimal("999.994"), "999.99元"),
        (Decimal("100000000000000.00"), "100,000,000,000,000.00元"),
        (None, "—"),
    ],
)
def test_money_is_shown_in_yuan_with_two_decimals(amount, shown):
    with translation.override("zh-hans"):
        assert yuan(amount) == shown


@pytest.mark.parametrize(("language", "unit"), [("zh-hans", "{}元"), ("en", "{} yuan")])
def test_money_on_the_pages_in_either_language(world, language, unit):
    project = published_project(world)
    Lot.objects.filter(project=project).update(budget=Decimal("1234567.80"))
    visitor = Client()
    visitor.post(reverse("set_language"), {"language": language, "next": "/"})
    html = text(visitor.get(reverse("reporting:tender", args=[project.pk])))
    assert unit.format("1,234,567.80") in html
    assert unit.format("1,200,000.00") in html
    assert unit.format("20,000.00") in html
    assert "¥" not in html and "1234567.80" not in html
    # the list of tenders is a summary: 万元 in Chinese (English has no 万)
    listed = text(visitor.get(reverse("reporting:tenders")))
    assert ("123.46万元" if language == "zh-hans" else "1,234,567.80 yuan") in listed
    # every amount on the page has its thousands grouped and two decimals
    amounts = re.findall(r"[\d,.]+(?=元| yuan)", html)
    assert len(amounts) >= 3
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", a) for a in amounts), amounts
