"""Who is looking at an evaluation room, and the snapshot a connection (or the page) starts from.

Only three kinds of person get in, decided from the session, never from the message: a seated
member of the lot's committee ("member"), the lot's own center staff ("staff": pause and resume,
nothing else) and the supervisors over the lot ("supervisor": they watch and act on nothing).
Anyone else, the public and the bidders included, is told there is no such room (NotFound: the
socket closes with 4404, the page answers 404), so that nobody learns who sits on the committee.

The snapshot is built in a fixed number of queries, whatever the number of bids, members,
checks and items (tests/evaluation/test_room_viewing.py counts them); each part of the room
(gathering, review, scoring, report) adds its own piece (PARTS)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from trading.choices import Role
from trading.errors import NotFound
from trading.models import Lot

from ..choices import SEATED
from ..models import CommitteeMember, EvaluationRoom, ScoringTable
from ..rules import runs_the_lot, supervises_the_lot
from . import core, gathering, report, review, scoring

PARTS = {"gathering": gathering, "review": review, "scoring": scoring, "report": report}
ROLES = ("member", "staff", "supervisor")


class NotAdmitted(NotFound):
    """A member who is no longer seated (recused): their connection is closed (4404)."""


class Viewer:
    """What one connection (one person) may see and do in one room."""

    def __init__(self, user, lot: Lot, role: str, member_id: int | None = None):
        self.user = user
        self.lot_id = lot.pk
        self.role = role
        self.member_id = member_id

    @property
    def is_member(self) -> bool:
        return self.role == "member"

    def sees(self, event) -> bool:
        """An event addressed to one member (a flag on their own score) is theirs alone."""
        return event.audience_id is None or event.audience_id == self.member_id


def viewer_for(user, lot_id) -> tuple[EvaluationRoom, Viewer]:
    """The lot's room and who `user` is in it; NotFound for anyone the room does not admit (the
    same words whether or not the room exists), or for a lot whose room is not open yet."""
    refused = NotFound(_("No such evaluation room."))
    if user is None or not user.is_authenticated:
        raise refused
    lot = Lot.objects.select_related("project", "project__center").filter(pk=lot_id).first()
    if lot is None:
        raise refused
    member_id = None
    if getattr(user, "role", None) == Role.EXPERT:
        member_id = (CommitteeMember.objects.filter(draw__lot=lot, expert__user=user, state__in=SEATED)
                     .values_list("pk", flat=True).first())
    if member_id is not None:
        viewer = Viewer(user, lot, "member", member_id)
    elif runs_the_lot(user, lot):
        viewer = Viewer(user, lot, "staff")
    elif supervises_the_lot(user, lot):
        viewer = Viewer(user, lot, "supervisor")
    else:
        raise refused
    room = EvaluationRoom.objects.filter(lot=lot).select_related("lot__project").defer("report_pdf", "summary").first()
    if room is None:
        raise NotFound(_("This lot has no evaluation room yet: it opens once the committee is formed."))
    return room, viewer


def iso(at):
    return at.isoformat() if at else None


def _text(value) -> str | None:
    return None if value is None else str(value)


def table_dict(lot_id) -> dict | None:
    """The lot's scoring table as the room shows it (three queries), or None if it has none."""
    table = (ScoringTable.objects.filter(lot_id=lot_id).select_related("lot")
             .prefetch_related("checks", "items").first())
    if table is None:
        return None
    return {
        "method": table.lot.evaluation_method,
        "price": {"formula": table.price_formula, "weight": _text(table.price_weight),
                  "average_drops_extremes": table.average_drops_extremes, "uses_k": table.uses_k,
                  "points_per_percent_above": _text(table.points_per_percent_above),
                  "points_per_percent_below": _text(table.points_per_percent_below)},
        "decimals": table.decimals, "drop_high_low": table.drop_high_low,
        "outlier_percent": _text(table.outlier_percent),
        "checks": [{"id": c.pk, "kind": c.kind, "name": c.name, "guidance": c.guidance}
                   for c in sorted(table.checks.all(), key=lambda c: c.order)],
        "items": [{"id": i.pk, "category": i.category, "name": i.name, "low": _text(i.low), "high": _text(i.high),
                   "guidance": i.guidance} for i in sorted(table.items.all(), key=lambda i: i.order)],
    }


def snapshot(room_id: int, viewer: Viewer, now=None) -> dict:
    """The room as this viewer may see it now, read fresh: the room's row first, so that its
    last_seq is never newer than what the rest shows (later events reach the page after it)."""
    now = now or timezone.now()
    room = EvaluationRoom.objects.select_related("lot__project").defer("report_pdf").get(pk=room_id)
    lot = room.lot
    people = gathering.members(room)
    if viewer.is_member and not any(m["id"] == viewer.member_id and not m["recused"] for m in people):
        raise NotAdmitted(_("You are no longer a member of this committee."))
    leader = next((m for m in people if m["leader"]), None)
    snap = {
        "type": "snapshot",
        "lot": {"id": lot.pk, "project": lot.project.code, "name": str(lot), "method": lot.evaluation_method},
        "state": room.state,
        "server_time": now.isoformat(),
        "paused": {"at": iso(room.paused_at), "reason": room.pause_reason} if room.paused_at else None,
        "last_seq": room.last_seq,
        "you": {"role": viewer.role, "member_id": viewer.member_id,
                "leader": viewer.member_id is not None and room.leader_id == viewer.member_id},
        "members": people,
        "leader": leader["id"] if leader else None,
        "bids": [{"id": b["id"], "order": b["order"], "bidder": b["bidder"], "price": _text(b["price"])}
                 for b in core.opened_bids(lot.pk)],
        "table": table_dict(lot.pk),
        "tie_commitment": room.tie_commitment,
    }
    for name, part in PARTS.items():
        snap[name] = part.snapshot_part(room, viewer)
    return snap
