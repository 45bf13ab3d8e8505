"""The report's commands through the room's WebSocket and the real ASGI application: the leader makes the report, members sign over the socket, and the supervisor, the staff and a plain member are refused what is not theirs.

The room starts summarized (tests/evaluation/reported.py: every member's Ed25519 key registered).
Each signature is made as a member's browser makes it: over evaluation.signing.report_message(the
PDF's SHA-256), the digest the member computed of the PDF as downloaded."""

import hashlib

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation

from evaluation.models import EvaluationEvent, ReportSignature
from tests.bidding.hall_helpers import session_cookie
from tests.evaluation.reported import summarized_room
from tests.evaluation.room_helpers import RoomSeat, room_of

pytestmark = pytest.mark.django_db(transaction=True)

SUPERVISORS_ACT_ON_NOTHING = "Supervisors watch the evaluation room; they take no part in it and act on nothing."


def zh(message: str) -> str:
    """A message as the room says it (the platform speaks Chinese by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message)


@database_sync_to_async
def summarized():
    made = summarized_room()
    made.cookies = {f"member{i}": session_cookie(made.user(i)) for i in range(len(made.members))}
    made.cookies["supervisor"] = session_cookie(made.people["city_supervisor"])
    made.cookies["province supervisor"] = session_cookie(made.people["province_supervisor"])
    made.cookies["staff"] = session_cookie(made.people["center_staff"])
    return made


def seat(made, name) -> RoomSeat:
    return RoomSeat(name, made.lot_id, cookie=made.cookies[name])


@database_sync_to_async
def kinds(lot_id) -> list[str]:
    return list(EvaluationEvent.objects.filter(room__lot_id=lot_id).order_by("seq").values_list("kind", flat=True))


@database_sync_to_async
def signatures(lot_id) -> dict:
    return {s.member_id: s for s in ReportSignature.objects.filter(room__lot_id=lot_id)}


@database_sync_to_async
def pdf_digest(lot_id) -> str:
    """The SHA-256 of the report as a member downloads it (the stored PDF's bytes)."""
    from evaluation.models import EvaluationRoom

    return hashlib.sha256(bytes(EvaluationRoom.objects.get(lot_id=lot_id).report_pdf)).hexdigest()


async def test_the_supervisor_can_neither_make_nor_sign_the_report():
    made = await summarized()
    watcher, other = seat(made, "supervisor"), seat(made, "province supervisor")
    assert (await watcher.connect())["you"]["role"] == "supervisor"
    await other.connect()
    before = await kinds(made.lot_id)
    for who in (watcher, other):
        assert await who.error("make_report") == zh(SUPERVISORS_ACT_ON_NOTHING)
    assert (await room_of(made.lot_id)).state == "summarized" and await kinds(made.lot_id) == before
    leader = seat(made, "member0")
    await leader.connect()
    await leader.ok("make_report")
    (report_made,) = await watcher.wait_for("report_made")  # the supervisor watches it happen
    sha = report_made["data"]["sha256"]
    assert sha == await pdf_digest(made.lot_id)
    # a valid signature (a member's, of this very report), sent by the supervisor: refused all the same
    for who in (watcher, other):
        assert await who.error("sign_report", signature=made.sign(1, sha), report_sha256=sha) == zh(
            SUPERVISORS_ACT_ON_NOTHING)
        assert await who.error("refuse_signature", reason="监督人员不签字") == zh(SUPERVISORS_ACT_ON_NOTHING)
    assert await signatures(made.lot_id) == {}
    assert (await watcher.snapshot())["report"]["answers"] == []
    for who in (watcher, other, leader):
        await who.close()


async def test_the_staff_and_a_member_who_does_not_lead_do_not_make_the_report():
    made = await summarized()
    desk, member = seat(made, "staff"), seat(made, "member1")
    assert (await desk.connect())["you"]["role"] == "staff"
    await member.connect()
    with translation.override(settings.LANGUAGE_CODE):
        assert await desk.error("make_report") == translation.gettext("Only a member of this lot's committee may do this.")
        assert await member.error("make_report") == translation.gettext("Only the committee leader makes the report.")
    assert (await room_of(made.lot_id)).state == "summarized"
    assert "report_made" not in await kinds(made.lot_id)
    await desk.close()
    await member.close()


async def test_members_sign_over_the_socket_everyone_sees_it_live_and_the_report_becomes_final():
    made = await summarized()
    seats = [seat(made, f"member{i}") for i in range(5)]
    watcher = seat(made, "supervisor")
    for one in (*seats, watcher):
        await one.connect()
    await seats[0].ok("make_report")
    (report_made,) = await seats[3].wait_for("report_made")
    sha = report_made["data"]["sha256"]
    snap = await seats[1].snapshot()
    assert snap["state"] == "signing" and snap["report"]["sha256"] == sha and snap["report"]["your_key"]
    # member 1 signs; every connection hears it, the supervisor's too, with the key it was checked against
    await seats[1].ok("sign_report", signature=made.sign(1, sha), report_sha256=sha)
    for one in (seats[0], seats[4], watcher):
        (signed,) = await one.wait_for("report_signed", member=made.members[1].pk)
        assert signed["data"]["public_key"] == snap["report"]["your_key"]
    assert made.members[1].pk in await signatures(made.lot_id)
    # refused: a second answer, another file's digest, another member's key, a signature sent as another member
    with translation.override(settings.LANGUAGE_CODE):
        assert await seats[1].error("sign_report", signature=made.sign(1, sha), report_sha256=sha) == translation.gettext(
            "You have already answered for this report: signed or refused.")
    other_file = hashlib.sha256(b"another file").hexdigest()
    assert "SHA-256" in await seats[2].error("sign_report", signature=made.sign(2, other_file), report_sha256=other_file)
    with translation.override(settings.LANGUAGE_CODE):
        not_theirs = translation.gettext("The signature does not match your registered key and this report: sign with "
                                         "the key file of the key you registered.")
    assert await seats[2].error("sign_report", signature=made.sign(3, sha), report_sha256=sha) == not_theirs
    assert await seats[3].error("sign_report", signature=made.sign(2, sha), report_sha256=sha) == not_theirs
    assert set(await signatures(made.lot_id)) == {made.members[1].pk}
    # the others sign, one refuses with reasons: the report is final, and everyone hears it
    for i in (0, 2, 3):
        await seats[i].ok("sign_report", signature=made.sign(i, sha), report_sha256=sha)
    await seats[4].ok("refuse_signature", reason="本人对技术评分的结论有保留意见")
    (final,) = await watcher.wait_for("report_final")
    assert final["data"] == {"signed": 4, "refused": 1}
    assert (await room_of(made.lot_id)).state == "final"
    snap = await watcher.snapshot()
    assert snap["report"]["final"] is True
    assert sorted((a["member"], a["answer"]) for a in snap["report"]["answers"]) == sorted(
        [(m.pk, "signed") for m in made.members[:4]] + [(made.members[4].pk, "refused")])
    assert await seats[0].error("sign_report", signature=made.sign(0, sha), report_sha256=sha)  # the room is closed
    for one in (*seats, watcher):
        await one.close()
