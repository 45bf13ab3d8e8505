"""The evaluation report's two files: the PDF as made, and its signatures file signed by the platform.

Who may have them (evaluation.read_report): the lot's committee, its center's staff and its
supervisors; the tenderee and its agent once the report is final; never a bidder or the public.
Anyone else is told there is no such report, so that nobody learns of a committee's work."""

import rules
from django.utils import timezone
from django.utils.translation import gettext as _

from bidding.receipts import signing_key
from trading.errors import NotFound
from trading.models import Lot

from . import signing
from .choices import RoomState
from .models import EvaluationRoom, ReportSignature
from .room import core


def _room(actor, lot_id, *, with_pdf=False) -> EvaluationRoom:
    refused = NotFound(_("No such evaluation report."))
    lot = Lot.objects.select_related("project").filter(pk=lot_id).first()
    if lot is None or not rules.has_perm("evaluation.read_report", actor, lot):
        raise refused
    rooms = EvaluationRoom.objects.select_related("lot__project")
    room = (rooms if with_pdf else rooms.defer("report_pdf")).filter(lot=lot).first()
    if room is None or not room.report_sha256:
        raise NotFound(_("The report is not made yet: the committee's leader makes it after the summary."))
    return room


def report_pdf(*, actor, lot_id) -> tuple[EvaluationRoom, bytes]:
    room = _room(actor, lot_id, with_pdf=True)
    return room, bytes(room.report_pdf)


def file_stem(room) -> str:
    return f"evaluation-report-{room.lot.project.code}-lot{room.lot.number}"


def signatures_body(room) -> dict:
    """Every seated member's answer to the report as it stands (signature, refusal, or pending)."""
    answers = {s.member_id: s for s in ReportSignature.objects.filter(room=room)}
    members = []
    for m in core.seated_members(room):
        s = answers.get(m.pk)
        answer = "pending" if s is None else "signed" if s.signature else "refused"
        members.append({"name": m.expert.user.full_name or m.expert.user.username, "pick": m.pick,
                        "leader": m.pk == room.leader_id, "answer": answer,
                        "public_key": s.public_key if s else "", "signature": s.signature if s else "",
                        "refusal": s.refusal if s else "", "at": s.at.isoformat() if s else None})
    return {"lot": f"{room.lot.project.code}/{room.lot.number}", "lot_name": room.lot.name,
            "report_sha256": room.report_sha256,
            "signed_message": signing.report_message(room.report_sha256).decode(),
            "report_made_at": room.report_made_at.isoformat() if room.report_made_at else None,
            "final": room.state == RoomState.FINAL, "final_at": room.final_at.isoformat() if room.final_at else None,
            "issued_at": timezone.now().isoformat(), "members": members}


def signatures_file(*, actor, lot_id) -> tuple[EvaluationRoom, dict]:
    """The signatures file (evaluation.signing's format), sealed with the platform's key."""
    room = _room(actor, lot_id)
    return room, signing.seal(signatures_body(room), signing_key())
