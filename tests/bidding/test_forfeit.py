"""A bid that neither its bidder nor the custodians can open counts as revoked by the bidder.

Through a real opening (WebSocket seats, real age keys, real custodian shares): a bid sealed to
its bidder's key alone, its bidder not decrypting, the remedy with the opening key failing, is
revoked by the bidder's fault (视为撤销, 电子招标投标办法 第三十一条); when the record is read its
bid security is forfeit once (招标投标法实施条例 第三十五条), audited, and the record, its PDF, the
hall's row, the bid page and the staff's page say so. A bid sealed to both keys is opened with
the custodians' key when its bidder does not decrypt, and keeps its security."""

import json
from decimal import Decimal

import pytest
import time_machine
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from bidding import agefile, record_pdf, security
from bidding import hall as hall_services
from bidding.models import BidOpening, BidSecurity, OpeningHall
from bidding.record import build_record, render_record
from tests.bidding.conftest import FORM, SealedBid, make_bidder, submit
from tests.bidding.hall_helpers import SMALL_FILE, build_cast, hall_of, seat, session_cookie
from tests.bidding.test_hall import MINUTE, SECOND, open_to_reading, tick, zh
from tests.bidding.test_record_pdf import flat, pdf_text
from trading.errors import RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)

AMOUNT = Decimal("20000.00")
NOT_SEALED_TO_OPENING = ("The custodians' opening key does not open this bid: its bidder did not seal it to the opening "
                         "key, as every bid must be. It counts as revoked by the bidder (视为撤销).")


def sealed_to(recipients, form) -> SealedBid:
    """A bid sealed as a tampered browser would: to `recipients` only."""
    entries = [("form", "opening-form.json.age", json.dumps(form, ensure_ascii=False).encode("utf-8"))]
    entries += [("file", f"{name}.age", data) for name, data in SMALL_FILE.items()]
    return SealedBid(kinds={n: k for k, n, _d in entries}, plaintexts={n: d for _k, n, d in entries},
                     ciphertexts={n: agefile.encrypt_bytes(d, recipients) for _k, n, d in entries})


def cast_with_a_bid_to_its_own_key_alone(forms, **rules):
    """build_cast's bidders (sealed to both keys), then one more whose bid is sealed to its own
    key alone; every bidder's bid security recorded by the staff."""
    cast = build_cast(forms, **rules)
    tender = cast.tender
    alone = make_bidder(tender)
    submit(tender, alone, sealed_to([alone.identity.recipient], {**FORM, "price": "955000.00"}))
    cast.bidders.append(alone)
    cast.cookies[f"bidder{len(cast.bidders)}"] = session_cookie(alone.user)
    for bidder in cast.bidders:
        security.record_bid_security(actor=tender.staff, lot=tender.lot, organization=bidder.organization,
                                     amount=max(AMOUNT, tender.lot.bid_security), method="transfer",
                                     reference=f"T-{bidder.organization.uscc}")
    return cast


def forfeits(organization=None):
    rows = AuditEvent.objects.filter(action="bid_security.forfeited")
    return list(rows.filter(data__organization=organization.uscc) if organization else rows)


