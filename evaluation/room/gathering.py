"""The evaluation room's gathering: sign-in, declarations and recusal, the leader's election, pause and resume.

A member signs in (their seat, confirmed, is the session's user's: the identity the draw
seated), declares that they have no conflict with the opened bidders, listed by name, or
declares one: they are then recused (回避, 实施条例 第四十六条), and the task worker draws a
replacement by the draw's own rule (draw_services.replace), who confirms on their invitations
page and signs in here. The members elect their leader (推选组长) by vote: each votes for a
member who has signed in and declared no conflict, may change the vote until one has the votes
of a majority of the seated members, and then the leader is elected. The leader starts the
review once every seated member has signed in and declared. The lot's center staff may pause
the room, with the reason recorded, and resume it; while paused, no member's step is taken.

Contract (see room/core.py): each command is a function (*, actor, lot_id, now=None, **fields)
that locks the room, checks the step and who acts, records, appends its events."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from trading.errors import PermissionDenied, RuleViolation
from trading.formats import zoned_text

from ..choices import SEATED, DrawState, MemberState, RoomState
from ..models import Attendance, CommitteeDraw, CommitteeMember, LeaderVote
from ..rules import runs_the_lot, supervises_the_lot
from . import core, states

MAX_TEXT = 2000  # characters of a conflict's detail or a pause's reason

# The members a room lists: those seated, and those who recused themselves in it (the page says so).
LISTED = frozenset({*SEATED, MemberState.RECUSED})


def _name(member) -> str:
    return member.expert.user.display_name


def _text(value: str, field: str, empty_refusal: str) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleViolation(empty_refusal, field=field)
    if len(value) > MAX_TEXT:
        raise RuleViolation(_("At most %(n)d characters.") % {"n": MAX_TEXT}, field=field)
    return value


def _member_step(lot_id, actor, step: str):
    """The room locked, the step allowed and running, and the seated member `actor` is."""
    room = core.locked(lot_id)
    core.require_step(room, step)
    core.require_running(room)
    return room, core.member_acting(room, actor)


def _attendance(member) -> Attendance | None:
    return Attendance.objects.filter(member=member).first()


# --- sign-in and declarations ----------------------------------------------------------------


def sign_in(*, actor, lot_id, now=None) -> Attendance:
    """签到: the member whose seat the session's user holds, once, after confirming the invitation."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = _member_step(lot_id, actor, "sign_in")
        if member.state != MemberState.CONFIRMED:
            raise RuleViolation(_("Confirm your invitation first (My evaluation invitations), then sign in."))
        attendance = _attendance(member)
        if attendance is not None:
            raise RuleViolation(_("You signed in at %(at)s.") % {"at": zoned_text(attendance.signed_in_at)})
        attendance = Attendance.objects.create(room=room, member=member, signed_in_at=now)
        core.append(room, "signed_in", {"member": member.pk, "expert": _name(member)}, actor=actor, at=now)
    return attendance


def _signed_in_undeclared(member) -> Attendance:
    attendance = _attendance(member)
    if attendance is None:
        raise RuleViolation(_("Sign in first."))
    if attendance.declared_at is not None:
        raise RuleViolation(_("You declared at %(at)s; a declaration is not changed.")
                            % {"at": zoned_text(attendance.declared_at)})
    return attendance


