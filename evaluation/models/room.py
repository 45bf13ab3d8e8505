"""The committee's evaluation room (远程异地评标): a live room (rooms) and what its members record there.

One room per lot, opened when its committee is formed. Its numbered events are the truth the
pages replay (EvaluationEvent); the rows below are what the commands record, each one also an
audit event. A member's own work (a verdict, a score) belongs to that member; the committee's
outcome is computed from all of them (evaluation/scoring.py), never typed."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bidding.models import Bid
from rooms.models import Room, RoomEvent
from trading.models import Lot, User

from ..choices import RoomState, Stage
from .draw import CommitteeMember
from .table import POINTS, TableCheck, TableItem


class EvaluationRoom(Room):
    lot = models.OneToOneField(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="evaluation_room")
    state = models.CharField(_("step"), max_length=12, choices=RoomState.choices, default=RoomState.GATHERING)
    leader = models.ForeignKey(CommitteeMember, verbose_name=_("committee leader"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    # Staff may pause the room, with the reason recorded; no member's command is taken meanwhile.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.TextField(_("why paused"), blank=True)
    # Ties that points and price do not break are drawn in the open: the seed is committed when
    # the room opens and revealed with the draw (as K at the opening).
    tie_seed = models.CharField(max_length=64)  # hex; never sent to a client before the draw
    tie_commitment = models.CharField(_("tie-break commitment"), max_length=64)
    opened_at = models.DateTimeField(_("opened at"))
    # The summary (汇总) as evaluation.scoring computed it from the submitted work: the document
    # the report prints and docs/evaluation-format.md describes.
    summary = models.JSONField(_("summary"), null=True, blank=True)
    summarized_at = models.DateTimeField(_("summarized at"), null=True, blank=True)
    report_pdf = models.BinaryField(null=True, blank=True)
    report_sha256 = models.CharField(_("report SHA-256"), max_length=64, blank=True)
    report_made_at = models.DateTimeField(_("report made at"), null=True, blank=True)
    final_at = models.DateTimeField(_("report final at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation room")
        constraints = [models.CheckConstraint(condition=Q(state__in=RoomState.values), name="room_state_valid"),
                       models.CheckConstraint(condition=Q(paused_at__isnull=True) | ~Q(pause_reason=""),
                                              name="room_pause_has_reason")]

    def __str__(self):
        return str(self.lot)


class EvaluationEvent(RoomEvent):
    """One numbered step of a room, of a kind declared in evaluation/room/events.py. `audience`
    empty: everyone the room admits; otherwise only that member (a flag on their own score)."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="events")
    audience = models.ForeignKey(CommitteeMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["room", "seq"]
        constraints = [models.UniqueConstraint(fields=["room", "seq"], name="evaluation_event_seq_unique")]


class Attendance(models.Model):
    """A member in the room: signed in (identity checked against the draw), and their
    declaration on the opened bidders: none, or a conflict that recuses them."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="attendances")
    member = models.OneToOneField(CommitteeMember, on_delete=models.PROTECT, related_name="attendance")
    signed_in_at = models.DateTimeField(_("signed in at"))
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    conflict = models.BooleanField(_("declared a conflict"), default=False)
    conflict_detail = models.TextField(_("the conflict declared"), blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(conflict=False) | ~Q(conflict_detail=""),
                                              name="attendance_conflict_has_detail")]


class LeaderVote(models.Model):
    """One member's vote for the committee leader (推选组长); a member may change it until elected."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="leader_votes")
    voter = models.OneToOneField(CommitteeMember, on_delete=models.PROTECT, related_name="leader_vote")
    candidate = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()


class CheckVerdict(models.Model):
    """A member's pass or fail on one check for one bid, with the reason for every fail."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="verdicts")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    table_check = models.ForeignKey(TableCheck, on_delete=models.PROTECT, related_name="+")
    passed = models.BooleanField()
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "bid", "table_check"], name="verdict_once"),
                       models.CheckConstraint(condition=Q(passed=True) | ~Q(reason=""), name="verdict_fail_has_reason")]


class Score(models.Model):
    """A member's points for one item of one responsive bid, within the item's range. A score
    far from the others' mean is flagged to its member, who reviews it or confirms it with a
    reason; the platform never changes it."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="scores")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(TableItem, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(**POINTS)
    at = models.DateTimeField()
    flagged_at = models.DateTimeField(null=True, blank=True)
    others_mean = models.DecimalField(null=True, blank=True, max_digits=9, decimal_places=4)
    confirmed_reason = models.TextField(blank=True)  # the member kept a flagged score, and why
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "bid", "item"], name="score_once")]


class Submission(models.Model):
    """A member's review or scores submitted as a whole: no change after, unless the leader
    returns them (recorded)."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="submissions")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "stage"], name="submission_once")]


class Clarification(models.Model):
    """A written question of the committee to one bidder (澄清), answered in the platform by a
    user of that bidder within the time set; question and answer are part of the record."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="clarifications")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("asked at"))
    answer_due = models.DateTimeField(_("answer due by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]
        constraints = [models.CheckConstraint(condition=Q(answer="") | Q(answered_at__isnull=False),
                                              name="clarification_answer_has_time")]


class BelowCostVote(models.Model):
    """A member's vote that a bid is below cost (低于成本), with the written reason: the bid is
    rejected only where the committee's majority so votes, reasons kept."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="below_cost_votes")
    member = models.ForeignKey(CommitteeMember, on_delete=models.PROTECT, related_name="+")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="+")
    below_cost = models.BooleanField()
    reason = models.TextField()
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "bid"], name="below_cost_vote_once"),
                       models.CheckConstraint(condition=~Q(reason=""), name="below_cost_vote_has_reason")]


class Dissent(models.Model):
    """A member's dissent from the committee's conclusion, with reasons (实施条例 第五十三条): printed in the report."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="dissents")
    member = models.OneToOneField(CommitteeMember, on_delete=models.PROTECT, related_name="dissent")
    reasons = models.TextField()
    at = models.DateTimeField()


class ExpertKey(models.Model):
    """An expert's own Ed25519 public key, made and kept in their browser, registered with the
    platform: the signatures on reports are checked against it."""

    expert = models.OneToOneField("evaluation.Expert", on_delete=models.PROTECT, related_name="signing_key")
    public_key = models.CharField(_("public key (base64)"), max_length=64, unique=True)
    registered_at = models.DateTimeField(_("registered at"))


class ReportSignature(models.Model):
    """A member's Ed25519 signature on the report's SHA-256, or their refusal with reasons."""

    room = models.ForeignKey(EvaluationRoom, on_delete=models.CASCADE, related_name="signatures")
    member = models.OneToOneField(CommitteeMember, on_delete=models.PROTECT, related_name="report_signature")
    report_sha256 = models.CharField(max_length=64)
    public_key = models.CharField(max_length=64, blank=True)  # as registered when signed
    signature = models.CharField(max_length=100, blank=True)  # base64; empty for a refusal
    refusal = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=(~Q(signature="") & Q(refusal="")) |
                                              (Q(signature="") & ~Q(refusal="")), name="signature_or_refusal")]
