"""The opening hall through the real ASGI application (DESIGN.md §5, DOMAIN.md §5): every
person in the hall is a WebSocket connection with a real session, every bid a real sealed age
file uploaded through the real endpoints, every key a real age identity, the opening identity
rebuilt from real custodian shares. Time passes on the server clock only (time_machine)."""

import asyncio
import hashlib
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import translation

from bidding import closing, draw, storage
from bidding import hall as hall_services
from bidding.choices import HallState
from bidding.models import BidOpening, HallEvent, HandedInShare, OpeningHall, SealedFile, SignIn
from tests.bidding.conftest import FORM
from tests.bidding.hall_helpers import (Cast, Seat, build_cast, corrupt_stored_form, hall_of, last_seq, nonce, seat,
                                        session_cookie, settle, stored_events)
from tests.trading.factories import OrganizationFactory, UserFactory, supervisor
from trading.audit import verify_chain
from trading.choices import LotState, Role
from trading.errors import RuleViolation
from trading.models import AuditEvent, Lot

pytestmark = pytest.mark.django_db(transaction=True)

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


def zh(message: str) -> str:
    """A message as the hall says it (the platform speaks Chinese by default)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(message)


@database_sync_to_async
def close_due_lots():
    return closing.close_due_lots()


@database_sync_to_async
def tick(lot_id):
    """What the task scheduled for the end of a time limit does."""
    closing.hall_tick.func(lot_id)


@database_sync_to_async
def audit(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("seq"))


# --- fewer than 3 bids ---------------------------------------------------------------------------


async def test_fewer_than_three_bids_the_lot_fails_and_nothing_is_decrypted():
    cast = await database_sync_to_async(build_cast)([FORM, {**FORM, "price": "800000.00"}])
    host, bidder1, custodian1, public = (seat(cast, n) for n in ("host", "bidder1", "custodian1", "public"))
    tender = cast.tender
    with time_machine.travel(tender.deadline - 10 * MINUTE, tick=True) as traveller:
        for s in (host, bidder1, custodian1, public):
            first = await s.connect()
            assert first["state"] == HallState.WAITING and first["bids"] == []
        await bidder1.ok("sign_in", nonce=nonce())

        await settle()
        traveller.move_to(tender.deadline + SECOND)
        await close_due_lots()
        for s in (host, bidder1, custodian1, public):
            (failed,) = await s.wait_for("lot_failed")
            assert failed["data"]["complete_bids"] == 2 and failed["data"]["min_bids"] == 3
            assert failed["data"]["citation"] == "《招标投标法实施条例》第四十四条"
            # The bidders with a complete bid are published at the deadline, even when the lot fails.
            assert sorted(b["bidder"] for b in failed["data"]["bidders"]) == sorted(
                b.organization.name for b in cast.bidders)
            assert (await s.snapshot())["state"] == HallState.FAILED

        before = await last_seq(cast.lot_id)
        assert "bidding_closed" not in host.kinds()
        await host.error("start_decryption")
        await bidder1.error("hand_in_identity", identity=str(cast.bidders[0].identity))
        payload = await database_sync_to_async(cast.share_payload)(0)
        await custodian1.error("hand_in_share", payload=payload)
        await host.error("read_record")
        await host.error("end_opening")
        assert await last_seq(cast.lot_id) == before

        for s in (host, bidder1, custodian1, public):
            await s.close()

    @database_sync_to_async
    def check():
        lot = Lot.objects.get(pk=cast.lot_id)
        assert lot.state == LotState.FAILED
        assert not BidOpening.objects.filter(hall__lot=lot).exists()
        assert not SealedFile.objects.filter(bid__lot=lot).exclude(opened_at=None).exists()
        assert not HandedInShare.objects.exists()
        assert not AuditEvent.objects.filter(action="opening.file_decrypted").exists()
        (failed,) = AuditEvent.objects.filter(action="hall.lot_failed")
        assert failed.actor_name == "system"

    await check()


# --- the whole opening -----------------------------------------------------------------------

ABOVE_CEILING = {**FORM, "price": "960000.00"}                       # the ceiling is 950,000.00
MISFIT = {"price": "900000.00", "duration_days": "一百八十天", "quality": "优秀", "project_manager": "王工"}
K_RULES = {"k_low": "0.02", "k_high": "0.05", "k_step": "0.0005"}


async def test_the_whole_opening_through_the_asgi_app():
    """5 bidders, 3 custodians of whom 2 hand in shares, a host, a supervisor, the public; one
    bidder fails to decrypt (revoked), one bid's stored file is damaged (withdrawn), one price
    is above the ceiling, one form does not fit the declared items, one bidder objects and is
    answered; the record PDF is archived with its digest."""
    forms = [FORM, ABOVE_CEILING, MISFIT, {**FORM, "price": "930000.00"}, {**FORM, "price": "940000.00"}]
    cast = await database_sync_to_async(build_cast)(forms, **K_RULES)
    await database_sync_to_async(corrupt_stored_form)(cast.bidders[4])
    tender, lot_id = cast.tender, cast.lot_id
    names = ["host", "supervisor", "public", "custodian1", "custodian2", "custodian3",
             "bidder1", "bidder2", "bidder3", "bidder4", "bidder5"]
    seats = {n: seat(cast, n) for n in names}
    host, sup, public = seats["host"], seats["supervisor"], seats["public"]
    c1, c2, c3 = seats["custodian1"], seats["custodian2"], seats["custodian3"]
    b1, b2, b3, b4, b5 = (seats[f"bidder{i}"] for i in range(1, 6))
    bidders = [b1, b2, b3, b4, b5]
    orgs = [b.organization for b in cast.bidders]
    everyone = list(seats.values())

    with time_machine.travel(tender.deadline - 10 * MINUTE, tick=True) as traveller:
        # --- before the deadline: nobody learns who is bidding -------------------------------
        for s in everyone:
            first = await s.connect()
            assert first["state"] == HallState.WAITING
            assert first["bids"] == [] and first["sign_ins"] == []
            assert first["k"]["commitment"] and "seed" not in first["k"]  # committed, not revealed
        roles = {n: s.snapshots[0]["you"]["role"] for n, s in seats.items()}
        assert roles == {"host": "host", "supervisor": "supervisor", "public": "public",
                         **{f"custodian{i}": "custodian" for i in (1, 2, 3)},
                         **{f"bidder{i}": "bidder" for i in range(1, 6)}}
        commitment = public.snapshots[0]["k"]["commitment"]
        seq_before = public.snapshots[0]["last_seq"]

        b1_nonce = nonce()
        await b1.ok("sign_in", nonce=b1_nonce)
        # Only the bidder itself sees that it signed in.
        (own,) = (await b1.snapshot())["sign_ins"]
        assert own["bidder"] == orgs[0].name
        assert await b1.error("sign_in", nonce=nonce()) == zh("Your organization has already signed in.")
        for s in [host, sup, public, c1, b2, b1]:
            snap = await s.snapshot()
            assert snap["sign_ins"] == ([own] if s is b1 else []) and snap["bids"] == []
            # Not even the number of sign-ins shows: the event count a viewer is told stays put.
            assert snap["last_seq"] == seq_before, f"{s.name} learns that someone signed in"
            assert "signed_in" not in s.kinds()

        # Nothing opens before the deadline, whatever the client says the time is.
        assert await host.error("start_decryption") == zh(
            "Decryption can start only once bidding has closed, and only once.")
        await c1.error("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(0),
                       now=(tender.deadline + MINUTE).isoformat())
        await b2.error("hand_in_identity", identity=str(cast.bidders[1].identity))
        assert len(await audit("opening.refused_before_deadline")) == 2
        assert not await database_sync_to_async(HandedInShare.objects.exists)()

        # --- the deadline: the bidders with a complete bid are published ---------------------
        await settle()
        traveller.move_to(tender.deadline + SECOND)
        await close_due_lots()
        for s in everyone:
            (closed,) = await s.wait_for("bidding_closed")
            assert closed["data"]["complete_bids"] == 5
            assert [(b["bidder"], b["uscc"], b["signed_in"]) for b in closed["data"]["bidders"]] == [
                (o.name, o.uscc, o is orgs[0]) for o in orgs]
        snap = await public.snapshot()
        assert snap["state"] == HallState.CLOSED
        assert [r["bidder"] for r in snap["bids"]] == [o.name for o in orgs]
        assert all(r["status"] == "waiting" and "form" not in r for r in snap["bids"])
        assert [s["bidder"] for s in snap["sign_ins"]] == [orgs[0].name]

        nonces = {0: b1_nonce}
        for i in (1, 2, 4):  # bidder4 stays away
            nonces[i] = nonce()
            await bidders[i].ok("sign_in", nonce=nonces[i])
        for s in (public, sup, host, b4):
            assert [e["data"]["bidder"] for e in await s.wait_for("signed_in", 3)] == [orgs[i].name for i in (1, 2, 4)]

        # Nobody but the host starts the opening; the public and the supervisor only watch.
        assert await public.error("sign_in", nonce=nonce()) == zh("Log in to take part; the public watches only.")
        assert await sup.error("start_decryption") == zh("Only the trading center's host may do this.")
        await c1.error("start_decryption")
        await b1.error("start_decryption")
        assert await sup.error("sign_in", nonce=nonce()) == zh("Only bidders sign in.")

        # --- decryption ------------------------------------------------------------------------
        await host.ok("start_decryption")
        for s in everyone:
            (started,) = await s.wait_for("decryption_started")
        digests = {d["bidder"]: d["files"] for d in started["data"]["digests"]}
        assert all(f["match"] for o in orgs[:4] for f in digests[o.name])
        damaged = {f["name"]: f["match"] for f in digests[orgs[4].name]}
        assert damaged == {"opening-form.json.age": False, "技术标.pdf.age": True}
        assert started["data"]["bidders_decrypt"] is True
        assert await b4.error("sign_in", nonce=nonce()) == zh("Sign-in has closed: decryption has started.")
        assert await host.error("start_decryption") == zh(
            "Decryption can start only once bidding has closed, and only once.")

        # Two custodians of three hand in their shares: the opening key is rebuilt in memory.
        for n, custodian in ((0, c1), (1, c2)):
            await custodian.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(n))
        assert await c1.error("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(0)) == zh(
            "You have already handed in your share.")
        assert await sup.error("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(2)) == zh(
            "Only a key custodian hands in a share.")
        for s in (public, sup, c3, b4):
            handed = await s.wait_for("share_handed_in", 2)
            assert [e["data"]["count"] for e in handed] == [1, 2] and handed[0]["data"]["k"] == 2
            await s.wait_for("opening_key_rebuilt")

        # The bidders hand in their keys; one hands in someone else's and is refused.
        for i in (0, 1, 2):
            await bidders[i].ok("hand_in_identity", identity=str(cast.bidders[i].identity))
        before = await last_seq(lot_id)
        assert await b4.error("hand_in_identity", identity=str(cast.bidders[0].identity)) == zh(
            "This key is not the one you registered for this tender.")
        assert await b4.error("hand_in_identity", identity="not a key") == zh(
            "This is not an age identity (AGE-SECRET-KEY-1…).")
        assert await last_seq(lot_id) == before
        await b5.ok("hand_in_identity", identity=str(cast.bidders[4].identity))
        assert await b5.error("hand_in_identity", identity=str(cast.bidders[4].identity))

        for s in (public, sup, host, b4):
            for i in (0, 1, 2):
                await s.wait_for("bid_status", bidder=orgs[i].name, status="decrypted")
                await s.wait_for("files_decrypted", bidder=orgs[i].name)
            (withdrawn,) = await s.wait_for("bid_status", bidder=orgs[4].name, status="failed")
            assert withdrawn["data"]["outcome"] == "withdrawn" and "视为撤回" in withdrawn["data"]["reason"]
        assert await public.error("hand_in_identity", identity=str(cast.bidders[3].identity))

        # Bidder 4 never decrypts: the host cannot cut its time short, and has no remedy here.
        assert (await host.error("end_decryption")).startswith(zh("Some bids are still waiting for their keys; "
                                                                  "decryption ends at %(at)s.").split("%")[0])
        opening4 = (await database_sync_to_async(BidOpening.objects.get)(bid__organization=orgs[3])).pk
        assert await host.error("apply_remedy", opening_id=opening4) == zh(
            "This tender names no remedy for a bid that was not decrypted.")
        assert await sup.error("end_decryption")

        hall = await hall_of(lot_id)
        await settle()
        traveller.move_to(hall.decryption_deadline + SECOND)
        await tick(lot_id)
        for s in everyone:
            (revoked,) = await s.wait_for("bid_status", bidder=orgs[3].name, status="failed")
            assert revoked["data"]["outcome"] == "revoked" and "视为撤销" in revoked["data"]["reason"]
            (ended,) = await s.wait_for("decryption_ended")
            assert ended["data"]["decrypted"] == 3
        assert await b4.error("hand_in_identity", identity=str(cast.bidders[3].identity))

        # --- the reading ----------------------------------------------------------------------
        assert await b1.error("read_record") == zh("Only the trading center's host may do this.")
        assert await sup.error("read_record")
        await host.ok("read_record")
        for s in everyone:
            rows = await s.wait_for("row_read", 5)
            await s.wait_for("confirmation_open")
        rows = {r["data"]["bidder"]: r["data"] for r in rows}
        assert [rows[o.name]["order"] for o in orgs] == [1, 2, 3, 4, 5]
        assert rows[orgs[0].name]["form"] == FORM and rows[orgs[0].name]["flags"] == []
        assert rows[orgs[0].name]["outcome"] == "decrypted" and not rows[orgs[0].name]["above_ceiling"]
        assert rows[orgs[1].name]["above_ceiling"] is True and "950,000.00" in rows[orgs[1].name]["ceiling_reason"]
        assert rows[orgs[2].name]["form"] == MISFIT  # shown exactly as sealed
        assert any("工期" in f for f in rows[orgs[2].name]["flags"])
        assert any("质量标准" in f for f in rows[orgs[2].name]["flags"])
        assert rows[orgs[3].name]["outcome"] == "revoked" and rows[orgs[3].name]["form"] is None
        assert rows[orgs[4].name]["outcome"] == "withdrawn" and rows[orgs[4].name]["form"] is None
        assert "视为撤回" in rows[orgs[4].name]["reason"]
        assert await host.error("read_record") == zh("The record is read once decryption has ended.")

        # --- K --------------------------------------------------------------------------------
        assert await b1.error("draw_k")
        await host.ok("draw_k")
        for s in everyone:
            (drawn,) = await s.wait_for("k_drawn")
        inputs = drawn["data"]["inputs"]
        assert inputs["commitment"] == commitment and inputs["k"] == drawn["data"]["k"]
        assert sorted(c["contributor"] for c in inputs["contributions"]) == sorted(orgs[i].uscc for i in nonces)
        assert {c["nonce"] for c in inputs["contributions"]} == set(nonces.values())
        assert await host.error("draw_k") == zh("K has already been drawn.")

        # --- confirmation and objections ------------------------------------------------------
        await b1.ok("confirm")
        await b2.ok("confirm")
        assert await b1.error("confirm")
        for who in (public, sup, host, c1):
            await who.error("confirm")
            await who.error("object", question="?")
        question = "我方工期按日历天填写为“一百八十天”，请确认按180日历天记录。"
        await b3.ok("object", question=question)
        (raised,) = await host.wait_for("objection_raised")
        assert raised["data"]["question"] == question and raised["data"]["bidder"] == orgs[2].name
        assert await b3.error("confirm")  # an objection is its answer: no confirming after it (states.CONFIRMABLE)
        await host.error("end_opening")
        assert await sup.error("answer", objection_id=raised["data"]["id"], answer="x")
        answer = "记录按投标人密封的内容原样公布，工期一项已标注不符合申报项，由评标委员会评审。"
        await host.ok("answer", objection_id=raised["data"]["id"], answer=answer)
        assert await host.error("answer", objection_id=raised["data"]["id"], answer=answer) == zh(
            "This objection has been answered.")
        for s in everyone:
            (answered,) = await s.wait_for("objection_answered")
            assert answered["data"]["answer"] == answer and answered["data"]["question"] == question
        snap = await public.snapshot()
        assert snap["objections"] == [answered["data"]]

        await check_record(cast, seats, drawn["data"]["inputs"])

        # Bidders 4 and 5 do not answer: the host waits for the time limit.
        assert (await host.error("end_opening")).startswith(
            zh("Some bidders have neither confirmed nor objected; wait until %(at)s.").split("%")[0])
        hall = await hall_of(lot_id)
        await settle()
        traveller.move_to(hall.confirm_deadline + SECOND)
        assert await b4.error("confirm") == zh("The time to confirm or object is not open.")
        assert await sup.error("end_opening")
        await host.ok("end_opening")
        for s in everyone:
            deemed = await s.wait_for("deemed_accepted", 2)
            assert {e["data"]["bidder"] for e in deemed} == {orgs[3].name, orgs[4].name}
            (ended,) = await s.wait_for("opening_ended")
        assert await host.error("end_opening")
        final = await public.snapshot()
        assert final["state"] == HallState.ENDED and final["record_sha256"] == ended["data"]["record_sha256"]
        assert [r["confirmation"] for r in final["bids"]] == ["confirmed", "confirmed", "objected", "deemed", "deemed"]
        assert [r["outcome"] for r in final["bids"]] == ["decrypted", "decrypted", "decrypted", "revoked", "withdrawn"]
        await settle()
        for s in everyone:
            await s.nothing_more()
            await s.close()

    # --- what each person saw -------------------------------------------------------------------
    public_events = await stored_events(lot_id, public_only=True)
    for s in (host, sup, public, c1, c2, c3):
        assert sorted(s.events) == [e.seq for e in public_events], s.name
        assert len(s.arrivals) == len(set(s.arrivals)), f"{s.name} got an event twice"
        assert all(s.events[e.seq] == hall_services.event_message(e) for e in public_events)
    for s, org in zip(bidders, orgs):
        own = await stored_events(lot_id, organization_id=org.pk)
        assert sorted(s.events) == [e.seq for e in own], s.name
        assert len(s.arrivals) == len(set(s.arrivals))
    private = HallEvent.objects.filter(hall__lot_id=lot_id).exclude(audience=None)
    assert not await database_sync_to_async(private.exists)()

    await check_archive(cast, ended["data"]["record_sha256"])
    await check_audit(cast, seats)


@database_sync_to_async
def check_record(cast, seats, k_inputs):
    """The record as it stands before the end: everything from the server's rows."""
    from bidding.record import build_record

    record = build_record(OpeningHall.objects.get(lot_id=cast.lot_id))
    orgs = [b.organization for b in cast.bidders]
    assert [b["bidder"] for b in record["bids"]] == [o.name for o in orgs]
    assert all(b["receipt_id"] for b in record["bids"])
    assert [b["outcome"] for b in record["bids"]] == ["decrypted", "decrypted", "decrypted", "revoked", "withdrawn"]
    assert [b["above_ceiling"] for b in record["bids"]] == [False, True, False, False, False]
    # The reason is the one read out in the hall, stored with the row.
    assert "950,000.00" in record["bids"][1]["ceiling_reason"]
    assert [b["ceiling_reason"] for b in record["bids"][2:]] == ["", "", ""]
    # The supervisor who watched is the record's 监标人, once however often they connected.
    assert record["opening"]["supervisor"] == str(cast.supervisor)
    (present,) = AuditEvent.objects.filter(action="hall.supervisor_present")
    assert present.actor_id == cast.supervisor.pk and present.ip == seats["supervisor"].address
    assert record["bids"][2]["flags"] and record["bids"][2]["form"] == MISFIT
    assert record["random_coefficient"]["k"] == k_inputs["k"]
    assert record["random_coefficient"]["contributions"] == k_inputs["contributions"]
    (objection,) = record["objections"]
    assert objection["answer"] and objection["answered_by"] == str(cast.tender.staff)
    # The custodians who handed in their shares are named in the record; the third is not.
    assert [c["name"] for c in record["custodians"]] == [str(c.user) for c in cast.tender.custodians[:2]]
    assert all(c["handed_in_at"] for c in record["custodians"])
    addresses = {s["address"] for s in record["steps"] if s["action"] == "hall.signed_in"}
    assert addresses == {seats[f"bidder{i}"].address for i in (1, 2, 3, 5)}