def declare_no_conflict(*, actor, lot_id, now=None) -> Attendance:
    """The member declares no conflict of interest with any of the opened bidders, named in the record."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = _member_step(lot_id, actor, "declare")
        attendance = _signed_in_undeclared(member)
        attendance.declared_at = now
        attendance.save(update_fields=["declared_at"])
        bidders = [b["bidder"] for b in core.opened_bids(room.lot_id)]
        core.append(room, "declared", {"member": member.pk, "expert": _name(member), "bidders": bidders},
                    actor=actor, at=now)
    return attendance


def declare_conflict(*, actor, lot_id, detail, now=None) -> Attendance:
    """The member declares a conflict with a bidder, saying what it is: they are recused and a
    replacement is drawn by the task worker (enqueued in this transaction: it exists exactly
    when the recusal does)."""
    now = now or timezone.now()
    detail = _text(detail, "detail", _("Say what the conflict is: with which bidder, and how."))
    with transaction.atomic():
        room, member = _member_step(lot_id, actor, "declare")
        attendance = _signed_in_undeclared(member)
        attendance.declared_at, attendance.conflict, attendance.conflict_detail = now, True, detail
        attendance.save(update_fields=["declared_at", "conflict", "conflict_detail"])
        # The committee is not complete until the replacement confirms (answers.form_if_complete
        # forms it again); meanwhile the draw's replacements follow its own rules.
        draw = CommitteeDraw.objects.select_for_update().get(pk=member.draw_id)
        member = CommitteeMember.objects.select_for_update(of=("self",)).select_related("expert__user").get(pk=member.pk)
        member.state, member.reason = MemberState.RECUSED, detail
        member.save(update_fields=["state", "reason"])
        if draw.state == DrawState.FORMED:
            draw.state = DrawState.DRAWN
            draw.save(update_fields=["state"])
        core.append(room, "recused", {"member": member.pk, "expert": _name(member), "reason": detail},
                    actor=actor, at=now)
        replace_recused.enqueue(member.pk)
    return attendance


def replace_for_recusal(member_id: int, now) -> bool:
    """Draw the replacement of a recused member (draw_services.replace) and tell the room; or
    that the pool ran short. False (nothing done) if replaced already or the lot moved on."""
    from ..answers import ANSWERING
    from ..draw_services import replace

    lot_id = CommitteeMember.objects.filter(pk=member_id).values_list("draw__lot_id", flat=True).first()
    if lot_id is None:
        return False
    with transaction.atomic():
        room = core.locked(lot_id)
        member = CommitteeMember.objects.select_related("expert__user", "draw__lot").get(pk=member_id)
        if (member.state != MemberState.RECUSED or member.draw.lot.state not in ANSWERING
                or CommitteeMember.objects.filter(replaces=member).exists()):
            return False
        new = replace(member=member, now=now)
        data = {"member": member.pk, "expert": _name(member)}
        if new is None:
            data["shortage"] = _("The pool ran short: no replacement could be drawn. The trading center's staff "
                                 "are told on the draw's page.")
        else:
            data.update(replacement=new.pk, replacement_name=new.expert.user.display_name)
        core.append(room, "member_replaced", data, actor=None, at=now)
    return new is not None


@task()
def replace_recused(member_id: int) -> int:
    """Enqueued by a recusal: the task worker draws the replacement (1), or finds it done (0)."""
    return int(replace_for_recusal(member_id, timezone.now()))


# --- the leader -------------------------------------------------------------------------------


def _declared_clear(member_id) -> bool:
    return Attendance.objects.filter(member_id=member_id, declared_at__isnull=False, conflict=False).exists()


def tally(room) -> dict[int, int]:
    """Votes per candidate, counting only seated voters and seated candidates."""
    counts: dict[int, int] = {}
    for candidate in (LeaderVote.objects.filter(room=room, voter__state__in=SEATED, candidate__state__in=SEATED)
                      .values_list("candidate_id", flat=True)):
        counts[candidate] = counts.get(candidate, 0) + 1
    return counts


def majority(seated: int) -> int:
    """Votes that elect: more than half of the seated members."""
    return seated // 2 + 1


def vote_leader(*, actor, lot_id, candidate_id, now=None) -> LeaderVote:
    """The member votes (or changes their vote) for a member who has signed in and declared no
    conflict; the one with the votes of a majority of the seated members is elected."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = _member_step(lot_id, actor, "vote_leader")
        if room.leader_id is not None:
            raise RuleViolation(_("The leader is elected already."))
        if not _declared_clear(member.pk):
            raise RuleViolation(_("Sign in and declare first; then vote."))
        candidate = (CommitteeMember.objects.select_related("expert__user")
                     .filter(pk=candidate_id, draw_id=member.draw_id, state__in=SEATED).first())
        if candidate is None or not _declared_clear(candidate.pk):
            raise RuleViolation(_("Vote for a member of this committee who has signed in and declared no conflict."),
                                field="candidate_id")
        vote = LeaderVote.objects.filter(voter=member).first()
        if vote is not None and vote.candidate_id == candidate.pk:
            raise RuleViolation(_("You already vote for %(name)s.") % {"name": _name(candidate)})
        if vote is None:
            vote = LeaderVote.objects.create(room=room, voter=member, candidate=candidate, at=now)
        else:
            vote.candidate, vote.at = candidate, now
            vote.save(update_fields=["candidate", "at"])
        counts = tally(room)
        seated = CommitteeMember.objects.filter(draw_id=member.draw_id, state__in=SEATED).count()
        core.append(room, "leader_vote", {"member": member.pk, "expert": _name(member), "candidate": candidate.pk,
                                          "candidate_expert": _name(candidate), "votes": counts.get(candidate.pk, 0)},
                    actor=actor, at=now)
        if counts.get(candidate.pk, 0) >= majority(seated):
            room.leader = candidate
            room.save(update_fields=["leader"])
            core.append(room, "leader_elected", {"member": candidate.pk, "expert": _name(candidate),
                                                 "votes": counts[candidate.pk], "seated": seated}, actor=actor, at=now)
    return vote


