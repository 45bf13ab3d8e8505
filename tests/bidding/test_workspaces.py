"""Workspaces that lead somewhere (issue 16): 我的投标 lists every lot a bidder is in, at its real
stage, with the next thing to do as a link; 我的工作台 shows the staff and the supervisors their
center's lots by what needs doing now, a custodian its openings, a bidder its own bid beside each
lot; the navigation leads each role to its pages. And before a deadline none of these pages, for
any role, changes when others bid: no count, name or time of anyone else's bid (招标投标法 第22条)."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bidding.choices import BidState, HallState, OpeningStatus
from bidding.models import BidderKey, BidOpening, BidSecurity, CustodianShare, KeyCeremony, Objection, OpeningHall, SignIn
from tests.bidding.factories import BidFactory
from tests.trading.factories import RELATIONS, LotFactory, OrganizationFactory, ProjectFactory, UserFactory, bidder, cast, document
from trading.choices import LotState, NoticeKind, Role
from trading.models import DocumentDownload, Notice
from trading.workspace import end_of_day

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None and user.is_authenticated:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def get(user, url, language="zh-hans") -> str:
    response = client_for(user, language).get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def later_today():
    """A deadline later today on the server's clock (Beijing), whatever the time now."""
    now = timezone.now()
    return now + (end_of_day(now) - now) / 2


def lot_of(*, deadline, state, center=None, project=None, **kw):
    where = {"center": center} if center is not None else {}
    project = project or ProjectFactory(bid_deadline=deadline, documents_published_at=deadline - 25 * DAY, **where)
    return LotFactory(project=project, state=state, **kw)


def cards(html: str) -> dict[int, dict]:
    """Each lot's card on a workspace page: its section, its text, its links (label → href) and
    the first link, the next thing to do."""
    found = {}
    for section_id, body in re.findall(r'<section id="([^"]+)" class="tasks">(.*?)</section>', html, re.S):
        for lot_id, card in re.findall(r'<article class="task" data-lot="(\d+)">(.*?)</article>', body, re.S):
            links = re.findall(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>', card)
            found[int(lot_id)] = {"section": section_id, "text": re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)),
                                  "links": {label: href for href, label in links},
                                  "next": (links[0][1], links[0][0]) if links else None, "html": card}
    return found


# --- 我的投标 ----------------------------------------------------------------------------------------


@pytest.fixture
def bidder_in_every_state(db):
    """A bidder organization with a lot in each state a bidder meets, and another bidder's lot."""
    user = bidder()
    org = user.organization
    now = timezone.now()
    lots = {}

    def key(lot):
        return BidderKey.objects.get_or_create(project=lot.project, organization=org,
                                               defaults={"recipient": "age1" + "q" * 58, "registered_by": user})

    # bidding open: documents taken only; key only; a complete bid; a bid withdrawn
    lots["documents"] = lot_of(deadline=now + 10 * DAY, state=LotState.PUBLISHED)
    DocumentDownload.objects.create(document=document(lots["documents"].project), organization=org, user=user)
    lots["key"] = lot_of(deadline=now + 9 * DAY, state=LotState.PUBLISHED)
    key(lots["key"])
    lots["bid"] = lot_of(deadline=now + 8 * DAY, state=LotState.PUBLISHED)
    key(lots["bid"])
    BidFactory(lot=lots["bid"], organization=org, created_by=user)
    lots["withdrawn"] = lot_of(deadline=now + 7 * DAY, state=LotState.PUBLISHED)
    key(lots["withdrawn"])
    BidFactory(lot=lots["withdrawn"], organization=org, created_by=user, state=BidState.WITHDRAWN,
               withdrawn_at=now - HOUR, completed_at=now - 2 * HOUR)
    # at the opening: bidding closed, the hall waiting for decryption; decryption under way
    lots["closed"] = lot_of(deadline=now - HOUR, state=LotState.CLOSED)
    BidFactory(lot=lots["closed"], organization=org, created_by=user)
    OpeningHall.objects.create(lot=lots["closed"], state=HallState.CLOSED)
    lots["decrypting"] = lot_of(deadline=now - HOUR, state=LotState.OPENING)
    bid = BidFactory(lot=lots["decrypting"], organization=org, created_by=user)
    hall = OpeningHall.objects.create(lot=lots["decrypting"], state=HallState.DECRYPTING,
                                      decryption_deadline=now + HOUR)
    BidOpening.objects.create(hall=hall, bid=bid, order=1, status=OpeningStatus.WAITING)
    # after the opening: failed with its notice; awarded with its result and record
    lots["failed"] = lot_of(deadline=now - 2 * DAY, state=LotState.FAILED)
    BidFactory(lot=lots["failed"], organization=org, created_by=user)
    Notice.objects.create(project=lots["failed"].project, lot=lots["failed"], kind=NoticeKind.FAILURE, title="流标公告",
                          body="…", published_at=now - 2 * DAY)
    lots["awarded"] = lot_of(deadline=now - 20 * DAY, state=LotState.AWARDED)
    bid = BidFactory(lot=lots["awarded"], organization=org, created_by=user)
    hall = OpeningHall.objects.create(lot=lots["awarded"], state=HallState.ENDED, record_pdf=b"%PDF")
    BidOpening.objects.create(hall=hall, bid=bid, order=1, status=OpeningStatus.DECRYPTED, outcome="decrypted")
    for kind in (NoticeKind.CANDIDATES, NoticeKind.RESULT):
        Notice.objects.create(project=lots["awarded"].project, lot=lots["awarded"], kind=kind, title=kind, body="…",
                              published_at=now - 10 * DAY)
    # another organization's bid: not this bidder's business
    lots["others"] = lot_of(deadline=now + 5 * DAY, state=LotState.PUBLISHED)
    BidFactory(lot=lots["others"])
    return user, lots