@database_sync_to_async
def check_archive(cast, digest):
    hall = OpeningHall.objects.get(lot_id=cast.lot_id)
    pdf = bytes(hall.record_pdf)
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == hall.record_sha256 == digest
    (ended,) = AuditEvent.objects.filter(action="hall.opening_ended")
    assert ended.data["record_sha256"] == digest and ended.actor_id == cast.tender.staff.pk
    assert not HandedInShare.objects.exists()  # the opening keys are forgotten
    assert AuditEvent.objects.filter(action="opening.keys_forgotten").count() == 1


@database_sync_to_async
def check_audit(cast, seats):
    """Every step is audited with its time, actor, role and network address."""
    users = {"host": cast.tender.staff, **{f"bidder{i + 1}": b.user for i, b in enumerate(cast.bidders)},
             **{f"custodian{i + 1}": c.user for i, c in enumerate(cast.tender.custodians)}}

    def by(name, action, count=1):
        rows = list(AuditEvent.objects.filter(action=action, actor=users[name]).order_by("seq"))
        assert len(rows) == count, (name, action, len(rows))
        for row in rows:
            assert row.ip == seats[name].address and row.at is not None and row.role == users[name].role
        return rows

    for name in ("bidder1", "bidder2", "bidder3", "bidder5"):
        by(name, "hall.signed_in")
    by("host", "hall.decryption_started")
    by("custodian1", "hall.share_handed_in")
    by("custodian2", "hall.share_handed_in")
    by("custodian1", "opening.share_handed_in")
    for name in ("bidder1", "bidder2", "bidder3"):
        by(name, "hall.bid_status", 2)  # decrypting, decrypted
        by(name, "hall.files_decrypted")
        by(name, "opening.file_decrypted", 2)  # the form, then the bid file
    by("bidder5", "hall.bid_status", 2)  # decrypting, failed
    by("host", "hall.row_read", 5)
    by("host", "hall.k_drawn")
    by("bidder1", "hall.confirmed")
    by("bidder2", "hall.confirmed")
    by("bidder3", "hall.objection_raised")
    by("host", "hall.objection_answered")
    by("host", "hall.opening_ended")
    # What the clock did is the platform's, from no address.
    for action in ("hall.bidding_closed", "hall.decryption_ended", "hall.deemed_accepted"):
        rows = list(AuditEvent.objects.filter(action=action))
        assert rows and all(r.actor_id is None and r.actor_name == "system" and r.ip is None for r in rows), action
    k_event = AuditEvent.objects.get(action="hall.k_drawn")
    assert k_event.data["inputs"]["seed"] == OpeningHall.objects.get(lot_id=cast.lot_id).k_seed
    checked, fault = verify_chain()
    assert fault is None and checked > 0


