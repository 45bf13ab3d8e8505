"""The draw's services on the real database: the committee's rules, every exclusion with its
reason, the commitment before the draw, the draw the published rule gives, and replacements."""

import json
from datetime import date, timedelta

import pytest
from django.utils import timezone

from evaluation import drawing
from evaluation.choices import DrawState, ExpertStatus, MemberState
from evaluation.draw_services import DrawRequest, draw_committee, lot_label, published, replace, set_up
from evaluation.models import Absence, CommitteeDraw, CommitteeMember, Employment, Relation
from trading import audit
from trading.errors import PermissionDenied, RuleViolation
from trading.models import AuditEvent

from .opened import expert, later, opened_lot

pytestmark = pytest.mark.django_db


def request(size=5, reps=(), specialties=(("A0101", 5),), **kw):
    return DrawRequest(size=size, representatives=list(reps), specialties=list(specialties), evaluation_at=later(), **kw)


def excluded(draw) -> dict:
    return {e["expert"]: [r["reason"] for r in e["reasons"]] for e in draw.exclusions}


def eligible(draw) -> set:
    return {e["id"] for e in json.loads(draw.snapshot)["experts"]}


# --- the committee's rules ---------------------------------------------------------------------


@pytest.mark.parametrize("size,reps,needle", [
    (4, 0, "须为5人以上单数"),
    (3, 0, "须为5人以上单数"),
    (6, 0, "须为5人以上单数"),
    (5, 2, "不得超过评标委员会成员总数的三分之一"),
    (7, 3, "7人中至多2人"),
])
def test_the_committee_rules_refuse_a_wrong_size_or_too_many_representatives(size, reps, needle):
    o = opened_lot()
    o.pool(10, "A0101")
    with pytest.raises(RuleViolation, match=needle):
        set_up(o.staff, o.lot.pk, request(size, [f"代表{i}" for i in range(reps)], [("A0101", size - reps)]))
    assert not CommitteeDraw.objects.exists()


def test_government_procurement_of_ten_million_needs_seven():
    o = opened_lot(category="goods", budget="10000000.00")
    o.pool(10, "B0101")
    with pytest.raises(RuleViolation, match="须为7人以上单数"):
        set_up(o.staff, o.lot.pk, request(5, specialties=[("B0101", 5)]))
    draw = set_up(o.staff, o.lot.pk, request(7, ["采购人代表"], [("B0101", 6)]))
    assert draw.drawn_count == 6 and draw.tenderee_reps == ["采购人代表"]


def test_works_of_ten_million_still_needs_only_five():
    o = opened_lot(category="works", budget="10000000.00")
    o.pool(6, "A0101")
    assert set_up(o.staff, o.lot.pk, request(5)).size == 5


def test_the_specialties_must_ask_exactly_the_drawn_experts():
    o = opened_lot()
    o.pool(10, "A0101")
    with pytest.raises(RuleViolation, match="各专业合计4人，但应抽取5人"):
        set_up(o.staff, o.lot.pk, request(5, specialties=[("A0101", 4)]))
    with pytest.raises(RuleViolation, match="专业代码不存在或已停用：Z9999"):
        set_up(o.staff, o.lot.pk, request(5, specialties=[("A0101", 4), ("Z9999", 1)]))


def test_a_short_specialty_is_named_with_how_many_are_missing():
    o = opened_lot()
    o.pool(6, "A0101")
    o.pool(1, "A0601")
    with pytest.raises(RuleViolation) as refused:
        set_up(o.staff, o.lot.pk, request(5, specialties=[("A0101", 2), ("A0601", 3)]))
    assert "A0601" in str(refused.value) and "缺2人" in str(refused.value) and "A0101" not in str(refused.value)


def test_only_the_lots_own_center_staff_set_up_and_draw():
    o = opened_lot()
    o.pool(6, "A0101")
    for outsider in (o.people["other_center_staff"], o.people["city_supervisor"], o.people["tenderee"],
                     o.people["bidder"], o.people["expert"]):
        with pytest.raises(PermissionDenied):
            set_up(outsider, o.lot.pk, request())
    draw = set_up(o.staff, o.lot.pk, request())
    with pytest.raises(PermissionDenied):
        draw_committee(o.people["province_supervisor"], o.lot.pk)
    assert draw.state == DrawState.COMMITTED and not draw.members.exists()


