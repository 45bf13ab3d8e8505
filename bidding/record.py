"""The opening record as data, from the hall's tables and events.

The opening record as data (the hall's tables and events → the dict bidding.record_pdf
renders). Everything comes from the server's rows; nothing from a client."""

from django.utils import translation

from trading import event_text
from trading.models import AuditEvent

from . import draw
from .models import BidSecurity, HandedInShare, Objection, OpeningHall, SignIn
from .record_pdf import render_record_pdf

CONFIRMATION = {"confirmed": "confirmed", "objected": "objected", "deemed": "deemed_accepted", "pending": "pending"}


def _iso(dt):
    return dt.isoformat() if dt else None


def build_record(hall: OpeningHall) -> dict:
    lot, project = hall.lot, hall.lot.project
    from .services import rules_for

    rules = rules_for(project)
    bids = []
    forfeited = {s.organization_id: s for s in BidSecurity.objects.filter(lot=lot, forfeited_at__isnull=False)
                 .select_related("forfeited_by")}
    for opening in hall.openings.select_related("bid__organization").order_by("order"):
        bid = opening.bid
        receipt = bid.receipts.filter(action="submitted").order_by("-issued_at").first()
        bids.append({
            "bidder": bid.organization.name, "uscc": bid.organization.uscc, "version": bid.version,
            "received_at": _iso(bid.completed_at), "receipt_id": str(receipt.pk) if receipt else None,
            "files": [{"name": f.name, "kind": f.kind, "size": f.size, "sha256": f.sha256}
                      for f in bid.files.order_by("-kind", "name")],
            "outcome": opening.outcome or "revoked", "outcome_reason": opening.reason,
            "form": opening.form, "flags": opening.flags, "above_ceiling": opening.above_ceiling,
            "ceiling_reason": opening.ceiling_reason, "confirmation": CONFIRMATION[opening.confirmation],
            "confirmed_at": _iso(opening.confirmed_at),
            "security_forfeit": _forfeit(forfeited.get(bid.organization_id)),
        })
    random_coefficient = None
    if hall.needs_k and hall.k_value:
        rng = draw.make_range(hall.k_low, hall.k_high, hall.k_step)
        contributions = [(s.organization.uscc, s.nonce) for s in SignIn.objects.filter(hall=hall).select_related("organization")]
        random_coefficient = {**draw.published_inputs(bytes.fromhex(hall.k_seed), contributions,
                                                      lot=f"{project.code}/{lot.number}", rng=rng),
                              "drawn_at": _iso(hall.k_drawn_at)}
    # When each step was taken: a hall event's own time (its command's server time), else the
    # audit row's; the audit trail's times stay those of the writing, never back-dated.
    taken = dict(hall.events.values_list("seq", "at"))
    with translation.override("zh-hans"):  # the record is written in Chinese, whoever ends the opening
        steps = [{"at": _iso(taken.get((e.data or {}).get("seq"), e.at)),
                  "actor": event_text.actor_text(e.actor_name, e.role), "role": e.role,
                  "action": e.action, "name": event_text.action_name(e.action),
                  "details": _brief(event_text.summary(e.action, e.data)),
                  "address": e.ip or ""}
                 for e in AuditEvent.objects.filter(object_type="bidding.openinghall", object_id=str(hall.pk))
                 .order_by("seq")]
    return {
        "tender": {
            "project_code": project.code, "project_name": project.name, "lot_number": lot.number, "lot_name": lot.name,
            "trading_center": project.center.name, "tenderee": project.tenderee.name,
            "agent": project.agent.name if project.agent else None, "budget": str(lot.budget),
            "ceiling_price": str(lot.ceiling_price) if lot.ceiling_price is not None else None,
            "bid_deadline": _iso(project.bid_deadline),
        },
        "opening": {"host": str(hall.host) if hall.host else None,
                    "supervisor": "、".join(str(p.user) for p in hall.supervisors_present.select_related("user")) or None,
                    "started_at": _iso(hall.decryption_started_at),
                    "ended_at": _iso(hall.ended_at), "decryption_minutes": rules.decryption_minutes},
        "declared_items": rules.declared_items,
        "bids": bids,
        "random_coefficient": random_coefficient,
        "objections": [{"bidder": o.opening.bid.organization.name, "question": o.question, "asked_at": _iso(o.asked_at),
                        "answer": o.answer, "answered_by": str(o.answered_by) if o.answered_by else None,
                        "answered_at": _iso(o.answered_at)}
                       for o in Objection.objects.filter(opening__hall=hall).select_related("opening__bid__organization")],
        "steps": steps,
        # Who handed in a share (read before the opening ends, when the shares are deleted).
        "custodians": [{"name": str(s.custodian), "handed_in_at": _iso(s.handed_in_at)}
                       for s in HandedInShare.objects.filter(ceremony__project=project).select_related("custodian")
                       .order_by("handed_in_at")],
        "digest_of_events": _events_digest(hall),
    }


STEP_DETAILS = 160  # characters of a step's details in the log: the sections above give them whole


def _brief(text: str) -> str:
    return text if len(text) <= STEP_DETAILS else text[:STEP_DETAILS - 1] + "…"


def _forfeit(security) -> dict | None:
    """A bid security forfeit at the opening (its bid read as revoked by the bidder), or None."""
    if security is None:
        return None
    return {"amount": str(security.amount), "at": _iso(security.forfeited_at),
            "by": str(security.forfeited_by) if security.forfeited_by else None, "reason": security.forfeit_reason}


def _events_digest(hall: OpeningHall) -> str:
    """SHA-256 over the hall's numbered events in order: the record names the exact stream."""
    import hashlib
    import json

    digest = hashlib.sha256()
    for event in hall.events.order_by("seq"):
        digest.update(json.dumps({"seq": event.seq, "kind": event.kind, "data": event.data}, sort_keys=True,
                                 ensure_ascii=False).encode())
    return digest.hexdigest()


def render_record(record: dict) -> bytes:
    return render_record_pdf(record)
