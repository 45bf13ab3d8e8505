"""The evaluation room's gathering through its services: sign-in against the draw, declarations
and recusal (the replacement drawn by the real task worker), the leader's election by majority,
the leader's start of the review, and the staff's pause with its reason."""

import logging
import signal

import pytest
from django.core.management import call_command
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from evaluation import answers
from evaluation.choices import DrawState, MemberState, RoomState
from evaluation.models import Attendance, CommitteeDraw, CommitteeMember, EvaluationEvent, EvaluationRoom
from evaluation.room import gathering as g
from tests.evaluation.room_helpers import formed
from tests.evaluation.test_invitations_page import client_for
from tests.trading.factories import staff
from trading import event_text
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)  # the worker claims its tasks in transactions of its own

TASK = "evaluation.room.gathering.replace_recused"


@pytest.fixture
def run_worker():
    """The real database worker, run until no task is due (as tests/evaluation/test_answer_timeout_worker.py)."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    loggers = [logging.getLogger(name) for name in ("django.tasks", "django_tasks_db")]
    levels = [log.level for log in loggers]

    def run():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)

    yield run
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    for log, level in zip(loggers, levels):
        log.setLevel(level)


def zh(call, *args, **kwargs) -> str:
    """The refusal of `call`, in Chinese, as a member reads it."""
    with translation.override("zh-hans"), pytest.raises((RuleViolation, PermissionDenied, NotFound)) as refused:
        call(*args, **kwargs)
    return str(refused.value)


def events(committee, kind=None) -> list[EvaluationEvent]:
    found = EvaluationEvent.objects.filter(room__lot=committee.lot).order_by("seq")
    return list(found.filter(kind=kind) if kind else found)


def ready(committee, members=None):
    """Each (given) member signs in and declares no conflict."""
    for i in members if members is not None else range(len(committee.members)):
        g.sign_in(actor=committee.user(i), lot_id=committee.lot.pk)
        g.declare_no_conflict(actor=committee.user(i), lot_id=committee.lot.pk)


def vote(committee, voter, candidate):
    return g.vote_leader(actor=committee.user(voter), lot_id=committee.lot.pk,
                         candidate_id=committee.members[candidate].pk)


# --- the room opens with the committee -------------------------------------------------------------


def test_the_room_opens_when_the_last_member_confirms_and_not_before():
    committee = formed(n=5)
    assert EvaluationRoom.objects.filter(lot=committee.lot).count() == 1
    (opened,) = events(committee)
    assert opened.kind == "room_opened" and opened.data["tie_commitment"] == committee.room.tie_commitment
    assert AuditEvent.objects.filter(action="evaluation.room.room_opened").count() == 1


def test_a_committee_not_yet_formed_has_no_room():
    from tests.evaluation.drawn import drawn

    committee = drawn(n=5)
    for member in committee.members[:4]:
        answers.answer(member.expert.user, member.pk, accept=True)
    assert not EvaluationRoom.objects.filter(lot=committee.lot).exists()


# --- sign-in -------------------------------------------------------------------------------------


def test_a_member_signs_in_once_and_the_event_names_them():
    committee = formed(n=5)
    g.sign_in(actor=committee.user(0), lot_id=committee.lot.pk)
    (signed,) = events(committee, "signed_in")
    assert signed.data == {"member": committee.members[0].pk, "expert": committee.user(0).display_name}
    with pytest.raises(RuleViolation):
        g.sign_in(actor=committee.user(0), lot_id=committee.lot.pk)
    assert Attendance.objects.filter(member=committee.members[0]).count() == 1


@pytest.mark.parametrize("who", ["staff", "supervisor", "another expert"])
def test_only_the_seated_expert_signs_in(who):
    from tests.evaluation.factories import ExpertFactory

    committee = formed(n=5)
    actor = {"staff": committee.staff, "supervisor": committee.supervisor,
             "another expert": ExpertFactory().user}[who]
    with pytest.raises(PermissionDenied):
        g.sign_in(actor=actor, lot_id=committee.lot.pk)
    assert not Attendance.objects.exists()


# --- declarations, recusal, the replacement -----------------------------------------------------------


def test_a_declaration_needs_a_sign_in_and_names_every_opened_bidder():
    committee = formed(n=5, bidders=3)
    with pytest.raises(RuleViolation):
        g.declare_no_conflict(actor=committee.user(1), lot_id=committee.lot.pk)
    ready(committee, [1])
    (declared,) = events(committee, "declared")
    assert declared.data["bidders"] == [bid.organization.name for bid in committee.bids]
    with pytest.raises(RuleViolation):  # a declaration is not changed
        g.declare_conflict(actor=committee.user(1), lot_id=committee.lot.pk, detail="后来想起")


def test_a_conflict_without_its_detail_is_refused():
    committee = formed(n=5)
    g.sign_in(actor=committee.user(0), lot_id=committee.lot.pk)
    with pytest.raises(RuleViolation) as refused:
        g.declare_conflict(actor=committee.user(0), lot_id=committee.lot.pk, detail="   ")
    assert refused.value.field == "detail"
    assert committee.member(0).state == MemberState.CONFIRMED


def test_a_declared_conflict_recuses_and_the_worker_draws_a_replacement_who_signs_in(run_worker):
    committee = formed(n=5)
    lot_id = committee.lot.pk
    g.sign_in(actor=committee.user(2), lot_id=lot_id)
    bidder = committee.bids[0].organization.name
    g.declare_conflict(actor=committee.user(2), lot_id=lot_id, detail=f"配偶在{bidder}任职")
    recused = committee.member(2)
    assert recused.state == MemberState.RECUSED and bidder in recused.reason
    (event,) = events(committee, "recused")
    assert event.data["member"] == recused.pk and bidder in event.data["reason"]
    # the committee is not complete meanwhile; the replacement is a task of the worker's
    assert CommitteeDraw.objects.get(pk=committee.draw.pk).state == DrawState.DRAWN
    (task,) = DBTaskResult.objects.filter(task_path=TASK, args_kwargs__args=[recused.pk])
    assert not CommitteeMember.objects.filter(replaces=recused).exists()

    run_worker()

    replacement = CommitteeMember.objects.select_related("expert__user").get(replaces=recused)
    assert replacement.state == MemberState.NOTIFIED
    assert replacement.expert_id not in {m.expert_id for m in committee.members}
    assert AuditEvent.objects.filter(action="draw.replaced", object_id=str(committee.draw.pk)).exists()
    assert AuditEvent.objects.filter(action="draw.notified", object_id=str(replacement.pk)).exists()
    (replaced,) = events(committee, "member_replaced")
    assert replaced.data["replacement"] == replacement.pk
    assert replaced.data["replacement_name"] == replacement.expert.user.display_name
    task.refresh_from_db()
    assert task.return_value == 1
    # the recused member is out: no sign-in, no room
    with pytest.raises(PermissionDenied):
        g.sign_in(actor=committee.user(2), lot_id=lot_id)
    # the replacement sees the room in their invitations, confirms, and signs in
    user = replacement.expert.user
    with pytest.raises(RuleViolation):
        g.sign_in(actor=user, lot_id=lot_id)  # not confirmed yet
    page = client_for(user).get("/invitations/").content.decode()
    assert f"/evaluation/lots/{lot_id}/" in page
    answers.answer(user, replacement.pk, accept=True)
    assert CommitteeDraw.objects.get(pk=committee.draw.pk).state == DrawState.FORMED
    assert EvaluationRoom.objects.filter(lot=committee.lot).count() == 1
    g.sign_in(actor=user, lot_id=lot_id)
    assert events(committee)[-1].kind == "signed_in"


def test_the_worker_run_again_draws_no_second_replacement(run_worker):
    committee = formed(n=5)
    g.sign_in(actor=committee.user(0), lot_id=committee.lot.pk)
    g.declare_conflict(actor=committee.user(0), lot_id=committee.lot.pk, detail="曾为投标人编制投标文件")
    run_worker()
    assert g.replace_for_recusal(committee.members[0].pk, committee.room.opened_at) is False
    assert CommitteeMember.objects.filter(replaces=committee.members[0]).count() == 1
    assert len(events(committee, "member_replaced")) == 1


def test_a_pool_run_short_is_said_in_the_room_and_the_draw_is_marked_short(run_worker):
    committee = formed(n=5, spare=0)  # every expert of the pool sits on the committee
    g.sign_in(actor=committee.user(1), lot_id=committee.lot.pk)
    g.declare_conflict(actor=committee.user(1), lot_id=committee.lot.pk, detail="与投标人存在亲属关系")
    run_worker()
    assert not CommitteeMember.objects.filter(replaces=committee.members[1]).exists()
    assert CommitteeDraw.objects.get(pk=committee.draw.pk).state == DrawState.SHORT
    (replaced,) = events(committee, "member_replaced")
    assert replaced.data["member"] == committee.members[1].pk and replaced.data["shortage"]
    assert "replacement" not in replaced.data
    # the review cannot start with the committee short
    ready(committee, [0, 2, 3, 4])
    for voter in (0, 2, 3):
        vote(committee, voter, 0)
    with pytest.raises(RuleViolation):
        g.start_review(actor=committee.user(0), lot_id=committee.lot.pk)


# --- the leader ---------------------------------------------------------------------------------


def test_a_vote_needs_the_voter_and_the_candidate_declared():
    committee = formed(n=5)
    ready(committee, [0])
    with pytest.raises(RuleViolation):
        vote(committee, 1, 0)  # the voter has not declared
    with pytest.raises(RuleViolation) as refused:
        vote(committee, 0, 1)  # nor has the candidate
    assert refused.value.field == "candidate_id"


def test_the_leader_is_elected_by_a_majority_of_the_seated_members_who_may_change_their_votes():
    committee = formed(n=5)
    ready(committee)
    vote(committee, 0, 0)
    vote(committee, 1, 0)
    vote(committee, 2, 1)
    vote(committee, 3, 1)
    vote(committee, 4, 2)
    assert EvaluationRoom.objects.get(lot=committee.lot).leader_id is None  # 2, 2, 1: no majority of 5
    with pytest.raises(RuleViolation):
        vote(committee, 4, 2)  # the same vote again changes nothing
    vote(committee, 4, 0)  # changed: 3 of 5
    room = EvaluationRoom.objects.get(lot=committee.lot)
    assert room.leader_id == committee.members[0].pk
    (elected,) = events(committee, "leader_elected")
    assert elected.data == {"member": committee.members[0].pk, "expert": committee.user(0).display_name,
                            "votes": 3, "seated": 5}
    assert len(events(committee, "leader_vote")) == 6
    with pytest.raises(RuleViolation):
        vote(committee, 3, 0)  # elected: the vote is over


# --- starting the review ------------------------------------------------------------------------------


def test_only_the_leader_starts_the_review_once_everyone_is_in():
    committee = formed(n=5)
    ready(committee, [0, 1, 2])
    for voter in (0, 1, 2):
        vote(committee, voter, 0)
    with pytest.raises(PermissionDenied):
        g.start_review(actor=committee.user(1), lot_id=committee.lot.pk)
    refusal = zh(g.start_review, actor=committee.user(0), lot_id=committee.lot.pk)
    for i in (3, 4):
        assert committee.user(i).display_name in refusal
    ready(committee, [3, 4])
    g.start_review(actor=committee.user(0), lot_id=committee.lot.pk)
    assert EvaluationRoom.objects.get(lot=committee.lot).state == RoomState.REVIEWING
    assert events(committee)[-1].kind == "review_started"
    with pytest.raises(RuleViolation):
        vote(committee, 3, 1)  # the gathering is over


# --- pause and resume ----------------------------------------------------------------------------


def test_staff_pause_with_a_reason_and_every_member_command_is_refused_until_resumed():
    committee = formed(n=5)
    lot_id = committee.lot.pk
    with pytest.raises(RuleViolation) as refused:
        g.pause(actor=committee.staff, lot_id=lot_id, reason=" ")
    assert refused.value.field == "reason"
    g.pause(actor=committee.staff, lot_id=lot_id, reason="网络故障，待恢复")
    refusal = zh(g.sign_in, actor=committee.user(0), lot_id=lot_id)
    assert "网络故障，待恢复" in refusal
    with pytest.raises(RuleViolation):
        g.pause(actor=committee.staff, lot_id=lot_id, reason="again")
    g.resume(actor=committee.staff, lot_id=lot_id)
    g.sign_in(actor=committee.user(0), lot_id=lot_id)
    paused, resumed = events(committee, "paused")[0], events(committee, "resumed")[0]
    assert paused.data == {"reason": "网络故障，待恢复"}
    assert resumed.data["reason"] == "网络故障，待恢复" and resumed.data["paused_at"]
    with pytest.raises(RuleViolation):
        g.resume(actor=committee.staff, lot_id=lot_id)


@pytest.mark.parametrize("who", ["member", "supervisor", "other center's staff"])
def test_only_the_lot_s_center_staff_pause(who):
    committee = formed(n=5)
    actor = {"member": committee.user(0), "supervisor": committee.supervisor,
             "other center's staff": staff()}[who]
    with pytest.raises(PermissionDenied):
        g.pause(actor=actor, lot_id=committee.lot.pk, reason="想暂停")
    assert EvaluationRoom.objects.get(lot=committee.lot).paused_at is None


# --- the record ----------------------------------------------------------------------------------


def test_every_gathering_step_is_audited_with_a_name_and_labelled_data(run_worker):
    committee = formed(n=5)
    ready(committee, [0, 1, 2, 3])
    g.sign_in(actor=committee.user(4), lot_id=committee.lot.pk)
    g.declare_conflict(actor=committee.user(4), lot_id=committee.lot.pk, detail="亲属关系")
    run_worker()
    for voter in (0, 1, 2):
        vote(committee, voter, 0)
    g.pause(actor=committee.staff, lot_id=committee.lot.pk, reason="休息")
    g.resume(actor=committee.staff, lot_id=committee.lot.pk)
    recorded = AuditEvent.objects.filter(action__startswith="evaluation.room.")
    actions = set(recorded.values_list("action", flat=True))
    assert {f"evaluation.room.{k}" for k in ("room_opened", "signed_in", "declared", "recused", "member_replaced",
                                             "leader_vote", "leader_elected", "paused", "resumed")} <= actions
    with translation.override("zh-hans"):
        for event in recorded:
            assert event.action in event_text.named_actions()
            assert event_text.unlabelled_keys(event.action, event.data) == [], event.action
