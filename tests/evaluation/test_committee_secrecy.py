"""Nobody learns who sits on a committee before the result is final (招标投标法 第四十四条;
实施条例 第四十六条): not a bidder, the tenderee, its agent, the public, another expert, a key
custodian, staff of another center or a supervisor not over the lot. Tried over every GET route
of the site (tests/evaluation/routes.py), filled with the ids of the draw, its seats and experts.

They may learn that a committee of N was drawn; not how many declined or were replaced: every
page they read is the same before and after a decline and its replacement. The draw's staff, the
supervisors over the lot and each member (their own seat) do read names: the positive controls,
without which a walk that reached nothing would pass. Once the result is final the names are
public. Each member's email and text message names no other member."""

import re
from datetime import datetime, timezone as tz

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core import mail

from evaluation import answers, sms
from evaluation.models import CommitteeMember
from tests.evaluation.drawn import Drawn, drawn, evaluated_lot
from tests.evaluation.factories import ExpertFactory
from tests.evaluation.routes import walk
from tests.trading.factories import CenterFactory, UserFactory, bidder, document, party, staff, supervisor
from trading.choices import CenterLevel, LotState, Role

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 20, 2, 0, tzinfo=tz.utc)  # 10:00 Beijing time: one instant for both walks
OUTSIDERS = ["bidder of the lot", "another bidder", "tenderee", "agent", "the public", "another expert",
             "custodian", "staff of another center", "supervisor not over the lot"]
# Staff and supervisors of the network's centers read the shared pool (evaluation.rules.reads_the_pool):
# every expert's name, members' and others' alike. To them a page may name a member, but never
# beside the lot: it must not tell that this expert sits on this committee.
POOL_READERS = {"staff of another center", "supervisor not over the lot"}
INSIDERS = ["the draw's staff", "city supervisor", "province supervisor"]


class Scene:
    """A lot in evaluation at a city center, its committee of five drawn and notified, one seat
    confirmed (so the trail names its expert), and everyone around it."""

    def __init__(self):
        self.province = CenterFactory(level=CenterLevel.PROVINCE, region_code="450000")
        self.city = CenterFactory(level=CenterLevel.CITY, parent=self.province, region_code="450100")
        self.sibling = CenterFactory(level=CenterLevel.CITY, parent=self.province, region_code="450200")
        lot = evaluated_lot(bidders=3, center=self.city)
        document(lot.project)
        # the pool of the lot's specialty: six experts, five drawn; the sixth is the replacement
        # a decline draws, in the pool from the start
        pool = [ExpertFactory(pool=self.province, user__username=f"secret-member-{i}", user__full_name=f"密评委{'甲乙丙丁戊己'[i]}",
                              user__email=f"secret{i}@mail.example.cn", phone=f"1865550{i:04d}") for i in range(6)]
        self.committee: Drawn = drawn(lot, n=5, experts=pool)
        # another lot's committee, of another specialty, on which "another expert" sits
        other_lot = evaluated_lot(bidders=1, center=self.sibling)
        others = [ExpertFactory(pool=self.province, specialties=["A0201"]) for _ in range(5)]
        self.other_expert = others[0]
        drawn(other_lot, n=5, experts=others, specialty="A0201")
        project = lot.project
        first = self.committee.members[0]
        answers.answer(first.expert.user, first.pk, accept=True)
        self.people = {
            "bidder of the lot": self.committee.bids[0].created_by,
            "another bidder": bidder(),
            "tenderee": party(Role.TENDEREE, project.tenderee),
            "agent": party(Role.AGENT, project.agent),
            "the public": AnonymousUser(),
            "another expert": self.other_expert.user,
            "custodian": UserFactory(role=Role.CUSTODIAN),
            "staff of another center": staff(self.sibling),
            "supervisor not over the lot": supervisor(self.sibling),
            "the draw's staff": self.committee.staff,
            "city supervisor": supervisor(self.city),
            "province supervisor": supervisor(self.province),
        }

    @property
    def lot(self):
        return self.committee.lot

    def seats(self):
        return list(CommitteeMember.objects.filter(draw=self.committee.draw).select_related("expert__user"))

    def ids(self):
        """The ints and uuids the routes are filled with: the tender's, the draw's and each seat's."""
        seats = self.seats()
        ints = {self.lot.pk, self.lot.project_id, self.committee.draw.pk, *(d.pk for d in self.lot.project.documents.all())}
        ints |= {s.pk for s in seats} | {s.expert_id for s in seats} | {s.expert.user_id for s in seats}
        return sorted(ints), []

    def lot_words(self) -> list[str]:
        """What ties a page to this lot: its project's code and name, its lot's name, the draw's id."""
        project = self.lot.project
        return [project.code, project.name, self.lot.name, str(self.committee.draw.pk)]

    def secrets(self) -> dict[str, str]:
        """{text: whose} for what would name a member: name, account, ID number, phone, email, ids."""
        found = {}
        for s in self.seats():
            user = s.expert.user
            for text in (user.full_name, user.username, user.email, s.expert.id_number, s.expert.phone,
                         str(s.expert_id), str(s.pk)):
                if text:
                    found[text] = user.username
        return found

    def decline_and_replace(self, i=1):
        """Seat `i` declines; the draw seats the one expert left in the pool in its place."""
        member = self.committee.member(i)
        answers.answer(member.expert.user, member.pk, accept=False, reason="本人回避")
        return CommitteeMember.objects.get(replaces=member)


