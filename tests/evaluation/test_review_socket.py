"""The review through the real ASGI application (the evaluation room's consumer): members record
and submit over their own connections, the room hears counts only until the conclusion reaches
everyone at once; the leader starts the scoring; a question to a bidder and its answer reach the
room live; the supervisor and the staff are refused every review command."""

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation

from evaluation.room import questions
from tests.bidding.hall_helpers import session_cookie
from tests.evaluation.reviewing import reviewing
from tests.trading.factories import supervisor

# The room's consumer and page are H-room's (branch h-room): until they are merged here, this
# module has nothing to run against.
pytest.importorskip("tests.evaluation.room_helpers", reason="the evaluation room's consumer is not on this branch yet")

from tests.evaluation.room_helpers import RoomSeat  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


def zh(message: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message)


@pytest.fixture
def sealed(settings, tmp_path):
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"


@database_sync_to_async
def room_under_review(**kw):
    r = reviewing(files=False, **kw)
    r.cookies = {f"member{i}": session_cookie(r.user(i)) for i in range(len(r.members))}
    r.cookies["staff"] = session_cookie(r.opened.staff)
    r.cookies["supervisor"] = session_cookie(supervisor(r.lot.project.center))
    return r


def seat(r, name) -> RoomSeat:
    return RoomSeat(name, r.lot.pk, cookie=r.cookies[name])


async def record_everything(s: RoomSeat, r, *, fail=(), reason="不符合"):
    for b, bid in enumerate(r.bids):
        for c, check in enumerate(r.checks):
            failing = (b, c) in fail
            await s.ok("record_verdict", bid_id=bid["id"], check_id=check.pk, verdict="fail" if failing else "pass",
                       reason=reason if failing else "")


async def test_members_review_over_the_socket_and_the_conclusion_reaches_everyone(sealed):
    r = await room_under_review(n=5, bidders=2, checks=2)
    seats = [seat(r, f"member{i}") for i in range(5)]
    watcher = seat(r, "supervisor")
    for s in [*seats, watcher]:
        await s.connect()
    assert await seats[1].error("record_verdict", bid_id=r.bids[0]["id"], check_id=r.checks[0].pk, verdict="fail",
                                reason="") == zh("Write why the bid fails this check: the reason is kept in the report.")
    await record_everything(seats[1], r, fail={(0, 0)}, reason="营业执照已过期")
    progress = await watcher.wait_for("review_progress", 4)
    assert progress[-1]["data"] == {"member": r.members[1].pk, "recorded": 4, "to_record": 4}
    # another member, and the supervisor, learn counts only
    for other in (seats[2], watcher):
        snap = await other.snapshot()
        assert "营业执照已过期" not in str(snap) and snap["review"]["conclusion"] is None
        assert "营业执照已过期" not in str(other.events)
    assert (await seats[1].snapshot())["review"]["mine"]["verdicts"][0]["reason"] == "营业执照已过期"
    await seats[1].ok("submit_review")
    with translation.override(settings.LANGUAGE_CODE):
        missing = translation.ngettext("%(n)d check is not recorded yet: record every check of every bid, then submit.",
                                       "%(n)d checks are not recorded yet: record every check of every bid, then submit.",
                                       4) % {"n": 4}
    assert await seats[2].error("submit_review") == missing
    for i in (0, 2, 3):
        await record_everything(seats[i], r, fail={(0, 0)} if i == 2 else set(), reason="执照过期")
        await seats[i].ok("submit_review")
    assert not watcher.of_kind("review_concluded")
    await record_everything(seats[4], r, fail={(0, 0)}, reason="执照无效")
    await seats[4].ok("submit_review")
    for s in [*seats, watcher]:
        (concluded,) = await s.wait_for("review_concluded")
        assert concluded["data"]["responsive"] == 1
    snap = await watcher.snapshot()
    first = next(b for b in snap["review"]["conclusion"]["bids"] if b["bid"] == r.bids[0]["id"])
    assert not first["responsive"]
    assert sorted(x["reason"] for x in first["checks"][0]["reasons"]) == ["执照无效", "执照过期", "营业执照已过期"]
    assert await watcher.error("start_scoring")
    assert await seats[3].error("start_scoring") == zh("Only the committee leader may do this.")
    await seats[0].ok("start_scoring")
    (started,) = await watcher.wait_for("scoring_started")
    assert started["data"] == {"responsive": 1}
    assert (await seats[2].snapshot())["state"] == "scoring"
    for s in [*seats, watcher]:
        await s.close()


async def test_a_question_and_its_answer_reach_the_room_live(sealed):
    r = await room_under_review(n=5, bidders=2, checks=1)
    asker, other, staff = seat(r, "member3"), seat(r, "member1"), seat(r, "staff")
    for s in (asker, other, staff):
        await s.connect()
    await asker.ok("ask_question", bid_id=r.bids[1]["id"], question="请说明报价中的暂列金额。", hours=6)
    (asked,) = await other.wait_for("question_asked")
    assert asked["data"]["bidder"] == r.bids[1]["bidder"] and asked["data"]["hours"] == 6
    assert await staff.error("ask_question", bid_id=r.bids[1]["id"], question="？", hours=6)
    question_id = asked["data"]["question_id"]
    await database_sync_to_async(questions.answer_question)(actor=r.bidders[1], question_id=question_id,
                                                             answer="暂列金额为50万元，见报价表。")
    for s in (asker, other, staff):
        (answered,) = await s.wait_for("question_answered")
        assert answered["data"]["answer"] == "暂列金额为50万元，见报价表。"
    shown = (await other.snapshot())["review"]["questions"]
    assert [(q["question"], q["answer"]) for q in shown] == [("请说明报价中的暂列金额。", "暂列金额为50万元，见报价表。")]
    for s in (asker, other, staff):
        await s.close()


async def test_the_supervisor_and_the_staff_are_refused_every_review_command(sealed):
    r = await room_under_review(n=5, bidders=1, checks=1)
    commands = {
        "record_verdict": {"bid_id": r.bids[0]["id"], "check_id": r.checks[0].pk, "verdict": "pass", "reason": ""},
        "submit_review": {}, "start_scoring": {}, "return_review": {"member_id": r.members[1].pk, "reason": "复核"},
        "ask_question": {"bid_id": r.bids[0]["id"], "question": "？", "hours": 24},
    }
    for who in ("supervisor", "staff"):
        s = seat(r, who)
        await s.connect()
        for kind, fields in commands.items():
            assert await s.error(kind, **fields)
        await s.close()
