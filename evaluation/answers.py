"""A drawn expert's answer: told of the seat, confirmed or declined, or timed out on the server clock.

`notify(member)` is the draw's (evaluation.draw_services) for each expert it seats, the first
draw's and each replacement's, inside its transaction: it records the notice, schedules the
timeout in the task worker and sends the messages once the transaction commits.

`answer(...)` is the expert's, on their own seat only, while it is still awaiting an answer and
before its deadline (server clock). `expire_answer` is the task enqueued for the deadline: a seat
still unanswered then is given up. A declined or timed-out seat is replaced at random by the same
rules (draw_services.replace); when every seat is confirmed the committee is formed.

Each action locks the draw's row, then the seat's, so that a double click, two tabs, or an answer
at the instant the timeout fires does one thing: the first; the other finds the seat answered."""

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trading import audit
from trading.choices import LotState
from trading.errors import NotFound, RuleViolation
from trading.formats import zoned_text
from trading.models import AuditEvent

from . import notify as messages
from .choices import SEATED, DrawState, MemberState
from .models import CommitteeDraw, CommitteeMember
from .rules import is_the_expert
from .signals import committee_formed

# The lot's states in which a seat is answered (and replaced): after the opening, before the result.
ANSWERING = frozenset({LotState.OPENING, LotState.EVALUATION})


def _seat_facts(member: CommitteeMember) -> dict:
    return {"member": member.pk, "pick": member.pick, "answer_due": member.answer_due.isoformat()}


def _facts(member: CommitteeMember) -> dict:
    """The seat and its expert by name (the audit trail's readers are the draw's staff and the
    supervisors, who may read the committee's names)."""
    return {**_seat_facts(member), "expert": member.expert.user.display_name}


# --- notified -----------------------------------------------------------------------------------


def notify(member: CommitteeMember) -> None:
    """Tell a newly seated member: record "draw.notified", enqueue the timeout for its answer_due,
    and send the email and text message once the caller's transaction commits. Call inside the
    draw's transaction, once the member's row is saved. A member already notified is left alone:
    nobody is told twice."""
    with transaction.atomic(savepoint=False):
        already = AuditEvent.objects.filter(action="draw.notified", object_type=member._meta.label_lower,
                                            object_id=str(member.pk)).exists()
        if already:
            return
        # The expert by id only: the draw's own event names the picks, and a lookup per member
        # here would be two more queries for each seat of every draw.
        audit.record(actor=None, action="draw.notified", obj=member, project=member.draw.lot.project,
                     data={**_seat_facts(member), "expert": member.expert_id})
        # Enqueued in the same transaction: the timeout exists exactly when the seat does.
        expire_answer.using(run_after=member.answer_due).enqueue(member.pk)
        messages.send_on_commit(member.pk)


# --- the expert answers -----------------------------------------------------------------------


def _locked(member_id, *, expert_user=None) -> tuple[CommitteeDraw, CommitteeMember] | None:
    """The seat's draw and the seat, locked in that order (every path here locks them so);
    None if there is no such seat (or it is not `expert_user`'s)."""
    seats = CommitteeMember.objects.filter(pk=member_id)
    if expert_user is not None:
        seats = seats.filter(expert__user=expert_user)
    draw_id = seats.values_list("draw_id", flat=True).first()
    if draw_id is None:
        return None
    draw = (CommitteeDraw.objects.select_for_update(of=("self",)).select_related("lot", "lot__project")
            .get(pk=draw_id))
    member = (CommitteeMember.objects.select_for_update(of=("self",)).select_related("expert", "expert__user")
              .get(pk=member_id))
    member.draw = draw
    return draw, member


def _refusal(member: CommitteeMember, now) -> str | None:
    """Why this seat cannot be answered now, or None."""
    when = {"at": zoned_text(member.answered_at), "due": zoned_text(member.answer_due)}
    if member.state == MemberState.CONFIRMED:
        return _("You already confirmed this invitation, at %(at)s.") % when
    if member.state == MemberState.DECLINED:
        return _("You already declined this invitation, at %(at)s.") % when
    if member.state == MemberState.EXPIRED:
        return _("The time to answer this invitation ran out at %(due)s: the seat went to another expert.") % when
    if member.draw.lot.state not in ANSWERING:
        return _("This lot is no longer being evaluated: there is nothing to answer.")
    if now >= member.answer_due:
        return _("The time to answer ran out at %(due)s. A late answer is not taken: the seat goes to another "
                 "expert drawn at random.") % when
    return None


