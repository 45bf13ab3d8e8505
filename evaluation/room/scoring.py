"""The evaluation room's scoring part: each member's scores within range, their submission, flags on outlying scores, below-cost votes.

Each expert scores alone (实施条例 第四十九条): the room's events carry counts, never another
member's points; a flag on a score goes to its member only. The platform never changes a score:
a flagged one is changed by its member (which reopens their submission) or confirmed with a
reason. The summary that follows is scoring_summary.summarize; what a viewer is shown is
scoring_view.snapshot_part."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trading import audit
from trading.errors import NotFound, PermissionDenied, RuleViolation

from ..choices import RoomState, Stage
from ..models import BelowCostVote, Score, Submission
from . import core
from . import scoring_facts as sf
from .scoring_flags import raise_flags
from .scoring_summary import summarize
from .scoring_view import snapshot_part

VOTES = {"below_cost": True, "not_below_cost": False}


def _shown(value: Decimal) -> str:
    """Points as a person writes them: 20, 15.5."""
    return sf.points_text(value.normalize())


def _points(points, item) -> Decimal:
    try:
        value = Decimal(str(points).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        raise RuleViolation(_("Points are a number, such as 15.5."), field="points")
    if value != value.quantize(Decimal("0.01")):
        raise RuleViolation(_("Points are given to at most two decimal places."), field="points")
    if not item.low <= value <= item.high:
        raise RuleViolation(_("“%(item)s” is scored from %(low)s to %(high)s points.")
                            % {"item": item.name, "low": _shown(item.low), "high": _shown(item.high)}, field="points")
    return value.quantize(Decimal("0.01"))


def _scored_bid(found, bid_id):
    standing = found.standing(bid_id)
    if standing is None:
        raise NotFound(_("No such opened bid in this lot."))
    if not standing.passed_review:
        raise RuleViolation(_("This bid did not pass the review: it is not scored."))
    if standing.below_cost:
        raise RuleViolation(_("The committee rejected this bid as below cost: it is not scored."))
    return standing


def _progress(room, found, member, actor, now):
    """Everyone's view of one member's progress: counts only."""
    row = sf.progress(found)[member.pk]
    core.append(room, "scoring_progress", {"member": member.pk, "scored": row["scored"], "needed": row["needed"],
                                           "submitted": row["submitted"]}, actor=actor, at=now)


def record_score(*, actor, lot_id, bid_id, item_id, points, now=None):
    """A member's points for one item of one scored bid, within the item's range; changeable
    until they submit, and after it only where the score is flagged (which reopens the submission)."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = sf.begin(lot_id, "record_score", actor)
        found = sf.facts(room)
        item = next((i for i in found.items if i.pk == item_id), None)
        if item is None:
            raise NotFound(_("No such item in this lot's scoring table."))
        standing = _scored_bid(found, bid_id)
        value = _points(points, item)
        score = Score.objects.filter(room=room, member=member, bid_id=bid_id, item=item).first()
        submission = Submission.objects.filter(room=room, member=member, stage=Stage.SCORING).first()
        if submission is not None and (score is None or score.flagged_at is None):
            raise RuleViolation(_("You have submitted your scores: only a flagged score can be changed now. "
                                  "The leader may return your submission to you."))
        if score is not None and score.points == value:
            return  # nothing changes: no event, no record
        previous = None if score is None else sf.points_text(score.points)
        if score is None:
            score = Score.objects.create(room=room, member=member, bid_id=bid_id, item=item, points=value, at=now)
        else:
            # A changed score answers its flag (its time is after the flag's); a confirmation
            # was of the old points.
            score.points, score.at, score.confirmed_reason, score.confirmed_at = value, now, "", None
            score.save(update_fields=["points", "at", "confirmed_reason", "confirmed_at"])
        if submission is not None:
            submission.delete()  # a flagged score changed: the member submits again
        audit.record(actor=actor, action="evaluation.scoring.score_recorded", obj=room, project=room.lot.project,
                     data={"member": member.pk, "bid": bid_id, "bidder": standing.bid["bidder"], "item": item.pk,
                           "item_name": item.name, "points": sf.points_text(value), "previous": previous})
        _progress(room, found, member, actor, now)


def submit_scores(*, actor, lot_id, now=None):
    """A member's scores as a whole: every item of every scored bid. Once every seated member
    has submitted, the outlying scores are flagged to their members."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = sf.begin(lot_id, "submit_scores", actor)
        found = sf.facts(room)
        if Submission.objects.filter(room=room, member=member, stage=Stage.SCORING).exists():
            raise RuleViolation(_("You have already submitted your scores."))
        row = sf.progress(found)[member.pk]
        missing = row["needed"] - row["scored"]
        if missing:
            raise RuleViolation(ngettext(
                "%(n)d score is missing: score every item of every evaluated bid, then submit.",
                "%(n)d scores are missing: score every item of every evaluated bid, then submit.", missing)
                % {"n": missing})
        Submission.objects.create(room=room, member=member, stage=Stage.SCORING, at=now)
        done = sf.submitted_ids(found)
        core.append(room, "scores_submitted", {"member": member.pk, "members_submitted": len(done),
                                               "members_seated": len(found.members)}, actor=actor, at=now)
        if done >= found.member_ids:
            raise_flags(room, found, actor=actor, now=now)


def confirm_flag(*, actor, lot_id, bid_id, item_id, reason, now=None):
    """A member keeps a flagged score, saying why; the score stays as it is."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        room, member = sf.begin(lot_id, "confirm_flag", actor)
        score = (Score.objects.select_related("item", "bid__organization")
                 .filter(room=room, member=member, bid_id=bid_id, item_id=item_id).first())
        if score is None or score.flagged_at is None:
            raise NotFound(_("You have no flagged score for this item of this bid."))
        if not sf.flag_is_open(score):
            raise RuleViolation(_("This flag is already answered."))
        if not reason:
            raise RuleViolation(_("Say why you keep this score."), field="reason")
        score.confirmed_reason, score.confirmed_at = reason, now
        score.save(update_fields=["confirmed_reason", "confirmed_at"])
        audit.record(actor=actor, action="evaluation.scoring.flag_confirmed", obj=room, project=room.lot.project,
                     data={"member": member.pk, "bid": bid_id, "bidder": score.bid.organization.name, "item": item_id,
                           "item_name": score.item.name, "points": sf.points_text(score.points), "reason": reason})
        open_flags = Score.objects.filter(room=room).filter(sf.OPEN_FLAG).count()
        core.append(room, "flag_confirmed", {"member": member.pk, "open_flags": open_flags}, actor=actor, at=now)


