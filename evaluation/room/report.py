"""The evaluation room's report part: dissents, the report PDF, each member's signature or refusal, the report final.

After the summary a member may record a dissent with reasons (实施条例 第五十三条); the leader then
makes the report (evaluation.report_data → evaluation.report_pdf), stored with its SHA-256, and
the room moves to signing. Each seated member signs in their own browser with their own
registered Ed25519 key (evaluation.signing_keys): what is signed is exactly
evaluation.signing.report_message(the PDF's SHA-256), i.e. the ASCII bytes
"kaibiao/evaluation-report v1:" + 64 lowercase hex digits; the server checks it against the
member's registered key and keeps that key beside the signature. A member may instead refuse
to sign, with reasons. When every seated member has signed or refused, the report is final
(the room's state final, event report_final). The private key never reaches the platform.

Contract (see room/core.py): each command is a function (*, actor, lot_id, now=None, **fields)
that locks the room, checks the step and who acts, records, appends its events."""

import hashlib

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from trading.errors import PermissionDenied, RuleViolation

from .. import signing
from ..choices import RoomState
from ..models import Dissent, ExpertKey, ReportSignature
from ..report_data import build_report
from ..report_pdf import render_report_pdf
from . import core

REASON_LIMIT = 5000  # characters of a dissent or a refusal: a reasoned page, not a file


def _reason(text) -> str:
    reason = (text or "").strip()
    if not reason:
        raise RuleViolation(_("Write your reasons."), field="reason")
    if len(reason) > REASON_LIMIT:
        raise RuleViolation(_("Keep your reasons under %(n)d characters.") % {"n": REASON_LIMIT}, field="reason")
    return reason


def record_dissent(*, actor, lot_id, reason, now=None):
    """A member's dissent from the committee's conclusion, with reasons, before the report is
    made; a member may rewrite theirs until then (each writing recorded)."""
    now = now or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        room = core.locked(lot_id)
        core.require_step(room, "record_dissent")
        core.require_running(room)
        member = core.member_acting(room, actor)
        Dissent.objects.update_or_create(member=member, defaults={"room": room, "reasons": reason, "at": now})
        core.append(room, "dissent_recorded", {"member": member.pk, "reason": reason}, actor=actor, at=now)


def make_report(*, actor, lot_id, now=None):
    """The leader makes the report once, after the summary: the PDF and its SHA-256 stored, the
    room to signing. Dissents close with it (a member who disagrees later refuses to sign)."""
    now = now or timezone.now()
    with transaction.atomic():
        room = core.locked(lot_id)
        core.require_step(room, "make_report")
        core.require_running(room)
        member = core.member_acting(room, actor)
        if room.leader_id != member.pk:
            raise PermissionDenied(_("Only the committee leader makes the report."))
        if not room.summary:
            raise RuleViolation(_("The report is made from the summary: make the summary first."))
        pdf = render_report_pdf(build_report(room, made_at=now))
        room.report_pdf, room.report_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
        room.report_made_at, room.state = now, RoomState.SIGNING
        room.save(update_fields=["report_pdf", "report_sha256", "report_made_at", "state"])
        core.append(room, "report_made", {"sha256": room.report_sha256, "size": len(pdf)}, actor=actor, at=now)


def _answering(lot_id, actor, step):
    room = core.locked(lot_id)
    core.require_step(room, step)
    core.require_running(room)
    member = core.member_acting(room, actor)
    if ReportSignature.objects.filter(member=member).exists():
        raise RuleViolation(_("You have already answered for this report: signed or refused."))
    return room, member