# --- reconnecting ------------------------------------------------------------------------------


def open_to_reading(cast: Cast, *, decrypting=None) -> None:
    """Through the services, on the server clock (time_machine must be past the deadline):
    bidding closes, every bidder signs in, decryption starts, and the bidders in `decrypting`
    (all by default) hand in their keys."""
    closing.close_due_lots()
    lot_id = cast.lot_id
    for b in cast.bidders:
        hall_services.sign_in(actor=b.user, lot_id=lot_id, nonce=nonce())
    hall_services.start_decryption(actor=cast.tender.staff, lot_id=lot_id)
    for i, b in enumerate(cast.bidders):
        if decrypting is None or i in decrypting:
            hall_services.hand_in_identity(actor=b.user, lot_id=lot_id, identity=str(b.identity))


async def test_reconnect_in_the_middle_of_the_reading_loses_and_repeats_nothing():
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}, {**FORM, "price": "944000.00"}]
    cast = await database_sync_to_async(build_cast)(forms)
    tender, lot_id = cast.tender, cast.lot_id
    host, watcher, b1, b2 = seat(cast, "host"), seat(cast, "public"), seat(cast, "bidder1"), seat(cast, "bidder2")
    with time_machine.travel(tender.deadline + SECOND, tick=True):
        await database_sync_to_async(open_to_reading)(cast)
        await database_sync_to_async(hall_services.end_decryption)(actor=tender.staff, lot_id=lot_id)
        for s in (host, watcher, b1, b2):
            first = await s.connect()
            # A newcomer gets the current state and every event so far.
            assert first["state"] == HallState.READING and len(first["bids"]) == 4
            assert all("form" not in row for row in first["bids"])  # decrypted, not yet read
            await s.until_seq(first["last_seq"])
        assert sorted(watcher.events) == list(range(1, watcher.snapshots[0]["last_seq"] + 1))

        await host.ok("read_record")
        rows = await watcher.wait_for("row_read", 2)
        seen = watcher.last_seq
        assert seen == rows[1]["seq"]
        await watcher.close()  # the connection drops: the rest of the reading is lost on the way

        await b1.wait_for("confirmation_open")
        await b1.ok("confirm")  # the hall goes on meanwhile
        await host.wait_for("confirmed")

        snap = await watcher.connect(after=seen)
        assert snap["state"] == HallState.CONFIRMING
        assert [row["form"]["price"] for row in snap["bids"]] == [f["price"] for f in forms]
        assert [row["confirmation"] for row in snap["bids"]] == ["confirmed", "pending", "pending", "pending"]
        await watcher.until_seq(snap["last_seq"])
        await b2.ok("confirm")  # and live again
        live = (await watcher.wait_for("confirmed", 2))[1]
        assert live["data"]["bidder"] == cast.bidders[1].organization.name

        # A client that saw a gap asks for what it missed, with "resume"; live events go on once.
        await watcher.send({"type": "resume", "after": seen})
        resent = [json.loads(await watcher.communicator.receive_from()) for _ in range(watcher.last_seq - seen)]
        assert [m["seq"] for m in resent] == list(range(seen + 1, watcher.last_seq + 1))
        await b1.error("confirm")
        await b2.error("confirm")
        await b1.ok("object", question="第3行的报价与我方记录不符？")
        await watcher.wait_for("objection_raised")
        final = await last_seq(lot_id)
        for s in (host, watcher, b1, b2):
            await s.until_seq(final)
            await s.nothing_more()
            await s.close()

    public_events = await stored_events(lot_id, public_only=True)
    assert sorted(watcher.events) == [e.seq for e in public_events]
    assert all(watcher.events[e.seq] == hall_services.event_message(e) for e in public_events)
    # Each event came once over the sockets, but for the ones the client asked for again itself.
    assert len(watcher.arrivals) == len(public_events)
    assert sorted(host.events) == [e.seq for e in public_events] and len(host.arrivals) == len(public_events)
    assert [e["data"]["bidder"] for e in watcher.of_kind("row_read")] == [b.organization.name for b in cast.bidders]


