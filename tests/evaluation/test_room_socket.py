"""The evaluation room through the real ASGI application (origin check, cookies, session,
authentication, routing, the consumer, the rooms' hub): who gets in and who is closed with
4404, what each is refused, live events, and a reconnecting member who misses nothing."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation

from evaluation.choices import MemberState
from evaluation.models import EvaluationEvent
from evaluation.room import gathering as g
from tests.bidding.hall_helpers import TIMEOUT, session_cookie
from tests.evaluation.factories import ExpertFactory
from tests.evaluation.room_helpers import RoomSeat, formed, member_state, run
from tests.trading.factories import bidder, staff, supervisor
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def zh(message: str) -> str:
    """A message as the room says it (the platform speaks Chinese by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message)


SUPERVISORS_ACT_ON_NOTHING = "Supervisors watch the evaluation room; they take no part in it and act on nothing."


@database_sync_to_async
def committee_of(n=5):
    return formed(n=n)


@database_sync_to_async
def stored(lot_id) -> list[tuple[int, str]]:
    return list(EvaluationEvent.objects.filter(room__lot_id=lot_id).order_by("seq").values_list("seq", "kind"))


@database_sync_to_async
def outsider_cookie(committee, who: str) -> str | None:
    return {
        "public": lambda: None,
        "bidder": lambda: session_cookie(bidder(committee.bids[0].organization)),
        "expert not on the committee": lambda: session_cookie(ExpertFactory().user),
        "another center's staff": lambda: session_cookie(staff()),
        "another center's supervisor": lambda: session_cookie(supervisor()),
    }[who]()


@pytest.mark.parametrize("who", ["public", "bidder", "expert not on the committee", "another center's staff",
                                 "another center's supervisor"])
async def test_anyone_but_the_committee_the_staff_and_the_supervisors_is_closed_with_4404(who):
    committee = await committee_of()
    outsider = RoomSeat(who, committee.lot.pk, cookie=await outsider_cookie(committee, who))
    assert await outsider.connect_refused() == 4404


async def test_a_lot_without_a_room_is_closed_with_4404_for_its_staff_too():
    committee = await committee_of()
    other = RoomSeat("staff", committee.lot.pk + 10_000, cookie=committee.cookies["staff"])
    assert await other.connect_refused() == 4404


async def test_each_admitted_role_gets_the_room_with_its_role():
    committee = await committee_of()
    for name, role in (("member0", "member"), ("staff", "staff"), ("supervisor", "supervisor")):
        seat = committee.seat(name)
        snap = await seat.connect()
        assert snap["you"]["role"] == role
        assert snap["you"]["member_id"] == (committee.members[0].pk if role == "member" else None)
        assert [m["name"] for m in snap["members"]] == [m.expert.user.display_name for m in committee.members]
        assert [b["bidder"] for b in snap["bids"]] == [b.organization.name for b in committee.bids]
        await seat.wait_for("room_opened")
        await seat.close()
    watched = await database_sync_to_async(
        lambda: AuditEvent.objects.filter(action="evaluation.supervisor_present", actor=committee.supervisor).count())()
    assert watched == 1


async def test_the_supervisor_watches_and_every_command_is_refused():
    committee = await committee_of()
    watcher = committee.seat("supervisor")
    await watcher.connect()
    for kind, fields in (("sign_in", {}), ("pause_room", {"reason": "监督要求暂停"}), ("declare_no_conflict", {}),
                         ("vote_leader", {"candidate_id": committee.members[0].pk}), ("start_review", {})):
        assert await watcher.error(kind, **fields) == zh(SUPERVISORS_ACT_ON_NOTHING)
    assert [kind for _seq, kind in await stored(committee.lot.pk)] == ["room_opened"]
    await watcher.close()