def vote_below_cost(*, actor, lot_id, bid_id, vote, reason, now=None):
    """A member's vote, with the written reason, that a bid is below cost or is not; a majority of
    the seated members rejects it. A member may change their vote until the summary."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if vote not in VOTES:
        raise RuleViolation(_("Vote that the bid is below cost, or that it is not."), field="vote")
    with transaction.atomic():
        room, member = sf.begin(lot_id, "vote_below_cost", actor)
        found = sf.facts(room)
        standing = found.standing(bid_id)
        if standing is None:
            raise NotFound(_("No such opened bid in this lot."))
        if not standing.passed_review:
            raise RuleViolation(_("This bid did not pass the review: it is not evaluated."))
        if not reason:
            raise RuleViolation(_("Write the reason for your vote."), field="reason")
        was_rejected = standing.below_cost
        BelowCostVote.objects.update_or_create(room=room, member=member, bid_id=bid_id,
                                               defaults={"below_cost": VOTES[vote], "reason": reason, "at": now})
        found = sf.facts(room)
        standing = found.standing(bid_id)
        votes = sum(1 for v in standing.votes if v["below_cost"] and v["member_id"] in found.member_ids)
        core.append(room, "below_cost_vote", {
            "member": member.pk, "bid": bid_id, "bidder": standing.bid["bidder"], "below_cost": VOTES[vote],
            "reason": reason, "votes_below_cost": votes, "members_seated": len(found.members),
            "rejected": standing.below_cost}, actor=actor, at=now)
        if standing.below_cost != was_rejected:
            _settle(room, found, actor, now)


def _settle(room, found, actor, now):
    """After a bid's rejection changed: a submission that now lacks scores goes back to its member;
    if every member still stands submitted, the flags are worked out again."""
    rows = sf.progress(found)
    for row in rows.values():
        if row["submitted"] and row["scored"] < row["needed"]:
            Submission.objects.filter(room=room, member_id=row["member"], stage=Stage.SCORING).delete()
            row["submitted"] = False
            core.append(room, "submission_returned", {"member": row["member"], "stage": Stage.SCORING,
                                                      "missing": row["needed"] - row["scored"]}, actor=actor, at=now)
    if all(row["submitted"] for row in rows.values()):
        raise_flags(room, found, actor=actor, now=now)


def return_scores(*, actor, lot_id, member_id, reason, now=None):
    """The leader gives a member's submitted scores back to them to correct, saying why (recorded)."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        room, leader = sf.begin(lot_id, "return_submission", actor)
        if room.state != RoomState.SCORING:
            raise RuleViolation(_("Scores are returned during the scoring."))
        if room.leader_id != leader.pk:
            raise PermissionDenied(_("Only the committee leader may return a member's scores."))
        if not reason:
            raise RuleViolation(_("Say why the scores are returned."), field="reason")
        returned = Submission.objects.filter(room=room, member_id=member_id, stage=Stage.SCORING).delete()[0]
        if not returned:
            raise RuleViolation(_("This member has not submitted their scores."))
        core.append(room, "submission_returned", {"member": member_id, "stage": Stage.SCORING, "reason": reason},
                    actor=actor, at=now)


COMMANDS = {
    # message type: (service, the message's fields it passes on)
    "record_score": (record_score, ("bid_id", "item_id", "points")),
    "submit_scores": (submit_scores, ()),
    "confirm_flag": (confirm_flag, ("bid_id", "item_id", "reason")),
    "vote_below_cost": (vote_below_cost, ("bid_id", "vote", "reason")),
    "return_scores": (return_scores, ("member_id", "reason")),
    "summarize": (summarize, ()),
}
# Points come as text ("15.5"): JSON numbers would lose 0 to the id check and decimals to floats.
FIELDS = {"bid_id": int, "item_id": int, "points": str, "reason": str, "vote": str, "member_id": int}
# A lot of hundreds of bids takes seconds to sum up, and to work out the flags when the last
# member submits (or a below-cost vote moves a bid once all have): bench/bench_evaluation.py.
LONG_COMMANDS = frozenset({"summarize", "submit_scores", "vote_below_cost"})

__all__ = ["COMMANDS", "FIELDS", "LONG_COMMANDS", "confirm_flag", "record_score", "return_scores", "snapshot_part",
           "submit_scores", "summarize", "vote_below_cost"]