# --- K ---------------------------------------------------------------------------------------------

RECOMPUTE = Path(settings.BASE_DIR) / "tools" / "recompute_k.py"


def recompute_k(path) -> subprocess.CompletedProcess:
    """The published script, run as anyone would run it: a separate Python, the file as input."""
    return subprocess.run([sys.executable, str(RECOMPUTE), str(path)], capture_output=True, text=True, timeout=60)


async def test_k_recomputed_from_the_published_inputs_by_the_script_equals_the_k_drawn(tmp_path):
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(build_cast)(forms, **K_RULES)
    tender, lot_id = cast.tender, cast.lot_id
    host, public = seat(cast, "host"), seat(cast, "public")
    bidders = [seat(cast, f"bidder{i}") for i in (1, 2, 3)]
    with time_machine.travel(tender.deadline - MINUTE, tick=True) as traveller:
        first = await public.connect()
        (opened,) = await public.wait_for("hall_opened")
        committed = opened["data"]["k"]
        # The range and the commitment are public before anyone signs in; the seed is not.
        assert committed == first["k"] and set(committed) == {"low", "high", "step", "commitment"}
        assert (committed["low"], committed["high"], committed["step"]) == ("0.02", "0.05", "0.0005")
        nonces = []
        for b in bidders:
            await b.connect()
            nonces.append(nonce())
            await b.ok("sign_in", nonce=nonces[-1])  # two before the deadline…
            if len(nonces) == 2:
                await settle()
                traveller.move_to(tender.deadline + SECOND)
                await close_due_lots()  # …one after
        await host.connect()
        assert await host.error("draw_k") == zh("K is drawn once sign-in has closed, after decryption has started.")
        await host.ok("start_decryption")
        assert await bidders[0].error("draw_k") == zh("Only the trading center's host may do this.")
        await host.ok("draw_k")
        (drawn,) = await public.wait_for("k_drawn")
        snap = await public.snapshot()
        for s in (host, public, *bidders):
            await s.close()

    inputs = drawn["data"]["inputs"]
    assert inputs["commitment"] == committed["commitment"]
    assert sorted(c["nonce"] for c in inputs["contributions"]) == sorted(nonces)
    assert sorted(c["contributor"] for c in inputs["contributions"]) == sorted(
        b.organization.uscc for b in cast.bidders)
    assert snap["k"]["k"] == drawn["data"]["k"] and snap["k"]["seed"] == inputs["seed"]

    published = tmp_path / "k-inputs.json"
    published.write_text(json.dumps(inputs, ensure_ascii=False), encoding="utf-8")
    result = recompute_k(published)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == drawn["data"]["k"]
    assert 0.02 <= float(drawn["data"]["k"]) <= 0.05

    # A changed input is caught by the script: another seed breaks the commitment; with a
    # nonce changed, the published K no longer follows (but by a 1-in-61 chance), and the
    # script recomputes what the platform's own rule gives for the changed inputs.
    forged = {**inputs, "seed": "00" * 32}
    (tmp_path / "forged-seed.json").write_text(json.dumps(forged))
    refused = recompute_k(tmp_path / "forged-seed.json")
    assert refused.returncode == 1 and "commitment" in refused.stderr
    altered = json.loads(json.dumps(inputs))
    altered["contributions"][0]["nonce"] = nonce()
    (tmp_path / "altered-nonce.json").write_text(json.dumps(altered))
    rng = draw.make_range(**altered["range"])
    contributions = [(c["contributor"], c["nonce"]) for c in altered["contributions"]]
    expected = draw.draw(bytes.fromhex(altered["seed"]), contributions, lot=altered["lot"], rng=rng).k
    other = recompute_k(tmp_path / "altered-nonce.json")
    if expected == inputs["k"]:
        assert other.returncode == 0 and other.stdout.strip() == expected
    else:
        assert other.returncode == 1 and f"differs from the recomputed K {expected}" in other.stderr

    @database_sync_to_async
    def stored():
        hall = OpeningHall.objects.get(lot_id=lot_id)
        assert hall.k_value == drawn["data"]["k"] and hall.k_seed == inputs["seed"]
        assert AuditEvent.objects.get(action="hall.k_drawn").data["inputs"] == inputs

    await stored()


