"""Who is looking at a hall, and what they may see: the viewer and the snapshot a connection starts from."""

from django.utils import timezone
from django.utils.translation import gettext as _

from trading.errors import NotFound
from trading.rules import is_bidder
from trading.models import Lot

from ..models import HallEvent, Objection, OpeningHall, SignIn
from ..rules import hold_share, host_hall, watch_hall
from .core import iso, k_public


class Viewer:
    """What a connection may see and do in one hall: decided by the server from the session."""

    def __init__(self, user, lot: Lot):
        self.user = user if user is not None and user.is_authenticated else None
        project = lot.project
        self.organization_id = self.user.organization_id if is_bidder(self.user) else None
        self.is_host = host_hall(self.user, project)
        self.is_supervisor = watch_hall(self.user, project)
        self.is_custodian = hold_share(self.user, project)
        self.role = "host" if self.is_host else "supervisor" if self.is_supervisor else \
            "custodian" if self.is_custodian else "bidder" if self.organization_id else "public"

    def sees(self, event: HallEvent) -> bool:
        return event.audience_id is None or event.audience_id == self.organization_id


def viewer_for(user, lot_id) -> tuple[Lot, Viewer]:
    lot = Lot.objects.not_draft().select_related("project", "project__center").filter(pk=lot_id).first()
    if lot is None:
        raise NotFound(_("No such lot."))
    return lot, Viewer(user, lot)


def events_after(hall: OpeningHall, viewer: Viewer, after: int) -> list[HallEvent]:
    return [e for e in hall.events.filter(seq__gt=after).order_by("seq") if viewer.sees(e)]


def snapshot(hall: OpeningHall, viewer: Viewer, now=None) -> dict:
    """The hall as this viewer may see it now: the state a reconnecting client starts from."""
    now = now or timezone.now()
    project = hall.lot.project
    after_deadline = project.bid_deadline is not None and now >= project.bid_deadline
    rows = []
    # Every arriving connection reads this: plain values, not three model instances per bid.
    for o in hall.openings.order_by("order").values("id", "order", "bid__organization__name", "bid__organization__uscc",
                                                    "status", "outcome", "confirmation", "read_at", "form", "flags",
                                                    "above_ceiling"):
        row = {"id": o["id"], "order": o["order"], "bidder": o["bid__organization__name"],
               "uscc": o["bid__organization__uscc"], "status": o["status"], "outcome": o["outcome"],
               "confirmation": o["confirmation"]}
        if o["read_at"]:
            row.update({"form": o["form"], "flags": o["flags"], "above_ceiling": o["above_ceiling"]})
        rows.append(row)
    sign_ins = SignIn.objects.filter(hall=hall)
    if not after_deadline:
        sign_ins = sign_ins.filter(organization_id=viewer.organization_id)
    return {
        "type": "snapshot",
        "lot": {"id": hall.lot_id, "project": project.code, "name": str(hall.lot)},
        "state": hall.state,
        "server_time": now.isoformat(),
        "deadline": iso(project.bid_deadline),
        "decryption_deadline": iso(hall.decryption_deadline),
        "confirm_deadline": iso(hall.confirm_deadline),
        "k": k_public(hall),
        "bids": rows if after_deadline else [],
        "sign_ins": [{"bidder": name, "at": iso(at)} for name, at in sign_ins.values_list("organization__name", "at")],
        "objections": [objection_dict(o) for o in Objection.objects.filter(opening__hall=hall).select_related(
            "opening__bid__organization")],
        "record_sha256": hall.record_sha256,
        "last_seq": hall.last_seq,
        "you": {"role": viewer.role},
    }


def objection_dict(o: Objection) -> dict:
    return {"id": o.pk, "bidder": o.opening.bid.organization.name, "question": o.question, "asked_at": iso(o.asked_at),
            "answer": o.answer, "answered_at": iso(o.answered_at)}