def test_my_bids_lists_each_lot_at_its_stage_with_the_next_thing_to_do(bidder_in_every_state):
    user, lots = bidder_in_every_state
    shown = cards(get(user, reverse("bidding:my_bids")))
    bid_page = {name: reverse("bidding:bid_page", args=[lot.pk]) for name, lot in lots.items()}
    hall = {name: reverse("bidding:hall", args=[lot.pk]) for name, lot in lots.items()}
    expected = {
        "documents": ("my-bids-open", ("登记投标密钥", bid_page["documents"])),
        "key": ("my-bids-open", ("加密并上传投标文件", bid_page["key"])),
        "bid": ("my-bids-open", ("查看投标回执", bid_page["bid"] + "#versions")),
        "withdrawn": ("my-bids-open", ("加密并上传投标文件", bid_page["withdrawn"])),
        "closed": ("my-bids-opening", ("进入开标大厅签到", hall["closed"])),
        "decrypting": ("my-bids-opening", ("提交密钥解密", hall["decrypting"])),
        "failed": ("my-bids-after", ("查看流标公告", reverse("reporting:notice", args=[
            Notice.objects.get(lot=lots["failed"]).pk]))),
        "awarded": ("my-bids-after", ("查看中标结果公告", reverse("reporting:notice", args=[
            Notice.objects.get(lot=lots["awarded"], kind=NoticeKind.RESULT).pk]))),
    }
    assert set(shown) == {lots[name].pk for name in expected}  # and not the other organization's lot
    for name, (section, first) in expected.items():
        card = shown[lots[name].pk]
        assert (card["section"], card["next"]) == (section, first), name
    # the complete bid: its version and time, replace or withdraw, the hall at the opening time
    deadline = timezone.localtime(lots["bid"].project.bid_deadline).strftime("%Y-%m-%d %H:%M")
    bid = lots["bid"].bids.get()
    assert f"我的投标：第 1 版，{timezone.localtime(bid.completed_at).strftime('%Y-%m-%d %H:%M:%S')} 递交" in shown[lots["bid"].pk]["text"]
    assert shown[lots["bid"].pk]["links"]["截止前替换或撤回"] == bid_page["bid"]
    assert shown[lots["bid"].pk]["links"][f"{deadline} 进入开标大厅"] == hall["bid"]
    # bidding open: counted down to the deadline on the server's clock
    for name in ("documents", "key", "bid", "withdrawn"):
        assert f'data-deadline="{lots[name].project.bid_deadline.isoformat()}"' in shown[lots[name].pk]["html"]
    assert "已于" in shown[lots["withdrawn"].pk]["text"] and "撤回" in shown[lots["withdrawn"].pk]["text"]
    # after the opening: the record too
    assert shown[lots["awarded"].pk]["links"]["查看开标记录"] == reverse("bidding:hall_record", args=[lots["awarded"].pk])
    assert shown[lots["awarded"].pk]["links"]["查看中标候选人公示"]