def leaks(shown: dict, secrets: dict) -> list[str]:
    """What names a member on the pages, beyond the page's own address (which the reader typed:
    every page repeats it, for the language switch to come back to)."""
    return [f"{url} ({status}) shows {text!r} of {whose}" for url, (status, page) in shown.items()
            for text, whose in secrets.items() if text in page.replace(url, "")]


def beside_the_lot(shown: dict, secrets: dict, lot_words: list[str]) -> dict:
    """The pages that name a member and also the lot: a pool reader's leaks."""
    return {url: shown[url] for url in shown if any(word in shown[url][1] for word in lot_words)
            and leaks({url: shown[url]}, secrets)}


def broken(shown: dict) -> list[str]:
    return [url for url, (status, _page) in shown.items() if status >= 500]


def normalized(page: str) -> str:
    """A page without what differs on every request (CSRF tokens, CSP nonces)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r'nonce="[^"]*"', "", page)


@pytest.fixture
def scene():
    with time_machine.travel(AT, tick=False):
        yield Scene()


@pytest.mark.parametrize("who", OUTSIDERS)
def test_before_the_result_no_route_names_a_member_or_counts_the_declines(scene, who):
    reader = scene.people[who]
    with time_machine.travel(AT, tick=False):
        ints, uuids = scene.ids()
        before = walk(reader, ints, uuids)
        scene.decline_and_replace(1)
        ints, uuids = scene.ids()
        after = walk(reader, ints, uuids)
    assert len(after) > 60, "the walk reached too few pages to say anything"
    assert broken(after) == []
    for shown in (before, after):
        if who in POOL_READERS:
            shown = beside_the_lot(shown, scene.secrets(), scene.lot_words())
        assert leaks(shown, scene.secrets()) == []
    changed = [url for url in before if url in after and normalized(before[url][1]) != normalized(after[url][1])]
    assert changed == [], "a decline and its replacement changed what this reader sees"


@pytest.mark.parametrize("who", INSIDERS)
def test_the_draw_s_staff_and_the_supervisors_over_the_lot_read_the_names(scene, who):
    with time_machine.travel(AT, tick=False):
        ints, uuids = scene.ids()
        shown = walk(scene.people[who], ints, uuids)
    assert broken(shown) == []
    assert leaks(shown, scene.secrets()), f"{who} read no member's name anywhere"


def test_a_member_reads_their_own_seat(scene):
    member = scene.committee.member(2)
    with time_machine.travel(AT, tick=False):
        ints, uuids = scene.ids()
        shown = walk(member.expert.user, ints, uuids)
    assert broken(shown) == []
    status, page = shown["/invitations/"]
    assert status == 200 and str(member.pk) in page and member.expert.user.full_name in page


def test_once_the_result_is_final_the_public_reads_the_names(scene):
    with time_machine.travel(AT, tick=False):
        scene.lot.state = LotState.AWARDED
        scene.lot.save()
        ints, uuids = scene.ids()
        shown = walk(AnonymousUser(), ints, uuids)
    names = {s.expert.user.full_name: s.expert.user.username for s in scene.seats()}
    assert leaks(shown, names)


def test_no_member_s_email_or_text_message_names_another_member(django_capture_on_commit_callbacks, caplog):
    caplog.set_level("INFO", logger="kaibiao.sms")
    lot = evaluated_lot()
    experts = [ExpertFactory(pool=lot.project.center.parent, user__email=f"m{i}@example.cn", user__full_name=f"评委{i}号")
               for i in range(7)]
    with django_capture_on_commit_callbacks(execute=True):
        committee = drawn(lot, n=5, experts=experts)
    texts = [r.getMessage() for r in caplog.records if r.name == "kaibiao.sms"]
    assert len(mail.outbox) == 5 and len(texts) == 5
    for member in committee.members:
        email = next(e for e in mail.outbox if e.to == [member.expert.user.email])
        text = next(t for t in texts if sms.mask(member.expert.phone) in t)
        assert member.expert.user.display_name in email.body  # the positive control: their own name
        for other in committee.members:
            if other.pk != member.pk:
                for secret in (other.expert.user.display_name, other.expert.user.username, other.expert.phone,
                               other.expert.id_number, other.expert.user.email):
                    assert secret not in email.body + email.subject and secret not in text