def answer(actor, member_id, *, accept: bool, reason: str = "", now=None) -> CommitteeMember:
    """The expert `actor` confirms (accept) or declines, with its reason, their seat
    `member_id`. Refused unless it is their own seat, still awaiting an answer, before its
    answer_due on the server clock. A decline draws a replacement; the last confirmation forms
    the committee."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        found = _locked(member_id, expert_user=actor) if getattr(actor, "is_authenticated", False) else None
        if found is None or not is_the_expert(actor, found[1].expert):
            raise NotFound(_("No such invitation."))
        draw, member = found
        refusal = _refusal(member, now)
        if refusal:
            raise RuleViolation(refusal)
        if not accept and not reason:
            raise RuleViolation(_("Say why you decline: the reason is kept with the draw's record."), field="reason")
        member.answered_at = now
        if accept:
            member.state = MemberState.CONFIRMED
            member.save(update_fields=["state", "answered_at"])
            audit.record(actor=actor, action="draw.confirmed", obj=member, project=draw.lot.project, data=_facts(member))
            form_if_complete(draw)
        else:
            member.state, member.reason = MemberState.DECLINED, reason
            member.save(update_fields=["state", "answered_at", "reason"])
            audit.record(actor=actor, action="draw.declined", obj=member, project=draw.lot.project,
                         data={**_facts(member), "reason": reason})
            _replace(draw, member, now)
    return member


# --- the timeout ------------------------------------------------------------------------------


def no_answer_reason(draw: CommitteeDraw) -> str:
    """The reason kept for a seat given up for want of an answer, in the platform's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return ngettext("No answer within %(n)d minute.", "No answer within %(n)d minutes.",
                        draw.answer_minutes) % {"n": draw.answer_minutes}


def expire(member_id, now) -> bool:
    """Give up the seat `member_id` if it is still awaiting an answer at `now`, past its
    answer_due: "draw.expired" by the platform, and a replacement as for a decline. False (and
    nothing done) otherwise: answered in time, already expired, or not due yet."""
    with transaction.atomic():
        found = _locked(member_id)
        if found is None:
            return False
        draw, member = found
        if member.state != MemberState.NOTIFIED or now < member.answer_due:
            return False
        member.state, member.reason = MemberState.EXPIRED, no_answer_reason(draw)
        member.save(update_fields=["state", "reason"])
        audit.record(actor=None, action="draw.expired", obj=member, project=draw.lot.project,
                     data={**_facts(member), "reason": member.reason})
        _replace(draw, member, now)
    return True


@task()
def expire_answer(member_id: int) -> int:
    """Enqueued for a seat's answer_due: the task worker gives the seat up if nobody answered
    (1), or does nothing (0). Runs again harmlessly."""
    return int(expire(member_id, timezone.now()))


# --- what follows an answer ---------------------------------------------------------------------


def _replace(draw: CommitteeDraw, member: CommitteeMember, now) -> None:
    """Draw a replacement for a seat given up, by the draw's own rules, while the lot is still
    being evaluated (draw_services.replace records it, or that the pool ran short)."""
    if draw.lot.state not in ANSWERING or draw.state not in (DrawState.DRAWN, DrawState.SHORT):
        return
    from .draw_services import replace

    replace(member=member, now=now)


def form_if_complete(draw: CommitteeDraw) -> bool:
    """Form the committee once every seat is confirmed and all drawn_count are there:
    "draw.formed". Call with the draw's row locked."""
    if draw.state != DrawState.DRAWN:
        return False
    seated = list(draw.members.filter(state__in=SEATED).values_list("state", flat=True))
    if len(seated) != draw.drawn_count or any(state != MemberState.CONFIRMED for state in seated):
        return False
    draw.state = DrawState.FORMED
    draw.save(update_fields=["state"])
    audit.record(actor=None, action="draw.formed", obj=draw, project=draw.lot.project, data={"lot": str(draw.lot)})
    committee_formed.send(sender=CommitteeDraw, draw=draw)
    return True