def test_my_bids_closes_a_lot_whose_deadline_passed_before_showing_it():
    user = bidder()
    lot = lot_of(deadline=timezone.now() - timedelta(seconds=1), state=LotState.PUBLISHED)
    BidFactory(lot=lot, organization=user.organization, created_by=user)
    shown = cards(get(user, reverse("bidding:my_bids")))
    lot.refresh_from_db()
    assert lot.state == LotState.FAILED  # one bid: the platform closed it and it failed
    assert shown[lot.pk]["section"] == "my-bids-after" and shown[lot.pk]["next"][0] == "查看流标公告"


def test_my_bids_is_for_bidders():
    people = cast()
    for relation in RELATIONS:
        if relation in ("bidder", "anonymous"):
            continue
        response = client_for(people[relation]).get(reverse("bidding:my_bids"))
        assert response.status_code == 403, relation
    assert client_for(None).get(reverse("bidding:my_bids")).status_code == 302  # to the login


def test_the_bidder_s_workspace_shows_its_own_bid_beside_each_lot_with_the_link(bidder_in_every_state):
    user, lots = bidder_in_every_state
    html = get(user, reverse("trading:dashboard"))
    assert f'href="{reverse("bidding:my_bids")}"' in html
    for name in ("bid", "documents", "others"):
        lot = lots[name]
        note = re.search(rf'<a href="{reverse("bidding:bid_page", args=[lot.pk])}"[^>]*>我的投标：([^<]+)</a>', html)
        assert note, name
        mine = lot.bids.filter(organization=user.organization).first()
        assert note.group(1) == (f"第 1 版，{timezone.localtime(mine.completed_at):%Y-%m-%d %H:%M:%S} 递交"
                                 if name == "bid" else "未投标")
    # what needs doing now heads the page: the lots open and at the opening, not those past it
    shown = cards(html)
    assert lots["bid"].pk in shown and lots["decrypting"].pk in shown and lots["awarded"].pk not in shown


# --- the staff's and the supervisors' workspace ---------------------------------------------------


@pytest.fixture
def center_at_work(db):
    """The cast's city center with a lot in each situation its staff meet."""
    people = cast()
    city, now = people.city, timezone.now()
    lots = {
        "today": lot_of(deadline=later_today(), state=LotState.PUBLISHED, center=city),
        "next_week": lot_of(deadline=now + 7 * DAY, state=LotState.PUBLISHED, center=city),
        "closed": lot_of(deadline=now - HOUR, state=LotState.CLOSED, center=city),
        "objection": lot_of(deadline=now - HOUR, state=LotState.OPENING, center=city),
        "draft": lot_of(deadline=now + 30 * DAY, state=LotState.DRAFT, center=city),
        "publicity_over": lot_of(deadline=now - 20 * DAY, state=LotState.PUBLICITY, center=city),
        "publicity_on": lot_of(deadline=now - 20 * DAY, state=LotState.PUBLICITY, center=city),
        "awarded": lot_of(deadline=now - 30 * DAY, state=LotState.AWARDED, center=city),
        "contracted": lot_of(deadline=now - 60 * DAY, state=LotState.CONTRACTED, center=city),
        "evaluation": lot_of(deadline=now - 2 * DAY, state=LotState.EVALUATION, center=city),
        "elsewhere": lot_of(deadline=later_today(), state=LotState.PUBLISHED, center=people.other_city),
    }
    for name, since in (("publicity_over", 4 * DAY), ("publicity_on", DAY), ("awarded", 5 * DAY)):
        type(lots[name]).objects.filter(pk=lots[name].pk).update(state_changed_at=now - since)
    OpeningHall.objects.create(lot=lots["closed"], state=HallState.CLOSED)
    hall = OpeningHall.objects.create(lot=lots["objection"], state=HallState.CONFIRMING, confirm_deadline=now + HOUR)
    bid = BidFactory(lot=lots["objection"])
    opening = BidOpening.objects.create(hall=hall, bid=bid, order=1, status=OpeningStatus.DECRYPTED)
    Objection.objects.create(opening=opening, question="报价读错了", asked_by=bid.created_by, asked_at=now)
    answered = Objection.objects.create(opening=opening, question="工期？", asked_by=bid.created_by, asked_at=now,
                                        answer="已核对", answered_by=people["center_staff"], answered_at=now)
    assert answered.answer
    return people, lots


