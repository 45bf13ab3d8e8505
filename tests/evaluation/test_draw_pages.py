"""The draw's pages through the real stack: staff set up and run a lot's draw on its page, the
supervisors read it, nobody else does; the public page says only that a committee of N was drawn,
with the commitment, until the result is final; then the names, the seed and the two files, from
which tools/recompute_draw.py prints the committee the platform's members table shows."""

import json
import re
import subprocess
import sys
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluation import drawing
from evaluation.choices import DrawState, MemberState
from evaluation.draw_errors import WORDS
from evaluation.draw_services import DrawRequest, draw_committee, replace, reveal_if_final, set_up
from evaluation.models import CommitteeDraw, CommitteeMember
from trading.choices import LotState
from trading.models import Lot

from .opened import expert, later, opened_lot

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "recompute_draw.py"
OUTSIDERS = ("other_center_staff", "unrelated_supervisor", "bidder", "tenderee", "agent", "expert")


def client_for(user=None, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def staff_url(lot):
    return reverse("evaluation:draw_staff", args=[lot.pk])


def run_url(lot):
    return reverse("evaluation:draw_run", args=[lot.pk])


def public_url(lot, name="draw_public"):
    return reverse(f"evaluation:{name}", args=[lot.pk])


def local_minute(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_data(*, rows=(("A0101", 5),), **fields) -> dict:
    data = {"size": "5", "representatives": "", "region_scope": "any", "local_percent": "",
            "evaluation_at": local_minute(later()), "place": "", "answer_minutes": "30", "lookback_years": "3",
            "specialties-TOTAL_FORMS": str(len(rows)), "specialties-INITIAL_FORMS": "0",
            "specialties-MIN_NUM_FORMS": "1", "specialties-MAX_NUM_FORMS": "1000"}
    for i, (code, count) in enumerate(rows):
        data[f"specialties-{i}-specialty"] = code
        data[f"specialties-{i}-count"] = str(count)
    data.update({k: str(v) for k, v in fields.items()})
    return data


def text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))


def drawn_lot(n=8):
    """A lot with its draw set up and drawn (the services'), and an expert kept out of it."""
    o = opened_lot()
    o.pool(n, "A0101")
    o.excluded = expert(o.province, "A0101", employer=o.bidders[0])
    set_up(o.staff, o.lot.pk, DrawRequest(size=5, representatives=[], specialties=[("A0101", 5)], evaluation_at=later()))
    o.members = draw_committee(o.staff, o.lot.pk)
    return o