async def test_a_bid_to_the_bidders_key_alone_not_decrypted_is_revoked_and_its_security_forfeit(tmp_path):
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(cast_with_a_bid_to_its_own_key_alone)(forms, remedy_custodian_stanza=True)
    tender, lot_id = cast.tender, cast.lot_id
    orgs = [b.organization for b in cast.bidders]
    both, alone = orgs[2], orgs[3]  # neither decrypts; bidder 3 sealed to both keys, bidder 4 to its own alone
    host, public, b4, c1, c2 = (seat(cast, n) for n in ("host", "public", "bidder4", "custodian1", "custodian2"))
    with time_machine.travel(tender.deadline + SECOND, tick=True) as traveller:
        await database_sync_to_async(open_to_reading)(cast, decrypting={0, 1})
        for s in (host, public, b4, c1, c2):
            await s.connect()
        openings = {o.bid.organization_id: o.pk for o in await database_sync_to_async(
            lambda: list(BidOpening.objects.select_related("bid")))()}
        hall = await hall_of(lot_id)
        traveller.move_to(hall.decryption_deadline + SECOND)
        await tick(lot_id)
        await public.wait_for("decryption_ended")
        for payload_of, custodian in ((0, c1), (1, c2)):
            await custodian.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(payload_of))

        # Sealed to both: the custodians' key opens it, as the tender's remedy.
        await host.ok("apply_remedy", opening_id=openings[both.pk])
        await public.wait_for("bid_status", bidder=both.name, outcome="remedied")
        # Sealed to its bidder's key alone: nobody but the bidder, who declined, can open it.
        await host.ok("apply_remedy", opening_id=openings[alone.pk])
        (failed,) = await public.wait_for("bid_status", bidder=alone.name, status="failed", reason=zh(NOT_SEALED_TO_OPENING))
        assert failed["data"]["outcome"] == "revoked"
        assert await database_sync_to_async(forfeits)() == []  # not before the record is read

        await host.ok("read_record")
        rows = {e["data"]["bidder"]: e["data"] for e in await public.wait_for("row_read", 4)}
        read_at = (await hall_of(lot_id)).confirm_deadline - MINUTE * (await database_sync_to_async(
            lambda: tender.project.bid_rules.confirm_minutes)())
        assert rows[alone.name]["outcome"] == "revoked" and rows[alone.name]["form"] is None
        assert rows[alone.name]["security_forfeit"]["amount"] == str(max(AMOUNT, tender.lot.bid_security))
        assert rows[both.name]["outcome"] == "remedied" and rows[both.name]["security_forfeit"] is None
        assert rows[orgs[0].name]["security_forfeit"] is None
        # The bidder sees it in the hall, as everyone does.
        await b4.wait_for("row_read", bidder=alone.name)

        # The opening ends: the confirmation time runs out, the host closes it.
        traveller.move_to((await hall_of(lot_id)).confirm_deadline + SECOND)
        await tick(lot_id)
        await host.ok("end_opening")
        await public.wait_for("opening_ended")
        for s in (host, public, b4, c1, c2):
            await s.close()

    @database_sync_to_async
    def check():
        held = BidSecurity.objects.get(lot=tender.lot, organization=alone)
        assert held.forfeited_at == read_at and held.forfeited_by == tender.staff
        assert "视为撤销" in held.forfeit_reason and "第三十五条" in held.forfeit_reason
        assert zh(NOT_SEALED_TO_OPENING) in held.forfeit_reason
        assert not BidSecurity.objects.filter(lot=tender.lot, forfeited_at__isnull=False).exclude(organization=alone)
        (event,) = forfeits()
        assert event.data["organization"] == alone.uscc and event.actor_id == tender.staff.pk
        assert event.object_id == str(held.pk)
        # Exactly once: asked again, nothing changes and nothing more is audited.
        opening = BidOpening.objects.select_related("bid__organization").get(pk=openings[alone.pk])
        security.forfeit_for_revoked_bid(actor=tender.staff, opening=opening, now=read_at + MINUTE)
        assert BidSecurity.objects.get(pk=held.pk).forfeited_at == read_at and len(forfeits()) == 1

        row = OpeningHall.objects.get(lot_id=lot_id)
        record = build_record(row)
        by_name = {b["bidder"]: b for b in record["bids"]}
        assert by_name[alone.name]["outcome"] == "revoked"
        assert by_name[alone.name]["security_forfeit"]["reason"] == held.forfeit_reason
        assert by_name[both.name]["security_forfeit"] is None
        for pdf in (bytes(row.record_pdf), render_record(record)):
            text = flat("".join(pdf_text(pdf, tmp_path)))
            assert "投标保证金不予退还" in text and "第三十五条" in text  # its row's remark, then its note:
            amount = record_pdf.format_money(str(held.amount))
            assert flat(f"{alone.name}：其投标视为撤销，投标保证金 {amount} 不予退还") in text

        # The bidder's bid page and the staff's page say so; staff cannot record it again.
        bid_page = Client()
        bid_page.force_login(cast.bidders[3].user, backend="django.contrib.auth.backends.ModelBackend")
        page = bid_page.get(reverse("bidding:bid_page", args=[tender.lot.pk])).content.decode()
        assert 'id="security-forfeit"' in page and escape(held.forfeit_reason) in page
        staff = Client()
        staff.force_login(tender.staff, backend="django.contrib.auth.backends.ModelBackend")
        page = staff.get(reverse("bidding:sealing_setup", args=[tender.project.pk])).content.decode()
        assert page.count('class="errors security-forfeit"') == 1 and escape(held.forfeit_reason) in page
        with pytest.raises(RuleViolation) as refused:
            security.record_bid_security(actor=tender.staff, lot=tender.lot, organization=alone, amount=held.amount,
                                         method="transfer", reference="again")
        assert refused.value.message == zh("This bid security was forfeit at the opening; it is not recorded again.")

    with time_machine.travel(read_at, tick=True):  # staff list securities only after the deadline
        await check()


async def test_where_the_custodians_alone_open_a_bid_not_sealed_to_their_key_is_revoked_and_forfeit():
    forms = [FORM, {**FORM, "price": "921000.00"}, {**FORM, "price": "933000.00"}]
    cast = await database_sync_to_async(cast_with_a_bid_to_its_own_key_alone)(forms, bidders_decrypt=False)
    tender, lot_id = cast.tender, cast.lot_id
    alone = cast.bidders[3].organization
    host, public, c1, c3 = (seat(cast, n) for n in ("host", "public", "custodian1", "custodian3"))
    with time_machine.travel(tender.deadline + SECOND, tick=True):
        await database_sync_to_async(open_to_reading)(cast, decrypting=set())
        for s in (host, public, c1, c3):
            await s.connect()
        await c1.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(0))
        await c3.ok("hand_in_share", payload=await database_sync_to_async(cast.share_payload)(2))
        await public.wait_for("bid_status", 3, status="decrypted")
        (failed,) = await public.wait_for("bid_status", bidder=alone.name, status="failed")
        assert (failed["data"]["outcome"], failed["data"]["reason"]) == ("revoked", zh(NOT_SEALED_TO_OPENING))
        await host.ok("end_decryption")
        await host.ok("read_record")
        rows = {e["data"]["bidder"]: e["data"] for e in await public.wait_for("row_read", 4)}
        assert rows[alone.name]["security_forfeit"] is not None
        assert [r["security_forfeit"] for n, r in rows.items() if n != alone.name] == [None] * 3
        for s in (host, public, c1, c3):
            await s.close()
    assert [e.data["organization"] for e in await database_sync_to_async(forfeits)()] == [alone.uscc]