def sign_report(*, actor, lot_id, signature, report_sha256, now=None):
    """A member's Ed25519 signature of report_message(the report's SHA-256), checked against
    their registered key; `report_sha256` is the digest their browser computed of the PDF it
    downloaded, so a member never signs another file than the one they read."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = _answering(lot_id, actor, "sign_report")
        if report_sha256 != room.report_sha256:
            raise RuleViolation(_("The file you signed is not this report (its SHA-256 differs): download the report "
                                  "again and sign that."))
        key = ExpertKey.objects.filter(expert_id=member.expert_id).first()
        if key is None:
            raise RuleViolation(_("Register your signing key first (My signing key), then sign with its key file."))
        if not signing.verify(key.public_key, signature, signing.report_message(room.report_sha256)):
            raise RuleViolation(_("The signature does not match your registered key and this report: sign with the "
                                  "key file of the key you registered."), field="signature")
        ReportSignature.objects.create(room=room, member=member, report_sha256=room.report_sha256,
                                       public_key=key.public_key, signature=signature, at=now)
        core.append(room, "report_signed", {"member": member.pk, "public_key": key.public_key, "signature": signature},
                    actor=actor, at=now)
        _finish_if_answered(room, actor, now)


def refuse_signature(*, actor, lot_id, reason, now=None):
    """A member refuses to sign the report, with reasons: recorded, and the report can become
    final without their signature (实施条例 第五十三条)."""
    now = now or timezone.now()
    reason = _reason(reason)
    with transaction.atomic():
        room, member = _answering(lot_id, actor, "sign_report")
        ReportSignature.objects.create(room=room, member=member, report_sha256=room.report_sha256, refusal=reason,
                                       at=now)
        core.append(room, "signing_refused", {"member": member.pk, "reason": reason}, actor=actor, at=now)
        _finish_if_answered(room, actor, now)


def _finish_if_answered(room, actor, now) -> None:
    seated = {m.pk for m in core.seated_members(room)}
    answers = dict(ReportSignature.objects.filter(room=room).values_list("member_id", "signature"))
    if not seated or not seated <= set(answers):
        return
    core.require_step(room, "finish_report")
    room.state, room.final_at = RoomState.FINAL, now
    room.save(update_fields=["state", "final_at"])
    signed = sum(1 for m in seated if answers[m])
    core.append(room, "report_final", {"signed": signed, "refused": len(seated) - signed}, actor=actor, at=now)


COMMANDS: dict = {
    "record_dissent": (record_dissent, ("reason",)),
    "make_report": (make_report, ()),
    "sign_report": (sign_report, ("signature", "report_sha256")),
    "refuse_signature": (refuse_signature, ("reason",)),
}
FIELDS: dict = {"reason": str, "signature": str, "report_sha256": str}
LONG_COMMANDS: frozenset = frozenset({"make_report"})  # renders the PDF: seconds for a big lot

SHOWN_FROM = (RoomState.SUMMARIZED, RoomState.SIGNING, RoomState.FINAL)


def _viewer(viewer, key, default=None):
    return viewer.get(key, default) if isinstance(viewer, dict) else getattr(viewer, key, default)


def snapshot_part(room, viewer) -> dict:
    """The report's part of the snapshot: nothing before the summary; after it the dissents, the
    report's digest and links once made, who has signed or refused, and the viewer's own key
    (a member). Three queries at most, whatever the number of members (room.report_pdf is never
    read here: the viewer's room may be loaded without it)."""
    if room.state not in SHOWN_FROM:
        return {}
    member_id = _viewer(viewer, "member_id")
    made = bool(room.report_sha256)
    part = {
        "made": made, "sha256": room.report_sha256 or None,
        "made_at": room.report_made_at.isoformat() if room.report_made_at else None,
        "final": room.state == RoomState.FINAL,
        "final_at": room.final_at.isoformat() if room.final_at else None,
        "pdf_url": reverse("evaluation:report_pdf", args=[room.lot_id]) if made else None,
        "signatures_url": reverse("evaluation:report_signatures", args=[room.lot_id]) if made else None,
        "key_url": reverse("evaluation:expert_key"),
        "message_prefix": signing.MESSAGE_PREFIX,
        "dissents": [{"member": d["member_id"], "reasons": d["reasons"], "at": d["at"].isoformat()}
                     for d in Dissent.objects.filter(room=room).order_by("at").values("member_id", "reasons", "at")],
        "answers": [{"member": s["member_id"], "answer": "signed" if s["signature"] else "refused",
                     "reason": s["refusal"], "public_key": s["public_key"], "at": s["at"].isoformat()}
                    for s in ReportSignature.objects.filter(room=room).order_by("at")
                    .values("member_id", "signature", "refusal", "public_key", "at")],
        "your_key": None,
    }
    if member_id is not None:
        part["your_key"] = (ExpertKey.objects.filter(expert__seats__pk=member_id)
                            .values_list("public_key", flat=True).first())
    return part