def unclocked(html: str) -> str:
    """A page without what differs on every request: the server's clock, nonces, CSRF tokens."""
    return re.sub(r'data-server-now="[^"]*"|<time id="server-clock".*?</time>|nonce="[^"]*"|'
                  r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def secrets(o) -> dict[str, str]:
    """What would name a member (or an excluded expert): name, account, ID number, ids."""
    found = {}
    for m in CommitteeMember.objects.filter(draw__lot=o.lot).select_related("expert__user"):
        for value in (m.expert.user.full_name, m.expert.user.username, m.expert.id_number, str(m.expert_id), str(m.pk)):
            found[value] = m.expert.user.username
    for value in (o.excluded.user.full_name, o.excluded.id_number, str(o.excluded.pk)):
        found[value] = "excluded"
    return found


# --- set-up --------------------------------------------------------------------------------------


def test_staff_set_up_the_draw_through_the_form_and_read_its_commitment_and_exclusions():
    o = opened_lot()
    o.pool(6, "A0101")
    kept_out = expert(o.province, "A0101", employer=o.bidders[0])
    clerk = client_for(o.staff)
    page = clerk.get(staff_url(o.lot))
    assert page.status_code == 200 and 'id="draw-set-up"' in page.content.decode()
    assert '<optgroup label="A01 Building works">' in page.content.decode()
    when = local_minute(later(30))
    done = clerk.post(staff_url(o.lot), form_data(evaluation_at=when, place="第2评标室", answer_minutes=45), follow=True)
    draw = CommitteeDraw.objects.get(lot=o.lot)
    assert draw.size == 5 and draw.groups == [{"specialty": "A0101", "scope": "any", "count": 5}]
    assert local_minute(draw.evaluation_at) == when and draw.place == "第2评标室" and draw.answer_minutes == 45
    said = text(done)
    assert "The draw is set up" in said
    assert draw.commitment in said and draw.snapshot_digest in said and "Eligible experts in the snapshot 6" in said
    exclusions = re.search(r'<table id="draw-exclusions">(.*?)</table>', done.content.decode(), re.S).group(1)
    number = kept_out.id_number
    assert kept_out.user.full_name in exclusions and f"{number[:4]}{'*' * 10}{number[-4:]}" in exclusions
    assert number not in done.content.decode()
    assert "Employed by a bidder" in exclusions and o.bidders[0].name in exclusions
    assert 'id="draw-run"' in done.content.decode() and "data-confirm=" in done.content.decode()


def test_a_mix_and_two_specialties_and_the_tenderee_s_representatives_are_set_up_as_typed():
    o = opened_lot()
    o.pool(4, "A0101", region="450103")
    o.pool(4, "A0101", region="450203")
    o.pool(3, "A0601", region="450103")
    client_for(o.staff).post(staff_url(o.lot), form_data(
        size=7, representatives="王代表\n\n  李代表  ", region_scope="mix", local_percent=50,
        rows=(("A0101", 4), ("A0601", 1))))
    draw = CommitteeDraw.objects.get(lot=o.lot)
    assert draw.tenderee_reps == ["王代表", "李代表"] and draw.local_percent == 50
    assert draw.groups == [{"specialty": "A0101", "scope": "local", "count": 2},
                           {"specialty": "A0101", "scope": "remote", "count": 2},
                           {"specialty": "A0601", "scope": "local", "count": 1}]  # half of one, rounded up


@pytest.mark.parametrize("fields, says, kept", [
    ({"size": 6, "rows": (("A0101", 6),)}, "5 or more members, an odd number", 'name="size" value="6"'),
    ({"size": 5, "representatives": "甲\n乙", "rows": (("A0101", 3),)}, "at most one third", "甲\n乙</textarea>"),
    ({"size": 5, "rows": (("A0101", 4),)}, "ask for 4 experts, but the committee draws 5",
     'name="specialties-0-count" value="4"'),
    ({"size": 5, "rows": (("A0101", 2), ("A0601", 3))}, "A0601 工程造价",
     '<option value="A0601" selected>'),
    ({"evaluation_at": "2020-01-06T09:30"}, "The evaluation must start later than now", 'value="2020-01-06T09:30"'),
])
def test_each_refusal_is_shown_on_the_form_with_what_was_typed(fields, says, kept):
    o = opened_lot()
    o.pool(6, "A0101")
    o.pool(1, "A0601")
    page = client_for(o.staff).post(staff_url(o.lot), form_data(place="第3评标室", **fields))
    html = page.content.decode()
    assert page.status_code == 200 and not CommitteeDraw.objects.exists()
    refusal = re.search(r'id="draw-refusal">(.*?)</div>', html, re.S)
    assert refusal and says in refusal.group(1), html[:3000]
    assert kept in html and 'value="第3评标室"' in html


def test_a_short_specialty_is_named_in_chinese_on_the_chinese_page():
    o = opened_lot()
    o.pool(6, "A0101")
    o.pool(1, "A0601")
    page = client_for(o.staff, "zh-hans").post(staff_url(o.lot), form_data(rows=(("A0101", 2), ("A0601", 3))))
    assert "A0601 工程造价：缺2人" in text(page) and not CommitteeDraw.objects.exists()


def test_adding_a_row_without_script_brings_the_form_back_with_one_more_row_and_no_judgement():
    o = opened_lot()
    page = client_for(o.staff).post(staff_url(o.lot), {**form_data(size=""), "add_specialty": "1"})
    html = page.content.decode()
    assert 'name="specialties-TOTAL_FORMS" value="2"' in html and 'name="specialties-1-specialty"' in html
    assert "form-summary" not in html and not CommitteeDraw.objects.exists()


# --- the draw --------------------------------------------------------------------------------------


def test_the_draw_is_asked_once_then_taken_and_the_members_table_shows_each_pick():
    o = opened_lot()
    o.pool(8, "A0101")
    clerk = client_for(o.staff)
    clerk.post(staff_url(o.lot), form_data())
    asked = clerk.post(run_url(o.lot))
    assert asked.status_code == 200 and "Draw the committee of" in text(asked) and "cannot be undone" in text(asked)
    assert 'name="confirmed" value="yes"' in asked.content.decode() and not CommitteeMember.objects.exists()
    done = clerk.post(run_url(o.lot), {"confirmed": "yes"}, follow=True)
    members = list(CommitteeMember.objects.filter(draw__lot=o.lot).select_related("expert__user"))
    assert len(members) == 5 and "5 experts drawn and notified" in text(done)
    table = re.search(r'<table id="draw-members">(.*?)</table>', done.content.decode(), re.S).group(1)
    for m in members:
        assert m.expert.user.full_name in table and f'data-expert="{m.expert_id}"' in table
    assert table.count("Awaiting answer") == 5 and table.count("A0101 Housing and buildings") == 5
    assert 'id="draw-run"' not in done.content.decode()
    again = clerk.post(run_url(o.lot), {"confirmed": "yes"}, follow=True)
    assert "drawn already" in text(again) and CommitteeMember.objects.count() == 5


def test_a_replacement_is_listed_with_whom_it_replaces_and_a_short_pool_is_named():
    o = opened_lot()
    o.pool(6, "A0101")
    set_up(o.staff, o.lot.pk, DrawRequest(size=5, representatives=[], specialties=[("A0101", 5)], evaluation_at=later()))
    members = draw_committee(o.staff, o.lot.pk)
    members[1].state, members[1].reason = MemberState.DECLINED, "出差在外"
    members[1].save()
    new = replace(member=members[1])
    members[2].state = MemberState.EXPIRED
    members[2].save()
    assert replace(member=members[2]) is None
    page = client_for(o.staff).get(staff_url(o.lot))
    row = re.search(rf'<tr class="member member-notified" data-expert="{new.expert_id}">(.*?)</tr>',
                    page.content.decode(), re.S).group(1)
    assert members[1].expert.user.full_name in row
    assert "出差在外" in page.content.decode() and "No answer in time" in text(page)
    short = re.search(r'id="draw-short">(.*?)</div>', page.content.decode(), re.S).group(1)
    assert "A0101" in short and "1 too few" in short


# --- who may read and act --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["city_supervisor", "province_supervisor"])
def test_supervisors_read_the_draw_and_may_neither_set_it_up_nor_run_it(who):
    o = opened_lot()
    o.pool(6, "A0101")
    reader = client_for(o.people[who])
    before = reader.get(staff_url(o.lot))
    assert before.status_code == 200 and 'id="draw-set-up"' not in before.content.decode()
    assert reader.post(staff_url(o.lot), form_data()).status_code == 403
    assert not CommitteeDraw.objects.exists()
    set_up(o.staff, o.lot.pk, DrawRequest(size=5, representatives=[], specialties=[("A0101", 5)], evaluation_at=later()))
    assert 'id="draw-run"' not in reader.get(staff_url(o.lot)).content.decode()
    assert reader.post(run_url(o.lot), {"confirmed": "yes"}).status_code == 403
    assert not CommitteeMember.objects.exists()
    members = draw_committee(o.staff, o.lot.pk)
    page = reader.get(staff_url(o.lot)).content.decode()
    assert all(m.expert.user.full_name in page for m in members)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_else_reads_the_staff_page_or_acts_on_it(who):
    o = opened_lot()
    o.pool(6, "A0101")
    outsider = client_for(o.people[who])
    assert outsider.get(staff_url(o.lot)).status_code in (403, 404)
    assert outsider.post(staff_url(o.lot), form_data()).status_code in (403, 404)
    assert not CommitteeDraw.objects.exists()
    set_up(o.staff, o.lot.pk, DrawRequest(size=5, representatives=[], specialties=[("A0101", 5)], evaluation_at=later()))
    assert outsider.post(run_url(o.lot), {"confirmed": "yes"}).status_code in (403, 404)
    assert not CommitteeMember.objects.exists()


def test_the_public_is_sent_to_log_in_and_changes_nothing():
    o = opened_lot()
    o.pool(6, "A0101")
    anonymous = client_for()
    for response in (anonymous.get(staff_url(o.lot)), anonymous.post(staff_url(o.lot), form_data())):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    set_up(o.staff, o.lot.pk, DrawRequest(size=5, representatives=[], specialties=[("A0101", 5)], evaluation_at=later()))
    assert anonymous.post(run_url(o.lot), {"confirmed": "yes"}).status_code == 302
    assert CommitteeDraw.objects.get().state == DrawState.COMMITTED and not CommitteeMember.objects.exists()


# --- the public page -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [None, "bidder", "tenderee", "agent", "other_center_staff"])
def test_before_the_result_the_public_page_says_a_committee_of_n_was_drawn_and_names_nobody(who):
    o = drawn_lot()
    draw = CommitteeDraw.objects.get(lot=o.lot)
    staff_page = client_for(o.staff).get(staff_url(o.lot)).content.decode()
    names_and_ids = [m.expert.user.full_name for m in o.members] + [str(m.expert_id) for m in o.members]
    assert all(value in staff_page for value in names_and_ids)  # the control: the staff page names them
    reader = client_for(o.people[who] if who else None)
    page = reader.get(public_url(o.lot))
    assert page.status_code == 200
    said = text(page)
    assert "An evaluation committee of 5 members was drawn." in said
    assert draw.commitment in said and draw.snapshot_digest in said and "A0101 Housing and buildings" in said
    html = page.content.decode()
    assert [value for value in secrets(o) if value in html] == []
    assert draw.seed not in html and 'id="draw-committee"' not in html
    for name in ("draw_json", "draw_snapshot"):
        assert reader.get(public_url(o.lot, name)).status_code == 404
    # a decline and its replacement change nothing the public reads
    o.members[0].state, o.members[0].reason = MemberState.DECLINED, "回避"
    o.members[0].save()
    replace(member=o.members[0])
    assert unclocked(reader.get(public_url(o.lot)).content.decode()) == unclocked(html)


def test_the_files_are_not_published_before_the_result_even_to_the_draw_s_staff():
    o = drawn_lot()
    clerk = client_for(o.staff)
    assert clerk.get(public_url(o.lot, "draw_json")).status_code == 404
    assert clerk.get(public_url(o.lot, "draw_snapshot")).status_code == 404
    Lot.objects.filter(pk=o.lot.pk).update(state=LotState.AWARDED)  # final, but the seed not revealed yet
    assert clerk.get(public_url(o.lot, "draw_json")).status_code == 404


def test_a_lot_without_a_draw_or_a_project_not_published_has_no_public_draw_page():
    o = opened_lot()
    assert client_for().get(public_url(o.lot)).status_code == 404
    o2 = drawn_lot()
    type(o2.lot.project).objects.filter(pk=o2.lot.project_id).update(documents_published_at=None)
    assert client_for().get(public_url(o2.lot)).status_code == 404
    assert client_for(o2.people["bidder"]).get(public_url(o2.lot)).status_code == 404


def members_table(page: str) -> list[int]:
    """The seated members of the staff page's table, by expert id, in order of pick."""
    return [int(e) for state, e in re.findall(r'<tr class="member member-(\w+)" data-expert="(\d+)">', page)
            if state in (MemberState.NOTIFIED, MemberState.CONFIRMED)]


def test_after_the_result_the_names_seed_and_files_are_published_and_the_script_prints_the_committee(tmp_path):
    o = drawn_lot()
    o.members[3].state, o.members[3].reason = MemberState.DECLINED, "身体原因"
    o.members[3].save()
    replacement = replace(member=o.members[3])
    lot = Lot.objects.get(pk=o.lot.pk)
    lot.state = LotState.AWARDED
    lot.save()
    assert reveal_if_final(lot=lot, now=timezone.now() + timedelta(seconds=1)) is not None
    draw = CommitteeDraw.objects.get(lot=lot)
    anonymous = client_for()
    page = anonymous.get(public_url(lot))
    committee = re.search(r'<table id="draw-committee">(.*?)</table>', page.content.decode(), re.S).group(1)
    seated = [m for m in o.members if m.pk != o.members[3].pk] + [replacement]
    for m in seated:
        assert CommitteeMember.objects.get(pk=m.pk).expert.user.full_name in committee
    assert o.members[3].expert.user.full_name not in committee
    assert draw.seed in page.content.decode() and len(draw.seed) == 64
    drawn = anonymous.get(public_url(lot, "draw_json"))
    snapshot = anonymous.get(public_url(lot, "draw_snapshot"))
    assert drawn.status_code == snapshot.status_code == 200
    assert drawn["Content-Type"] == snapshot["Content-Type"] == "application/json"
    assert snapshot.content == draw.snapshot.encode() and json.loads(drawn.content)["seed"] == draw.seed
    (tmp_path / "draw.json").write_bytes(drawn.content)
    (tmp_path / "snapshot.json").write_bytes(snapshot.content)
    done = subprocess.run([sys.executable, "-I", str(SCRIPT), "draw.json", "snapshot.json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1] == "OK: matches the published committee"
    printed = [int(line.split()[1]) for line in lines[:-1]]
    table = members_table(client_for(o.staff).get(staff_url(lot)).content.decode())
    assert printed == table and len(printed) == 5 and replacement.expert_id in printed
    assert drawing.verify_seed(draw.commitment, json.loads(drawn.content)["lot"], draw.snapshot_digest,
                               bytes.fromhex(draw.seed))


# --- links, the workspace, the words ------------------------------------------------------------


def test_the_project_page_and_the_tender_page_link_the_draw_s_pages():
    o = drawn_lot()
    project_page = client_for(o.staff).get(reverse("trading:project", args=[o.lot.project_id])).content.decode()
    assert f'href="{staff_url(o.lot)}"' in project_page
    tenderee_page = client_for(o.people["tenderee"]).get(reverse("trading:project", args=[o.lot.project_id]))
    assert f'href="{staff_url(o.lot)}"' not in tenderee_page.content.decode()
    tender_page = client_for().get(reverse("reporting:tender", args=[o.lot.project_id])).content.decode()
    assert f'href="{public_url(o.lot)}"' in tender_page


def test_the_workspace_lists_the_lots_waiting_for_their_draw_until_it_is_drawn():
    o = opened_lot()
    o.pool(6, "A0101")
    section = re.compile(r'id="awaiting-draw".*?</section>', re.S)

    def listed(user):
        page = client_for(user).get(reverse("trading:dashboard")).content.decode()
        found = section.search(page)
        return found is not None and f'href="{staff_url(o.lot)}"' in found.group(0)

    assert listed(o.staff) and listed(o.people["city_supervisor"]) and not listed(o.people["other_center_staff"])
    set_up(o.staff, o.lot.pk, DrawRequest(size=5, representatives=[], specialties=[("A0101", 5)], evaluation_at=later()))
    assert listed(o.staff)
    draw_committee(o.staff, o.lot.pk)
    assert not listed(o.staff)


def test_every_refusal_code_of_the_pure_draw_has_its_words():
    source = (Path(drawing.__file__)).read_text(encoding="utf-8")
    codes = set(re.findall(r'code="(\w+)"', source)) - {"unreachable"}
    assert codes and codes <= set(WORDS)


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bare = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "table" and not any(t == "div" and "table-wrap" in (c or "") for t, c in self.stack[-1:]):
            self.bare += 1
        if tag not in ("br", "input", "meta", "link", "img", "hr"):
            self.stack.append((tag, dict(attrs).get("class")))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break


def test_every_table_of_the_draw_s_pages_scrolls_in_its_own_frame_on_a_phone():
    fresh = opened_lot()
    o = drawn_lot()
    Lot.objects.filter(pk=o.lot.pk).update(state=LotState.AWARDED)
    reveal_if_final(lot=Lot.objects.get(pk=o.lot.pk), now=timezone.now())
    pages = [client_for(o.staff).get(staff_url(o.lot)), client_for().get(public_url(o.lot)),
             client_for(fresh.staff).get(staff_url(fresh.lot))]
    for page in pages:
        html = page.content.decode()
        parser = _Tables()
        parser.feed(html)
        assert page.status_code == 200 and parser.bare == 0
    assert all("<table" in p.content.decode() for p in pages[:2]) and 'id="draw-set-up"' in pages[2].content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in pages[0].content.decode()