# --- the tender's remedy, and a tender where bidders do not decrypt -----------------------------


async def test_where_the_tender_names_the_custodians_remedy_the_host_may_apply_it():
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}, {**FORM, "price": "944000.00"}]
    cast = await database_sync_to_async(build_cast)(forms, remedy_custodian_stanza=True)
    tender, lot_id = cast.tender, cast.lot_id
    host, public, b3, c1, c2 = (seat(cast, n) for n in ("host", "public", "bidder3", "custodian1", "custodian2"))
    orgs = [b.organization for b in cast.bidders]
    with time_machine.travel(tender.deadline + SECOND, tick=True) as traveller:
        await database_sync_to_async(open_to_reading)(cast, decrypting={0, 1})
        for s in (host, public, b3, c1, c2):
            await s.connect()
        openings = {o.bid.organization_id: o.pk for o in await database_sync_to_async(
            lambda: list(BidOpening.objects.select_related("bid")))()}
        hall = await hall_of(lot_id)
        # Before the limit the bid is still its bidder's to decrypt: no remedy yet.
        assert (await host.error("apply_remedy", opening_id=openings[orgs[2].pk])).startswith(zh(
            "This bidder may still decrypt its bid until %(at)s; the remedy is for a bid that was not decrypted in "
            "time.").split("%")[0])
        traveller.move_to(hall.decryption_deadline + SECOND)
        await tick(lot_id)
        revoked = await public.wait_for("bid_status", 2, status="failed", outcome="revoked")
        assert {e["data"]["bidder"] for e in revoked} == {orgs[2].name, orgs[3].name}
        await public.wait_for("decryption_ended")

        opening3 = openings[orgs[2].pk]
        assert await host.error("apply_remedy", opening_id=opening3) == zh(
            "The custodians have not yet handed in enough shares.")
        await c1.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(0))
        assert await host.error("apply_remedy", opening_id=opening3) == zh(
            "The custodians have not yet handed in enough shares.")
        await c2.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(1))
        assert await b3.error("apply_remedy", opening_id=opening3) == zh("Only the trading center's host may do this.")
        assert await host.error("apply_remedy", opening_id=openings[orgs[0].pk]) == zh(
            "The remedy applies only to a bid that was not decrypted.")
        before = await last_seq(lot_id)
        await host.ok("apply_remedy", opening_id=opening3)
        await public.wait_for("bid_status", bidder=orgs[2].name, outcome="remedied")
        steps = [e for e in public.of_kind("bid_status") if e["data"]["bidder"] == orgs[2].name]
        assert [(e["data"]["status"], e["data"]["outcome"]) for e in steps if e["seq"] > before] == [
            ("decrypting", ""), ("decrypted", "remedied")]
        assert steps[-2]["data"]["reason"] == zh("remedy applied by the host")
        await public.wait_for("files_decrypted", bidder=orgs[2].name)
        assert await host.error("apply_remedy", opening_id=opening3) == zh(
            "The remedy applies only to a bid that was not decrypted.")

        await host.ok("read_record")
        rows = {e["data"]["bidder"]: e["data"] for e in await public.wait_for("row_read", 4)}
        assert rows[orgs[2].name]["outcome"] == "remedied" and rows[orgs[2].name]["form"] == forms[2]
        assert rows[orgs[3].name]["outcome"] == "revoked" and rows[orgs[3].name]["form"] is None
        # Once the record is read, no remedy changes it.
        before = await last_seq(lot_id)
        await host.error("apply_remedy", opening_id=openings[orgs[3].pk])
        assert await last_seq(lot_id) == before
        for s in (host, public, b3, c1, c2):
            await s.close()

    @database_sync_to_async
    def check():
        files = SealedFile.objects.filter(bid__organization=orgs[2], bid__state="complete")
        assert {f.opened_with for f in files} == {"opening"} and all(f.opened_storage_name for f in files)
        assert not SealedFile.objects.filter(bid__organization=orgs[3]).exclude(opened_at=None).exists()
        rows = AuditEvent.objects.filter(action="hall.bid_status", actor=tender.staff)
        assert rows.count() == 2 and {r.ip for r in rows} == {host.address}
        assert BidOpening.objects.get(pk=openings[orgs[3].pk]).outcome == "revoked"

    await check()


async def test_where_bidders_do_not_decrypt_the_custodians_shares_open_every_bid():
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(build_cast)(forms, bidders_decrypt=False)
    tender = cast.tender
    host, public, b1, c1, c3 = (seat(cast, n) for n in ("host", "public", "bidder1", "custodian1", "custodian3"))
    with time_machine.travel(tender.deadline + SECOND, tick=True):
        await close_due_lots()
        for s in (host, public, b1, c1, c3):
            await s.connect()
        await host.ok("start_decryption")
        (started,) = await public.wait_for("decryption_started")
        assert started["data"]["bidders_decrypt"] is False
        await c1.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(0))
        await c3.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(2))
        await public.wait_for("opening_key_rebuilt")
        decrypted = await public.wait_for("bid_status", 3, status="decrypted")
        assert [e["data"]["outcome"] for e in decrypted] == ["decrypted"] * 3
        await public.wait_for("files_decrypted", 3)
        await host.ok("end_decryption")
        await host.ok("read_record")
        rows = await public.wait_for("row_read", 3)
        assert [r["data"]["form"] for r in rows] == forms
        for s in (host, public, b1, c1, c3):
            await s.close()


# --- bad and out-of-turn messages -------------------------------------------------------------------