async def test_staff_pause_and_members_are_refused_with_the_reason_until_resumed():
    committee = await committee_of()
    desk, member = committee.seat("staff"), committee.seat("member0")
    await desk.connect()
    await member.connect()
    assert await desk.error("sign_in")  # staff pause and resume, nothing else
    await desk.ok("pause_room", reason="专家网络中断，暂停十分钟")
    (paused,) = await member.wait_for("paused")
    assert paused["data"]["reason"] == "专家网络中断，暂停十分钟"
    snap = await member.snapshot()
    assert snap["paused"]["reason"] == "专家网络中断，暂停十分钟" and snap["paused"]["at"]
    refusal = await member.error("sign_in")
    assert "专家网络中断，暂停十分钟" in refusal
    await desk.ok("resume_room")
    await member.wait_for("resumed")
    await member.ok("sign_in")
    assert (await member.snapshot())["paused"] is None
    await desk.close()
    await member.close()


async def test_members_see_each_other_live_and_a_reconnecting_member_misses_nothing():
    committee = await committee_of()
    first, second = committee.seat("member0"), committee.seat("member1")
    await first.connect()
    await second.connect()
    await first.ok("sign_in")
    (signed,) = await second.wait_for("signed_in")
    assert signed["data"]["member"] == committee.members[0].pk
    await first.wait_for("signed_in")
    seen = first.last_seq
    await first.close()
    # while member0 is away: three members sign in and declare, one votes
    for i in (1, 2):
        await run(g.sign_in, actor=committee.user(i), lot_id=committee.lot.pk)
        await run(g.declare_no_conflict, actor=committee.user(i), lot_id=committee.lot.pk)
    await run(g.vote_leader, actor=committee.user(1), lot_id=committee.lot.pk, candidate_id=committee.members[2].pk)
    snap = await first.connect(after=seen)
    missed = [(seq, kind) for seq, kind in await stored(committee.lot.pk) if seq > seen]
    assert len(missed) == 5
    await first.until_seq(missed[-1][0])
    assert [(s, first.events[s]["kind"]) for s in sorted(first.events) if s > seen] == missed
    assert len(first.arrivals) == len(set(first.arrivals))  # none twice
    assert snap["last_seq"] == missed[-1][0]
    await first.nothing_more()
    await first.close()
    await second.close()


async def test_the_leader_is_elected_through_the_room():
    committee = await committee_of()
    seats = [committee.seat(f"member{i}") for i in range(5)]
    for seat in seats:
        await seat.connect()
        await seat.ok("sign_in")
        await seat.ok("declare_no_conflict")
    leader = committee.members[3].pk
    for seat in seats[:3]:
        await seat.ok("vote_leader", candidate_id=leader)
    (elected,) = await seats[4].wait_for("leader_elected")
    assert elected["data"]["member"] == leader and elected["data"]["votes"] == 3
    snap = await seats[3].snapshot()
    assert snap["leader"] == leader and snap["you"]["leader"] is True
    assert snap["gathering"]["ready_to_start"] is True
    assert (await seats[0].snapshot())["you"]["leader"] is False
    await seats[0].error("start_review")  # only the leader
    await seats[3].ok("start_review")
    await seats[0].wait_for("review_started")
    assert (await seats[0].snapshot())["state"] == "reviewing"
    for seat in seats:
        await seat.close()


async def test_a_member_who_declares_a_conflict_is_let_go_from_the_room():
    committee = await committee_of()
    member, other = committee.seat("member4"), committee.seat("member0")
    await member.connect()
    await other.connect()
    await member.ok("sign_in")
    await member.ok("declare_conflict", detail="本人曾在第一投标人处任职")
    (recused,) = await other.wait_for("recused")
    assert recused["data"]["member"] == committee.members[4].pk
    assert await member_state(committee.members[4].pk) == MemberState.RECUSED
    # the page asks for a snapshot after each event: the recused member's connection is closed
    await member.send({"type": "snapshot"})
    while True:
        output = await member.communicator.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            break
    assert output["code"] == 4404
    assert await RoomSeat("again", committee.lot.pk, cookie=committee.cookies["member4"]).connect_refused() == 4404
    await other.close()