def test_the_draw_waits_for_the_opening():
    o = opened_lot()
    o.pool(6, "A0101")
    type(o.lot).objects.filter(pk=o.lot.pk).update(state="opening")
    with pytest.raises(RuleViolation, match="在开标后"):
        set_up(o.staff, o.lot.pk, request())


# --- exclusions --------------------------------------------------------------------------------


def test_each_exclusion_keeps_its_expert_out_with_its_reason():
    o = opened_lot()
    bidder, tenderee = o.bidders[0], o.lot.project.tenderee
    o.bidders[1].contact_name = "李四"
    o.bidders[1].save()
    fine = o.pool(6, "A0101")
    at_bidder = expert(o.province, "A0101", employer=bidder)
    at_tenderee = expert(o.province, "A0101", employer=tenderee)
    lately = expert(o.province, "A0101")
    Employment.objects.create(expert=lately, employer_name=bidder.name, employer_uscc=bidder.uscc,
                              started_on=date(2015, 1, 1), ended_on=timezone.localdate() - timedelta(days=400))
    long_ago = expert(o.province, "A0101")
    Employment.objects.create(expert=long_ago, employer_name=bidder.name, employer_uscc=bidder.uscc,
                              started_on=date(2005, 1, 1), ended_on=date(2010, 1, 1))
    related = expert(o.province, "A0101")
    Relation.objects.create(expert=related, kind="company", name=o.bidders[2].name, uscc=o.bidders[2].uscc, note="配偶任职")
    knows = expert(o.province, "A0101")
    Relation.objects.create(expert=knows, kind="person", name="李 四", note="同学")
    suspended = expert(o.province, "A0101", status=ExpertStatus.SUSPENDED, status_reason="违规")
    away = expert(o.province, "A0101")
    day = timezone.localtime(later()).date()
    Absence.objects.create(expert=away, starts_on=day - timedelta(days=1), ends_on=day + timedelta(days=2))
    away_other_day = expert(o.province, "A0101")
    Absence.objects.create(expert=away_other_day, starts_on=day + timedelta(days=3), ends_on=day + timedelta(days=5))
    elsewhere_specialty = expert(o.province, "A0601", employer=bidder)
    retired = expert(o.province, "A0101", status=ExpertStatus.RETIRED)

    draw = set_up(o.staff, o.lot.pk, request())
    reasons = excluded(draw)
    assert reasons == {
        at_bidder.pk: ["employed_by_bidder"], at_tenderee.pk: ["employed_by_tenderee"],
        lately.pk: ["employed_by_bidder"], related.pk: ["related"], knows.pk: ["related"],
        suspended.pk: ["suspended"], away.pk: ["away"],
    }
    assert eligible(draw) == {e.pk for e in fine} | {long_ago.pk, away_other_day.pk}
    assert elsewhere_specialty.pk not in reasons and retired.pk not in reasons  # never in the asked pool
    detail = {e["expert"]: e["reasons"][0]["detail"] for e in draw.exclusions}
    assert detail[at_bidder.pk] == bidder.name and bidder.name in detail[lately.pk]
    event = AuditEvent.objects.get(action="draw.screened")
    assert event.data["excluded"] == {"away": 1, "employed_by_bidder": 2, "employed_by_tenderee": 1, "related": 2,
                                      "suspended": 1}


def test_a_member_of_an_earlier_committee_of_the_project_is_kept_out():
    o = opened_lot()
    o.pool(6, "A0101")
    from tests.trading.factories import LotFactory

    sibling = LotFactory(project=o.lot.project, state="evaluation", number=o.lot.number + 1)
    earlier = expert(o.province, "A0101")
    other = CommitteeDraw.objects.create(
        lot=sibling, size=5, evaluation_at=later(), groups=[], snapshot="{}", snapshot_digest="0" * 64, seed="0" * 64,
        commitment="0" * 64, set_up_by=o.staff, set_up_at=timezone.now())
    CommitteeMember.objects.create(draw=other, expert=earlier, pick=0, group=0, state=MemberState.CONFIRMED,
                                   notified_at=timezone.now(), answer_due=timezone.now())
    draw = set_up(o.staff, o.lot.pk, request())
    assert excluded(draw)[earlier.pk] == ["sat_on_project"]