async def test_every_bad_or_out_of_turn_message_gets_a_clear_error_and_changes_nothing():
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(build_cast)(forms, remedy_custodian_stanza=True)
    other = await database_sync_to_async(build_cast)([])  # another tender, with its own custodians
    tender, lot_id = cast.tender, cast.lot_id
    host, b1, c1, public = (seat(cast, n) for n in ("host", "bidder1", "custodian1", "public"))

    async def refused(s: Seat, message, expected: str | None = None):
        before = await last_seq(lot_id)
        reply = await s.reply_to_raw(message if isinstance(message, str) else json.dumps(message))
        assert reply["type"] == "error" and reply["message"], (message, reply)
        if expected is not None:
            assert reply["message"] == zh(expected), (message, reply)
        assert await last_seq(lot_id) == before, f"{message} changed the hall"
        return reply

    with time_machine.travel(tender.deadline + SECOND, tick=True):
        await close_due_lots()
        for s in (host, b1, c1, public):
            await s.connect()
        for s in (host, b1, public):
            await refused(s, "this is not JSON", "Messages are JSON objects.")
            await refused(s, "[1, 2]", "Messages are JSON objects.")
            await refused(s, {"type": "take_over"}, "Unknown command.")
            await refused(s, {"ref": 1}, "Unknown command.")
            await refused(s, {"type": ["sign_in"]}, "Unknown command.")
        for value in (123, None, ["ab" * 32], "ab" * 31, "zz" * 32):
            await refused(b1, {"type": "sign_in", "nonce": value})
        reply = await refused(b1, {"type": "sign_in", "ref": "r1", "nonce": 7})
        assert reply["ref"] == "r1" and reply["command"] == "sign_in"
        for value in (5, None, {"identity": "x"}):
            await refused(b1, {"type": "hand_in_identity", "identity": value})
        await b1.ok("sign_in", nonce=nonce())

        # Out of turn: not yet decrypting.
        await refused(host, {"type": "end_decryption"}, "Decryption is not running.")
        await refused(host, {"type": "read_record"}, "The record is read once decryption has ended.")
        await refused(host, {"type": "end_opening"}, "The opening ends after the record is read and confirmed.")
        await refused(b1, {"type": "confirm"}, "The time to confirm or object is not open.")
        await refused(b1, {"type": "object", "question": "?"}, "The time to confirm or object is not open.")
        await refused(c1, {"type": "hand_in_share", "payload": await database_sync_to_async(cast.share_payload)(0)},
                      "Shares are handed in once decryption has started.")

        await host.ok("start_decryption")
        damaged = {"format": "kaibiao-opening-share/1", "tender": tender.project.code, "share": "00"}
        for value in (5, None, [], "{}", "not json", damaged):
            await refused(c1, {"type": "hand_in_share", "payload": value})
        # A share of another tender, decrypted by a custodian of that tender, is not this one's.
        outsider = Seat("outsider", lot_id,
                        cookie=await database_sync_to_async(session_cookie)(other.tender.custodians[0].user))
        await outsider.connect()
        foreign = await database_sync_to_async(other.share_payload)(0)
        await refused(outsider, {"type": "hand_in_share", "payload": foreign},
                      "You hold no share of this tender's opening key.")
        await outsider.close()
        for value in ("abc", None, {"a": 1}, [1], 10**30, True):
            await refused(host, {"type": "apply_remedy", "opening_id": value})

        await b1.ok("hand_in_identity", identity=str(cast.bidders[0].identity))
        for i in (1, 2):
            await database_sync_to_async(hall_services.hand_in_identity)(
                actor=cast.bidders[i].user, lot_id=lot_id, identity=str(cast.bidders[i].identity))
        await host.ok("end_decryption")
        await host.ok("read_record")
        for value in (123, None, "   ", "长" * 2001, {"q": 1}):
            await refused(b1, {"type": "object", "question": value})
        await b1.ok("object", question="请核对第一行。")
        (raised,) = await host.wait_for("objection_raised")
        objection = raised["data"]["id"]
        for objection_id, answer in (("abc", "x"), (None, "x"), ({"a": 1}, "x"), (10**30, "x"), (0, "x"),
                                     (objection, 5), (objection, None), (objection, "  "), (999999, "x")):
            await refused(host, {"type": "answer", "objection_id": objection_id, "answer": answer})
        await refused(b1, {"type": "answer", "objection_id": raised["data"]["id"], "answer": "自问自答"},
                      "Only the trading center's host may do this.")
        # The socket stays open through all of it, and the next good message works.
        await host.ok("answer", objection_id=raised["data"]["id"], answer="已核对，记录无误。")
        await public.wait_for("objection_answered")
        for s in (host, b1, c1, public):
            await s.close()

    # A lot that is not published has no hall to enter.
    draft = await database_sync_to_async(lambda: Lot.objects.create(
        project=tender.project, number=99, name="草稿标段", budget=1, state=LotState.DRAFT))()
    assert await Seat("public", draft.pk).connect_refused() == 4404
    # A page of another site cannot open the hall with the user's cookie (Origin is checked).
    assert await seat(cast, "bidder1").connect_refused(origin=b"https://elsewhere.example")


# --- the services on the clock they are given ---------------------------------------------------------


async def test_the_services_take_every_step_on_the_server_time_they_are_given():
    """Called directly (as the scheduled jobs and the consumer call them), each service judges
    by its `now`: a bidder's key handed in after the deadline opens its bid, and the bid
    files' decryption is judged by the same clock."""
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(build_cast)(forms, decryption_minutes=15)

    @database_sync_to_async
    def run():
        tender, lot_id = cast.tender, cast.lot_id
        b = cast.bidders
        at = tender.deadline + SECOND
        hall_services.ensure_hall(tender.lot)
        hall_services.sign_in(actor=b[0].user, lot_id=lot_id, nonce=nonce(), now=tender.deadline - MINUTE)
        assert list(HallEvent.objects.filter(hall__lot_id=lot_id).values_list("kind", flat=True)) == ["hall_opened"]
        (signed,) = AuditEvent.objects.filter(action="hall.signed_in")
        assert signed.actor_id == b[0].user.pk
        closing.close_due_lots(now=at)
        hall_services.sign_in(actor=b[1].user, lot_id=lot_id, nonce=nonce(), now=at)
        # Once: the refusal leaves the transaction and the hall as they were (PostgreSQL too).
        with translation.override("en"), pytest.raises(RuleViolation, match="already signed in"):
            hall_services.sign_in(actor=b[1].user, lot_id=lot_id, nonce=nonce(), now=at)
        assert SignIn.objects.filter(hall__lot_id=lot_id).count() == 2
        assert HallEvent.objects.filter(hall__lot_id=lot_id, kind="signed_in").count() == 1
        hall_services.start_decryption(actor=tender.staff, lot_id=lot_id, now=at + SECOND)
        hall = OpeningHall.objects.get(lot_id=lot_id)
        assert hall.decryption_deadline == at + SECOND + timedelta(minutes=15)
        for bidder in b[:2]:
            opening = hall_services.hand_in_identity(actor=bidder.user, lot_id=lot_id, identity=str(bidder.identity),
                                                     now=at + 2 * SECOND)
            assert (opening.status, opening.outcome, opening.form) == ("decrypted", "decrypted", forms[b.index(bidder)])
        # The third bidder's time runs out on the clock the next caller brings.
        hall_services.tick(lot_id, now=hall.decryption_deadline - SECOND)
        assert OpeningHall.objects.get(lot_id=lot_id).state == HallState.DECRYPTING
        hall_services.tick(lot_id, now=hall.decryption_deadline)
        third = BidOpening.objects.get(bid__organization=b[2].organization)
        assert (third.status, third.outcome) == ("failed", "revoked")
        hall_services.read_record(actor=tender.staff, lot_id=lot_id, now=hall.decryption_deadline + SECOND)
        assert OpeningHall.objects.get(lot_id=lot_id).state == HallState.CONFIRMING
        assert list(SignIn.objects.filter(hall=hall).order_by("at").values_list("organization", flat=True)) == [
            b[0].organization.pk, b[1].organization.pk]
        # A command that comes after a time limit is refused on the clock it brings, and what the
        # clock owed is applied all the same: the bidders who had not answered are deemed to accept.
        hall.refresh_from_db()
        with translation.override("en"), pytest.raises(RuleViolation, match="time to confirm or object is not open"):
            hall_services.confirm(actor=b[0].user, lot_id=lot_id, now=hall.confirm_deadline)
        assert set(BidOpening.objects.filter(hall=hall).values_list("confirmation", flat=True)) == {"deemed"}
        assert HallEvent.objects.filter(hall=hall, kind="deemed_accepted").count() == 3

    await run()