def start_review(*, actor, lot_id, now=None):
    """The leader starts the review once every seated member has signed in and declared no
    conflict and the committee is whole (no replacement awaited)."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = _member_step(lot_id, actor, "start_review")
        if room.leader_id is None:
            raise RuleViolation(_("Elect the leader first."))
        if room.leader_id != member.pk:
            raise PermissionDenied(_("Only the committee's leader starts the review."))
        draw = CommitteeDraw.objects.get(pk=member.draw_id)
        seated = list(CommitteeMember.objects.filter(draw=draw, state__in=SEATED).select_related("expert__user")
                      .order_by("pick"))
        ready = set(Attendance.objects.filter(member__in=seated, declared_at__isnull=False, conflict=False)
                    .values_list("member_id", flat=True))
        waiting = [_name(m) for m in seated if m.pk not in ready or m.state != MemberState.CONFIRMED]
        if waiting:
            raise RuleViolation(_("Every member signs in and declares before the review starts; still waiting "
                                  "for: %(names)s.") % {"names": "、".join(waiting)})
        if len(seated) < draw.drawn_count:
            raise RuleViolation(_("The committee is not complete: a replacement is still being drawn or has not "
                                  "confirmed."))
        room.state = states.STEPS["start_review"].target
        room.save(update_fields=["state"])
        core.append(room, "review_started", {"member": member.pk, "expert": _name(member), "seated": len(seated)},
                    actor=actor, at=now)
    return room


# --- pause and resume (the lot's center staff) -------------------------------------------------


def _staff_step(lot_id, actor, step: str):
    room = core.locked(lot_id)
    core.require_step(room, step)
    if not runs_the_lot(actor, room.lot):
        if supervises_the_lot(actor, room.lot):
            raise PermissionDenied(_("Supervisors watch the evaluation room; they take no part in it and act on "
                                     "nothing."))
        raise PermissionDenied(_("Only the trading center staff of this lot pause and resume its evaluation room."))
    return room


def pause(*, actor, lot_id, reason, now=None):
    """Staff pause the room, saying why (recorded, shown to everyone in the room)."""
    now = now or timezone.now()
    reason = _text(reason, "reason", _("Say why the room is paused: everyone in it reads the reason."))
    with transaction.atomic():
        room = _staff_step(lot_id, actor, "pause")
        if room.paused_at is not None:
            raise RuleViolation(_("The room is paused already, since %(at)s.") % {"at": zoned_text(room.paused_at)})
        room.paused_at, room.pause_reason = now, reason
        room.save(update_fields=["paused_at", "pause_reason"])
        core.append(room, "paused", {"reason": reason}, actor=actor, at=now)
    return room


def resume(*, actor, lot_id, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        room = _staff_step(lot_id, actor, "resume")
        if room.paused_at is None:
            raise RuleViolation(_("The room is not paused."))
        paused_at, reason = room.paused_at, room.pause_reason
        room.paused_at, room.pause_reason = None, ""
        room.save(update_fields=["paused_at", "pause_reason"])
        core.append(room, "resumed", {"paused_at": paused_at, "reason": reason}, actor=actor, at=now)
    return room


COMMANDS: dict = {
    "sign_in": (sign_in, ()),
    "declare_no_conflict": (declare_no_conflict, ()),
    "declare_conflict": (declare_conflict, ("detail",)),
    "vote_leader": (vote_leader, ("candidate_id",)),
    "start_review": (start_review, ()),
    "pause_room": (pause, ("reason",)),
    "resume_room": (resume, ()),
}
FIELDS: dict = {"detail": str, "candidate_id": int, "reason": str}
LONG_COMMANDS: frozenset = frozenset()


# --- what the room shows ----------------------------------------------------------------------


def members(room) -> list[dict]:
    """The room's members in pick order with their progress (one query, kept on the room
    object for the snapshot's other readers)."""
    cached = getattr(room, "_gathering_members", None)
    if cached is not None:
        return cached
    rows = []
    query = (CommitteeMember.objects.filter(draw__lot_id=room.lot_id, state__in=LISTED)
             .select_related("expert__user", "attendance", "leader_vote", "draw").order_by("pick"))
    room._gathering_drawn_count = None
    for m in query:
        room._gathering_drawn_count = m.draw.drawn_count
        attendance = getattr(m, "attendance", None)
        vote = getattr(m, "leader_vote", None)
        rows.append({
            "id": m.pk, "name": m.expert.user.display_name, "pick": m.pick,
            "confirmed": m.state == MemberState.CONFIRMED,
            "signed_in": attendance.signed_in_at.isoformat() if attendance else None,
            "declared": attendance.declared_at.isoformat() if attendance and attendance.declared_at else None,
            "recused": m.state == MemberState.RECUSED,
            "leader": room.leader_id == m.pk,
            "voted": vote is not None,
            "vote": vote.candidate_id if vote is not None else None,
            "replaces": m.replaces_id,
        })
    room._gathering_members = rows
    return rows


