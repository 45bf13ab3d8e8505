"""The record read aloud (唱标), K drawn, confirmations and objections, and the opening's end."""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading.formats import local_text, money, parse_amount
from trading.errors import NotFound, RuleViolation
from trading.services import room_transition

from .. import draw, opening_keys
from ..choices import Confirmation, OpeningOutcome, OpeningStatus
from ..models import BidOpening, CustodianShare, KeyCeremony, Objection, OpeningHall
from ..opening_form import check_form
from ..rules import check
from ..security import forfeit_for_revoked_bid
from ..services import rules_for
from . import states
from .core import HALL, append, at_its_time, locked, lot_code, on_the_clock, require_step, schedule_tick
from .decryption import require_host
from .viewing import objection_dict


@at_its_time
def read_record(*, actor, lot_id, now=None) -> OpeningHall:
    """唱标: publish the record row by row, each value exactly as sealed; a value that does not
    fit the declared items is flagged, a price above the ceiling marked for rejection. A bid read
    as revoked by its bidder (no remedy can open it any more) loses its bid security."""
    now = now or timezone.now()
    with transaction.atomic():
        hall = locked(lot_id)
        require_host(actor, hall)
        require_step(hall, "read_record")
        rules = rules_for(hall.lot.project)
        ceiling = hall.lot.ceiling_price
        for opening in hall.openings.select_related("bid__organization").filter(read_at__isnull=True).order_by("order"):
            if opening.status == OpeningStatus.DECRYPTED:
                opening.flags = check_form(opening.form, rules.declared_items)
                opening.above_ceiling, opening.ceiling_reason = _above_ceiling(opening.form, ceiling)
            opening.read_at = now
            opening.save(update_fields=["flags", "above_ceiling", "ceiling_reason", "read_at"])
            forfeit = None
            if opening.outcome == OpeningOutcome.REVOKED:
                security = forfeit_for_revoked_bid(actor=actor, opening=opening, now=now)
                if security is not None:
                    forfeit = {"amount": str(security.amount), "at": security.forfeited_at}
            append(hall, "row_read", {
                "opening": opening.pk, "order": opening.order, "bidder": opening.bid.organization.name,
                "uscc": opening.bid.organization.uscc, "outcome": opening.outcome, "reason": opening.reason,
                "form": opening.form, "flags": opening.flags, "above_ceiling": opening.above_ceiling,
                "ceiling_reason": opening.ceiling_reason, "security_forfeit": forfeit,
            }, actor=actor)
        states.take(hall, "read_record", confirm_deadline=now + timedelta(minutes=rules.confirm_minutes))
        append(hall, "confirmation_open", {"deadline": hall.confirm_deadline}, actor=actor)
    schedule_tick(lot_id, hall.confirm_deadline)
    return hall


def _above_ceiling(form, ceiling) -> tuple[bool, str]:
    if ceiling is None or not isinstance(form, dict):
        return False, ""
    price = form.get("price")
    if isinstance(price, bool) or not isinstance(price, (str, int, float)):
        return False, ""
    try:
        # a float is flagged by check_form (it has lost the amount) but still compared
        price = parse_amount(str(price) if isinstance(price, float) else price, fen_only=False)  # as written: "17,680,000.00" is an amount too
    except ValueError:
        return False, ""
    if price > ceiling:
        return True, _("The price %(price)s yuan exceeds the ceiling price %(ceiling)s yuan: the bid is to be rejected.") % {
            "price": money(price), "ceiling": money(ceiling)}
    return False, ""


@at_its_time
def draw_k(*, actor, lot_id, now=None) -> OpeningHall:
    """Draw K live: reveal the committed seed, mix in every signed-in bidder's nonce, publish
    the inputs so that tools/recompute_k.py gives the same K."""
    now = now or timezone.now()
    with transaction.atomic():
        hall = locked(lot_id)
        require_host(actor, hall)
        if not hall.needs_k:
            raise RuleViolation(_("This tender draws no random coefficient."))
        if hall.k_value:
            raise RuleViolation(_("K has already been drawn."))
        require_step(hall, "draw_k")
        rng = draw.make_range(hall.k_low, hall.k_high, hall.k_step)
        contributions = [(s.organization.uscc, s.nonce) for s in hall.sign_ins.select_related("organization")]
        seed = bytes.fromhex(hall.k_seed)
        result = draw.draw(seed, contributions, lot=lot_code(hall.lot), rng=rng)
        hall.k_value, hall.k_drawn_at = result.k, now
        hall.save(update_fields=["k_value", "k_drawn_at"])
        inputs = draw.published_inputs(seed, contributions, lot=lot_code(hall.lot), rng=rng)
        append(hall, "k_drawn", {"k": result.k, "inputs": inputs}, actor=actor)
    return hall


def _bidder_opening(actor, hall) -> BidOpening:
    check(actor, "bidding.answer_record")
    opening = hall.openings.select_for_update().filter(bid__organization_id=actor.organization_id).first()
    if opening is None:
        raise NotFound(_("Your organization has no bid in this opening."))
    return opening


def _confirming(lot_id, now) -> OpeningHall:
    hall = locked(lot_id, now)
    require_step(hall, "confirm")
    if now >= hall.confirm_deadline:
        raise RuleViolation(_("The time to confirm or object is not open."))
    return hall