async def test_a_long_step_in_one_hall_does_not_hold_up_another_hall(monkeypatch):
    """Hashing every stored bid file again when one hall's decryption starts (gigabytes, for
    big bids) runs on a thread of its own: meanwhile a bidder in another hall signs in and has
    its answer, and the first hall's host gets its answer once the hashing is done."""
    import threading

    first = await database_sync_to_async(build_cast)([FORM, FORM, FORM])
    second = await database_sync_to_async(build_cast)([FORM, FORM, FORM])
    hashing, release = threading.Event(), threading.Event()
    real = storage.hash_prefix

    def slow_hash(*args, **kwargs):
        hashing.set()
        release.wait(30)
        return real(*args, **kwargs)

    host, bidder = seat(first, "host"), seat(second, "bidder1")
    at = max(first.tender.deadline, second.tender.deadline) + SECOND
    with time_machine.travel(at, tick=True):
        await close_due_lots()
        await host.connect()
        await bidder.connect()
        monkeypatch.setattr(storage, "hash_prefix", slow_hash)
        try:
            await host.send({"type": "start_decryption", "ref": "long"})
            assert await asyncio.to_thread(hashing.wait, 10), "the hashing did not start"
            assert (await bidder.command("sign_in", nonce=nonce()))["type"] == "ok"
            assert not release.is_set() and not any(r.get("ref") == "long" for r in host.replies)
        finally:
            release.set()
        while not any(r.get("ref") == "long" for r in host.replies):
            await host._receive()
        assert [r["type"] for r in host.replies if r.get("ref") == "long"] == ["ok"]
        (started,) = await host.wait_for("decryption_started")
        assert all(f["match"] for d in started["data"]["digests"] for f in d["files"])
    for s in (host, bidder):
        await s.close()


async def test_a_hall_whose_subscription_the_layer_forgot_hears_its_bell_again(monkeypatch):
    """A layer forgets a group member after its group expiry (a day; the in-memory layer also
    when a message waited unread past a minute). Each process renews its hall's subscription,
    so a long-open hall page still gets the next event rung from elsewhere."""
    from channels.layers import get_channel_layer

    from rooms import bell, hub as room_hub

    monkeypatch.setattr(room_hub.Hub, "RENEW_SECONDS", 0.05)
    monkeypatch.setattr(room_hub.Hub, "WATCH_SECONDS", 3600)  # the layer's bell alone, not the watcher
    cast = await database_sync_to_async(build_cast)([FORM, FORM, FORM])
    public = seat(cast, "public")
    with time_machine.travel(cast.tender.deadline + SECOND, tick=True):
        await close_due_lots()
        await public.connect()
        hub = room_hub.current_hub(hall_services.KIND)
        hall = await hall_of(cast.lot_id)
        async with asyncio.timeout(10):  # the snapshot comes before the subscription (Redis: round trips)
            while hall.pk not in hub.channels:
                await asyncio.sleep(0.01)
        channel = hub.channels[hall.pk]
        await get_channel_layer().group_discard(hall_services.KIND.group(hall.pk), channel)  # as expiry does
        await asyncio.sleep(0.3)
        monkeypatch.setattr(room_hub.Hub, "RENEW_SECONDS", 3600)  # after one more renewal, none for now
        await asyncio.sleep(0.2)
        # Signed in as from another process (no bell rung in this one): only the layer's bell can tell.
        monkeypatch.setattr(bell, "local_bell", None)
        await database_sync_to_async(hall_services.sign_in)(actor=cast.bidders[0].user, lot_id=cast.lot_id,
                                                             nonce=nonce())
        (signed,) = await public.wait_for("signed_in")
        assert signed["data"]["bidder"] == cast.bidders[0].organization.name
    await public.close()


async def test_the_next_event_comes_with_its_bell_and_reads_as_the_stored_one(monkeypatch):
    """Each process sends on the event its bell carries when it is the next one it expects, so
    a broadcast costs no database read; what it sends is what the stored event replays as."""
    from rooms import hub as room_hub

    monkeypatch.setattr(room_hub.Hub, "WATCH_SECONDS", 3600)

    cast = await database_sync_to_async(build_cast)([FORM, FORM, FORM])
    public = seat(cast, "public")
    with time_machine.travel(cast.tender.deadline + SECOND, tick=True):
        await close_due_lots()
        await public.connect()
        hall = await hall_of(cast.lot_id)
        hub = room_hub.current_hub(hall_services.KIND)
        async with asyncio.timeout(10):  # the connection has joined the hub and caught up
            while hall.pk not in hub.recent or hub.recent[hall.pk].top < hall.last_seq:
                await asyncio.sleep(0.01)

        def no_reads(*args):
            raise AssertionError("the hub read the database for an event its bell carried")

        monkeypatch.setattr(hall_services.KIND, "events_from", no_reads)
        await database_sync_to_async(hall_services.sign_in)(actor=cast.bidders[0].user, lot_id=cast.lot_id,
                                                             nonce=nonce())
        (signed,) = await public.wait_for("signed_in")
        stored = await database_sync_to_async(HallEvent.objects.get)(hall__lot_id=cast.lot_id, seq=signed["seq"])
        assert signed == json.loads(json.dumps(hall_services.event_message(stored)))
    await public.close()


async def test_only_a_supervisor_of_the_lots_center_is_recorded_as_its_supervisor_once():
    cast = await database_sync_to_async(build_cast)([FORM, FORM, FORM])

    @database_sync_to_async
    def run():
        from tests.trading.factories import CenterFactory
        from trading.errors import PermissionDenied

        lot_id = cast.lot_id
        hall_services.ensure_hall(cast.tender.lot)
        elsewhere = supervisor(CenterFactory())
        for outsider in (elsewhere, cast.bidders[0].user, cast.tender.staff):
            with pytest.raises(PermissionDenied):
                hall_services.note_supervisor(actor=outsider, lot_id=lot_id)
        assert hall_services.note_supervisor(actor=cast.supervisor, lot_id=lot_id) is True
        assert hall_services.note_supervisor(actor=cast.supervisor, lot_id=lot_id) is False
        assert AuditEvent.objects.filter(action="hall.supervisor_present").count() == 1
        from bidding.models import SupervisorPresence

        assert list(SupervisorPresence.objects.values_list("user", flat=True)) == [cast.supervisor.pk]

    await run()