def snapshot_part(room, viewer) -> dict:
    """Counts for the gathering, and the viewer's own progress (no query of its own: the
    members are the snapshot's, read once)."""
    rows = members(room)
    seated = [m for m in rows if not m["recused"]]
    ids = {m["id"] for m in seated}
    votes: dict[int, int] = {}
    for m in seated:
        if m["vote"] in ids:
            votes[m["vote"]] = votes.get(m["vote"], 0) + 1
    drawn_count = room._gathering_drawn_count or len(seated)
    ready = [m for m in seated if m["confirmed"] and m["declared"]]
    replaced = {m["replaces"] for m in rows if m["replaces"]}
    me = next((m for m in rows if m["id"] == viewer.member_id), None)
    return {
        "committee_size": drawn_count,
        "seated": len(seated),
        "signed_in": sum(1 for m in seated if m["signed_in"]),
        "declared": len(ready),
        "majority": majority(len(seated)),
        "votes": {str(k): v for k, v in votes.items()},
        "awaiting_replacement": [m["id"] for m in rows if m["recused"] and m["id"] not in replaced],
        "ready_to_start": (room.state == RoomState.GATHERING and room.leader_id is not None
                           and len(ready) == len(seated) >= drawn_count),
        "mine": None if me is None else {"signed_in": me["signed_in"], "declared": me["declared"],
                                         "recused": me["recused"], "vote": me["vote"], "confirmed": me["confirmed"]},
    }