STAFF_NEXT = {
    "today": ("deadlines-today", "主持开标", "hall"),
    "closed": ("openings", "主持开标", "hall"),
    "objection": ("answers-owed", "到开标大厅答复", "hall"),
    "draft": ("waiting-for-staff", "发布招标公告", "project"),
    "publicity_over": ("waiting-for-staff", "定标", "project"),
    "awarded": ("waiting-for-staff", "登记合同签订", "project"),
    "contracted": ("waiting-for-staff", "归档", "project"),
}


def url_of(lot, where):
    return reverse("bidding:hall", args=[lot.pk]) if where == "hall" else reverse("trading:project", args=[lot.project_id])


def test_staff_see_their_center_s_lots_by_what_needs_doing_now(center_at_work):
    people, lots = center_at_work
    html = get(people["center_staff"], reverse("trading:dashboard"))
    shown = cards(html)
    for name, (section, label, where) in STAFF_NEXT.items():
        assert (shown[lots[name].pk]["section"], shown[lots[name].pk]["next"]) == (section, (label, url_of(lots[name], where))), name
    # the objection in the opening hall: one unanswered (the answered one is not owed)
    assert "有 1 项对开标记录的异议等待主持人当场答复。" in shown[lots["objection"].pk]["text"]
    # a deadline today is counted down; a lot whose next step is another's, or later, is not listed
    assert f'data-deadline="{lots["today"].project.bid_deadline.isoformat()}"' in shown[lots["today"].pk]["html"]
    for name in ("next_week", "publicity_on", "elsewhere"):
        assert lots[name].pk not in shown, name
    # an opened lot in evaluation waits for its expert draw (evaluation.draw_desk)
    evaluation = shown[lots["evaluation"].pk]
    assert evaluation["section"] == "awaiting-draw"
    assert evaluation["next"][1] == reverse("evaluation:draw_staff", args=[lots["evaluation"].pk])
    # and the whole list of the center's projects follows
    assert all(lot.project.code in html for name, lot in lots.items() if name != "elsewhere")
    assert lots["elsewhere"].project.code not in html


@pytest.mark.parametrize("relation", ["city_supervisor", "province_supervisor"])
def test_supervisors_read_the_same_lists_and_act_on_none(center_at_work, relation):
    people, lots = center_at_work
    shown = cards(get(people[relation], reverse("trading:dashboard")))
    for name, (section, _label, where) in STAFF_NEXT.items():
        card = shown[lots[name].pk]
        assert card["section"] == section, name
        assert card["next"] == ("观看开标" if where == "hall" else "查看项目", url_of(lots[name], where)), name
        assert not {"主持开标", "定标", "归档", "登记合同签订", "发布招标公告", "到开标大厅答复"} & set(card["links"]), name
    if relation == "province_supervisor":  # the province reaches its cities' lots
        assert lots["elsewhere"].pk in shown


@pytest.mark.parametrize("relation", ["other_center_staff", "unrelated_supervisor"])
def test_another_center_s_lots_are_not_in_its_workspace(center_at_work, relation):
    people, lots = center_at_work
    shown = cards(get(people[relation], reverse("trading:dashboard")))
    assert not {lot.pk for name, lot in lots.items() if name != "elsewhere"} & set(shown)
    assert lots["elsewhere"].pk in shown  # its own center's deadline today


# --- the custodian, and the navigation -----------------------------------------------------------


def test_a_custodian_sees_the_openings_where_it_holds_a_share():
    people = cast()
    custodian = people["custodian"]
    today = lot_of(deadline=later_today(), state=LotState.PUBLISHED, center=people.city)
    not_mine = lot_of(deadline=later_today(), state=LotState.PUBLISHED, center=people.city)
    ceremony = KeyCeremony.objects.create(project=today.project, k=1, n=1, invited_by=people["center_staff"])
    CustodianShare.objects.create(ceremony=ceremony, custodian=custodian, index=1)
    shown = cards(get(custodian, reverse("trading:dashboard")))
    assert shown[today.pk]["section"] == "custodian-openings"
    assert shown[today.pk]["next"] == ("进入开标大厅", reverse("bidding:hall", args=[today.pk]))
    assert shown[today.pk]["links"]["我的密钥分片"] == reverse("bidding:custodian")
    assert not_mine.pk not in shown