@on_the_clock
def confirm(*, actor, lot_id, now) -> BidOpening:
    with transaction.atomic():
        hall = _confirming(lot_id, now)
        opening = _bidder_opening(actor, hall)
        if opening.confirmation not in states.CONFIRMABLE:
            raise RuleViolation(_("You have already answered: %(c)s.") % {"c": Confirmation(opening.confirmation).label})
        opening.confirmation, opening.confirmed_at = Confirmation.CONFIRMED, now
        opening.save(update_fields=["confirmation", "confirmed_at"])
        append(hall, "confirmed", {"opening": opening.pk, "bidder": opening.bid.organization.name, "at": now}, actor=actor)
    return opening


@on_the_clock
def raise_objection(*, actor, lot_id, question: str, now) -> Objection:
    """异议: raised during the opening, answered on the spot, recorded (实施条例 第44条)."""
    question = (question or "").strip()
    if not question or len(question) > 2000:
        raise RuleViolation(_("Write the objection (1 to 2000 characters)."))
    with transaction.atomic():
        hall = _confirming(lot_id, now)
        opening = _bidder_opening(actor, hall)
        objection = Objection.objects.create(opening=opening, question=question, asked_by=actor, asked_at=now)
        if opening.confirmation == Confirmation.PENDING:
            opening.confirmation, opening.confirmed_at = Confirmation.OBJECTED, now
            opening.save(update_fields=["confirmation", "confirmed_at"])
        append(hall, "objection_raised", objection_dict(objection), actor=actor)
    return objection


@at_its_time
def answer_objection(*, actor, lot_id, objection_id, answer: str, now=None) -> Objection:
    now = now or timezone.now()
    answer = (answer or "").strip()
    if not answer:
        raise RuleViolation(_("Write the answer."))
    with transaction.atomic():
        hall = locked(lot_id)
        require_host(actor, hall)
        require_step(hall, "answer_objection")
        objection = Objection.objects.select_for_update().filter(pk=objection_id, opening__hall=hall).first()
        if objection is None:
            raise NotFound(_("No such objection."))
        if objection.answer:
            raise RuleViolation(_("This objection has been answered."))
        objection.answer, objection.answered_by, objection.answered_at = answer, actor, now
        objection.save(update_fields=["answer", "answered_by", "answered_at"])
        append(hall, "objection_answered", objection_dict(objection), actor=actor)
    return objection


def end_confirmation_now(hall: OpeningHall):
    """The confirmation time is over: a bidder that neither confirmed nor objected is deemed to
    accept the record."""
    for opening in hall.openings.filter(confirmation=Confirmation.PENDING):
        opening.confirmation, opening.confirmed_at = Confirmation.DEEMED, hall.confirm_deadline
        opening.save(update_fields=["confirmation", "confirmed_at"])
        append(hall, "deemed_accepted", {"opening": opening.pk, "bidder": opening.bid.organization.name}, actor=None)
    hall.confirm_deadline = min(hall.confirm_deadline, timezone.now())
    hall.save(update_fields=["confirm_deadline"])


@on_the_clock
def end_opening(*, actor, lot_id, now) -> OpeningHall:
    """Close the opening: every bidder answered or the time ran out, every objection answered.
    The record becomes a PDF archived with its digest; the opening keys are forgotten."""
    from ..record import build_record, render_record

    with transaction.atomic():
        hall = locked(lot_id, now)
        require_host(actor, hall)
        require_step(hall, "end_opening")
        if hall.needs_k and not hall.k_value:
            raise RuleViolation(_("Draw K before ending the opening."))
        if hall.openings.filter(confirmation=Confirmation.PENDING).exists():
            raise RuleViolation(_("Some bidders have neither confirmed nor objected; wait until %(at)s.")
                                % {"at": local_text(hall.confirm_deadline, "time")})
        if Objection.objects.filter(opening__hall=hall, answer="").exists():
            raise RuleViolation(_("Answer every objection before ending the opening."))
        states.take(hall, "end_opening", ended_at=now)
        pdf = render_record(build_record(hall))
        hall.record_pdf, hall.record_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
        hall.save(update_fields=["record_pdf", "record_sha256"])
        append(hall, "opening_ended", {"record_sha256": hall.record_sha256, "at": now}, actor=actor)
        opening_keys.forget_opening_keys(actor=actor, project=hall.lot.project)
        room_transition(actor=actor, lot_id=hall.lot_id, name="start_evaluation", room=HALL, now=now)
    return hall


@on_the_clock
def fail_opening(*, actor, lot_id, reason: str, now) -> OpeningHall:
    """The host ends an opening that cannot go on (for example fewer valid bids than the
    tender's minimum once decrypted), with the reason; the lot fails and is re-run."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise RuleViolation(_("Give the reason the opening fails (1 to 2000 characters)."))
    with transaction.atomic():
        hall = locked(lot_id, now)
        require_host(actor, hall)
        require_step(hall, "fail_opening")
        states.take(hall, "fail_opening", ended_at=now)
        append(hall, "opening_failed", {"reason": reason, "at": now}, actor=actor)
        opening_keys.forget_opening_keys(actor=actor, project=hall.lot.project)
        room_transition(actor=actor, lot_id=hall.lot_id, name="fail_opening", room=HALL, reason=reason, now=now)
    return hall


def custodian_share_file(*, actor, lot_id) -> bytes:
    """A custodian's own encrypted share, to open in its browser at the opening."""
    hall = OpeningHall.objects.select_related("lot__project").filter(lot_id=lot_id).first()
    if hall is None:
        raise NotFound(_("This lot has no opening hall yet."))
    ceremony = KeyCeremony.objects.filter(project=hall.lot.project).first()
    share = CustodianShare.objects.filter(ceremony=ceremony, custodian=actor).first() if ceremony else None
    if share is None or not share.encrypted_share:
        raise NotFound(_("You hold no share of this tender's opening key."))
    return bytes(share.encrypted_share)