async def test_a_bid_that_does_not_count_at_the_deadline_is_neither_listed_nor_opened():
    """Where the tender requires bid security, a complete bid without it does not count
    (bidding.selectors.complete_bid_count): the hall lists and opens the same bids it counts."""
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}, {**FORM, "price": "944000.00"}]
    cast = await database_sync_to_async(build_cast)(forms, require_bid_security=True)

    @database_sync_to_async
    def run():
        from bidding import security
        from decimal import Decimal

        tender = cast.tender
        for b in cast.bidders[:3]:
            security.record_bid_security(actor=tender.staff, lot=tender.lot, organization=b.organization,
                                         amount=Decimal("10000.00"), method="transfer",
                                         reference=f"TX-{b.organization.pk}")
        closing.close_due_lots(now=tender.deadline + SECOND)
        (closed,) = HallEvent.objects.filter(hall__lot_id=cast.lot_id, kind="bidding_closed")
        assert closed.data["complete_bids"] == 3
        assert [row["bidder"] for row in closed.data["bidders"]] == [b.organization.name for b in cast.bidders[:3]]
        assert set(BidOpening.objects.values_list("bid__organization", flat=True)) == {
            b.organization.pk for b in cast.bidders[:3]}
        # Nor does its bidder sign in as a bidder of this opening (or add to K).
        with translation.override("en"), pytest.raises(RuleViolation) as refused:
            hall_services.sign_in(actor=cast.bidders[3].user, lot_id=cast.lot_id, nonce=nonce(),
                                  now=tender.deadline + 2 * SECOND)
        assert str(refused.value) == "Your organization has no bid that counts in this opening."
        # A bidder with no bid at all is told so.
        stranger = UserFactory(role=Role.BIDDER, organization=OrganizationFactory())
        with translation.override("en"), pytest.raises(RuleViolation) as refused:
            hall_services.sign_in(actor=stranger, lot_id=cast.lot_id, nonce=nonce(), now=tender.deadline + 2 * SECOND)
        assert str(refused.value) == "Your organization has no complete bid for this lot."
        assert not SignIn.objects.exists()
        hall_services.sign_in(actor=cast.bidders[0].user, lot_id=cast.lot_id, nonce=nonce(),
                              now=tender.deadline + 2 * SECOND)

    await run()


async def test_where_bidders_do_not_decrypt_a_wrong_share_announces_no_key_and_the_bids_left_shut_are_withdrawn():
    """In a tender where the custodians alone open, a bid left shut is no fault of its bidder:
    it counts as withdrawn (视为撤回), not revoked. A wrong share (right form, wrong bytes)
    cannot be told from a right one alone; with it among the first k, no key is announced."""
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(build_cast)(forms, bidders_decrypt=False)
    tender, lot_id = cast.tender, cast.lot_id
    host, public, c1, c2 = (seat(cast, n) for n in ("host", "public", "custodian1", "custodian2"))
    with time_machine.travel(tender.deadline + SECOND, tick=True) as traveller:
        await close_due_lots()
        for s in (host, public, c1, c2):
            await s.connect()
        await host.ok("start_decryption")
        right = json.loads(await database_sync_to_async(cast.share_payload)(0))
        wrong = {**right, "share": os.urandom(32).hex() + right["share"][-2:]}
        await c1.ok("hand_in_share", payload=json.dumps(wrong))
        await c2.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(1))
        handed = await public.wait_for("share_handed_in", 2)
        assert [e["data"]["count"] for e in handed] == [1, 2]
        await settle()
        await public.until_seq(await last_seq(lot_id))
        assert "opening_key_rebuilt" not in public.kinds() and "bid_status" not in public.kinds()

        hall = await hall_of(lot_id)
        await settle()
        traveller.move_to(hall.decryption_deadline + SECOND)
        await tick(lot_id)
        failed = await public.wait_for("bid_status", 3, status="failed")
        assert {e["data"]["outcome"] for e in failed} == {"withdrawn"}
        assert all("视为撤回" in e["data"]["reason"] for e in failed)
        await public.wait_for("decryption_ended")
        for s in (host, public, c1, c2):
            await s.close()


def lose_stored_bid_file(bidder) -> None:
    """The stored bytes of the bidder's sealed bid file are gone (a storage fault)."""
    sealed = SealedFile.objects.get(bid__organization=bidder.organization, bid__state="complete", kind="file")
    storage.path_of(sealed.storage_name).unlink()


async def test_a_bid_whose_stored_file_is_lost_counts_as_withdrawn_and_the_opening_goes_on():
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(build_cast)(forms)
    await database_sync_to_async(lose_stored_bid_file)(cast.bidders[0])
    tender = cast.tender
    host, public, b1, b2 = (seat(cast, n) for n in ("host", "public", "bidder1", "bidder2"))
    orgs = [b.organization for b in cast.bidders]
    with time_machine.travel(tender.deadline + SECOND, tick=True):
        await close_due_lots()
        for s in (host, public, b1, b2):
            await s.connect()
        await host.ok("start_decryption")
        (started,) = await public.wait_for("decryption_started")
        assert {f["name"]: f["match"] for f in started["data"]["digests"][0]["files"]} == {
            "opening-form.json.age": True, "技术标.pdf.age": False}
        await b1.ok("hand_in_identity", identity=str(cast.bidders[0].identity))
        (failed,) = await public.wait_for("bid_status", bidder=orgs[0].name, status="failed")
        assert failed["data"]["outcome"] == "withdrawn" and "视为撤回" in failed["data"]["reason"]
        reason = failed["data"]["reason"]
        assert str(settings.KAIBIAO_SEALED_ROOT) not in reason and "Errno" not in reason  # no server path published
        await b2.ok("hand_in_identity", identity=str(cast.bidders[1].identity))
        await public.wait_for("files_decrypted", bidder=orgs[1].name)
        for s in (host, public, b1, b2):
            await s.close()
    opening = await database_sync_to_async(BidOpening.objects.get)(bid__organization=orgs[0])
    assert (opening.status, opening.outcome) == ("failed", "withdrawn")


async def test_a_late_closing_job_does_not_hold_the_hall_the_first_request_after_the_deadline_closes_bidding():
    """DESIGN.md §3: the deadline's transition is checked again on every request, so the hall
    does not wait for the scheduled job."""
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(build_cast)(forms)
    tender, lot_id = cast.tender, cast.lot_id
    host, public, b1 = (seat(cast, n) for n in ("host", "public", "bidder1"))
    with time_machine.travel(tender.deadline - MINUTE, tick=True) as traveller:
        await public.connect()
        await b1.connect()
        await settle()
        traveller.move_to(tender.deadline + SECOND)
        # No closing job has run; the bidder's sign-in is the first request after the deadline.
        await b1.ok("sign_in", nonce=nonce())
        (closed,) = await public.wait_for("bidding_closed")
        assert closed["data"]["complete_bids"] == 3
        (signed,) = await public.wait_for("signed_in")
        assert signed["seq"] > closed["seq"]
        await host.connect()
        await host.ok("start_decryption")
        await public.wait_for("decryption_started")
        for s in (host, public, b1):
            await s.close()
    lot = await database_sync_to_async(Lot.objects.get)(pk=lot_id)
    assert lot.state == LotState.OPENING