NAV_LINKS = {"bidding:my_bids": {"bidder"}, "bidding:custodian": {"custodian"},
             "bidding:receipt_verify": set(RELATIONS), "trading:dashboard": set(RELATIONS) - {"anonymous"}}


@pytest.mark.parametrize("relation", RELATIONS)
def test_the_navigation_leads_each_role_to_its_pages(relation):
    people = cast()
    nav = re.search(r"<nav>(.*?)</nav>", get(people[relation], reverse("reporting:portal")), re.S).group(1)
    for name, relations in NAV_LINKS.items():
        assert (f'href="{reverse(name)}"' in nav) == (relation in relations), name
    if relation == "bidder":
        assert f'<a href="{reverse("bidding:my_bids")}">我的投标</a>' in nav
    if relation == "custodian":
        assert f'<a href="{reverse("bidding:custodian")}">我的密钥分片</a>' in nav


# --- secrecy before the deadline --------------------------------------------------------------------


def normalized(html: str) -> str:
    """A page without what changes from one request to the next: the CSRF token, the scripts'
    nonce and the clock."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    html = re.sub(r'data-server-now="[^"]*"', "", html)
    return re.sub(r'<time id="server-clock"[^>]*>[^<]*</time>', "", html)


def others_bid(lot, n=3):
    """Three other organizations bid on `lot`, before its deadline, every way a bidder leaves a
    trace: a key, a complete bid (one replaced), an upload under way, a withdrawal, a sign-in, the
    documents taken, its bid security recorded."""
    hall, _ = OpeningHall.objects.get_or_create(lot=lot)
    doc = document(lot.project, title="招标文件（他人下载）")
    for i in range(n):
        org = OrganizationFactory()
        user = bidder(org)
        BidderKey.objects.create(project=lot.project, organization=org, recipient=f"age1{'p' * 57}{i}", registered_by=user)
        BidFactory(lot=lot, organization=org, created_by=user, version=1,
                   state=[BidState.SUPERSEDED, BidState.UPLOADING, BidState.WITHDRAWN][i], completed_at=None)
        if i != 1:
            BidFactory(lot=lot, organization=org, created_by=user, version=2)
            SignIn.objects.create(hall=hall, organization=org, user=user, nonce="ab" * 32, at=timezone.now())
        DocumentDownload.objects.create(document=doc, organization=org, user=user)
        BidSecurity.objects.create(lot=lot, organization=org, amount="10000.00", method="transfer", reference=f"R{i}",
                                   recorded_by=lot.project.created_by)


@pytest.mark.parametrize("relation", RELATIONS)
def test_before_the_deadline_no_workspace_changes_when_others_bid(relation):
    # given the cast's project open for bidding, closing later today, the bidder with its own key
    people = cast(bid_deadline=later_today(), documents_published_at=timezone.now() - 25 * DAY)
    lot = LotFactory(project=people.project, state=LotState.PUBLISHED)
    person = people[relation]
    if relation == "bidder":
        BidderKey.objects.create(project=lot.project, organization=person.organization, recipient="age1" + "m" * 58,
                                 registered_by=person)
    if relation == "custodian":
        ceremony = KeyCeremony.objects.create(project=lot.project, k=1, n=1, invited_by=people["center_staff"])
        CustodianShare.objects.create(ceremony=ceremony, custodian=person, index=1)
    pages = [reverse("trading:dashboard")] + ([reverse("bidding:my_bids")] if relation == "bidder" else [])
    if relation == "anonymous":
        pages = [reverse("reporting:portal"), reverse("reporting:tender", args=[lot.project_id])]
    before = {url: normalized(get(person, url)) for url in pages}
    # when three other bidders bid in every way they can
    others_bid(lot)
    # then no page this person reads has changed: nothing counts, names or times their bids
    for url in pages:
        assert normalized(get(person, url)) == before[url], (relation, url)
    if relation in ("center_staff", "city_supervisor", "province_supervisor"):  # the lot is on their list
        assert lot.pk in cards(before[reverse("trading:dashboard")])