def test_remote_draw_keeps_the_lots_own_region_out_and_local_keeps_the_rest_out():
    o = opened_lot()  # the project is in 450100 (南宁)
    near = o.pool(3, "A0101", region="450103")
    far = o.pool(6, "A0101", region="450203")
    remote = set_up(o.staff, o.lot.pk, request(region_scope="remote"))
    assert eligible(remote) == {e.pk for e in far}
    assert {excluded(remote)[e.pk][0] for e in near} == {"same_region"}
    CommitteeDraw.objects.all().delete()
    o.pool(3, "A0101", region="450105")
    local = set_up(o.staff, o.lot.pk, request(region_scope="local"))
    assert {excluded(local)[e.pk][0] for e in far} == {"other_region"}


def test_a_mix_splits_each_specialty_by_the_share_from_the_lots_region():
    o = opened_lot()
    o.pool(4, "A0101", region="450103")
    o.pool(4, "A0101", region="450203")
    draw = set_up(o.staff, o.lot.pk, request(region_scope="mix", local_percent=40))
    assert draw.groups == [{"specialty": "A0101", "scope": "local", "count": 2},
                           {"specialty": "A0101", "scope": "remote", "count": 3}]
    members = draw_committee(o.staff, o.lot.pk)
    local = {e.pk for e in o.experts if e.region_code.startswith("4501")}
    assert sum(m.expert_id in local for m in members) == 2


# --- the commitment, the draw, the replacement -------------------------------------------------


def test_the_commitment_is_published_before_the_draw_and_binds_seed_and_snapshot():
    o = opened_lot()
    o.pool(8, "A0101")
    draw = set_up(o.staff, o.lot.pk, request())
    committed = AuditEvent.objects.get(action="draw.committed")
    assert committed.data["commitment"] == draw.commitment and "seed" not in json.dumps(committed.data)
    label = lot_label(o.lot)
    assert draw.snapshot_digest == drawing.snapshot_digest(label, json.loads(draw.snapshot)["experts"])
    assert drawing.verify_seed(draw.commitment, label, draw.snapshot_digest, bytes.fromhex(draw.seed))
    members = draw_committee(o.staff, o.lot.pk)
    expected = drawing.draw(label, bytes.fromhex(draw.seed), json.loads(draw.snapshot)["experts"], draw.groups)
    assert [m.expert_id for m in members] == list(expected.committee)
    assert all(m.state == MemberState.NOTIFIED and m.answer_due == m.notified_at + timedelta(minutes=30) for m in members)
    assert AuditEvent.objects.filter(action="draw.committed").get().seq < AuditEvent.objects.get(action="draw.drawn").seq
    with pytest.raises(RuleViolation, match="已抽取"):
        draw_committee(o.staff, o.lot.pk)


def test_a_declined_member_is_replaced_by_the_same_rule():
    o = opened_lot()
    o.pool(8, "A0101")
    set_up(o.staff, o.lot.pk, request())
    members = draw_committee(o.staff, o.lot.pk)
    leaving = members[2]
    leaving.state, leaving.reason = MemberState.DECLINED, "出差"
    leaving.save()
    new = replace(member=leaving)
    assert new.pick == 5 and new.replaces == leaving and new.expert_id not in {m.expert_id for m in members}
    assert replace(member=leaving) is None  # replaced once only
    draw = CommitteeDraw.objects.get()
    assert published(draw)["committee"] == [m.expert_id for m in members if m != leaving] + [new.expert_id]
    event = AuditEvent.objects.get(action="draw.replaced")
    assert event.data["reason"] == "出差" and event.data["replacement_expert"] == new.expert_id


def test_a_pool_run_dry_marks_the_draw_short():
    o = opened_lot()
    o.pool(5, "A0101")
    set_up(o.staff, o.lot.pk, request())
    members = draw_committee(o.staff, o.lot.pk)
    members[0].state = MemberState.EXPIRED
    members[0].save()
    assert replace(member=members[0]) is None
    draw = CommitteeDraw.objects.get()
    assert draw.state == DrawState.SHORT
    assert "A0101" in AuditEvent.objects.get(action="draw.short").data["shortage"]


def test_a_confirmed_member_is_not_replaced():
    o = opened_lot()
    o.pool(6, "A0101")
    set_up(o.staff, o.lot.pk, request())
    member = draw_committee(o.staff, o.lot.pk)[0]
    with pytest.raises(RuleViolation):
        replace(member=member)


def test_the_audit_chain_holds_after_a_draw():
    o = opened_lot()
    o.pool(6, "A0101")
    set_up(o.staff, o.lot.pk, request())
    draw_committee(o.staff, o.lot.pk)
    checked, fault = audit.verify_chain()
    assert fault is None and checked >= 4
