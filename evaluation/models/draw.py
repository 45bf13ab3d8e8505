"""A lot's committee draw: its request, its exclusions, its commitment and its members.

One draw per lot, set up by the lot's center staff after the opening. The seed stays secret
until the result is public; the committee's names stay with the committee, the draw's staff and
supervisors until then (招标投标法 第四十四条; 实施条例 第四十六条)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bidding.models.bids import random_id
from trading.models import Lot, User

from ..choices import SEATED, DrawState, MemberState, RegionScope
from .pool import Expert

ANSWER_MINUTES = 30  # the default time a drawn expert has to confirm or decline
LOOKBACK_YEARS = 3  # the default look-back for earlier employment by a bidder or the tenderee


class CommitteeDraw(models.Model):
    """The draw of one lot's committee. `groups` is the request as evaluation.drawing takes it
    ([{"specialty", "scope", "count"}], in order); `exclusions` the experts of those specialties
    kept out, each with its reason ([{"expert", "reason", "detail"}]); `snapshot` the canonical
    bytes of the eligible pool, published after the result."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    lot = models.OneToOneField(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="committee_draw")
    size = models.PositiveSmallIntegerField(_("committee size"))
    tenderee_reps = models.JSONField(_("the tenderee's representatives"), default=list, blank=True)  # names; never drawn
    region_scope = models.CharField(_("where the experts come from"), max_length=10, choices=RegionScope.choices,
                                    default=RegionScope.ANY)
    local_percent = models.PositiveSmallIntegerField(_("share from the lot's own region (%)"), null=True, blank=True)
    lookback_years = models.PositiveSmallIntegerField(_("look-back for earlier employment (years)"),
                                                      default=LOOKBACK_YEARS)
    answer_minutes = models.PositiveSmallIntegerField(_("time to answer (minutes)"), default=ANSWER_MINUTES)
    evaluation_at = models.DateTimeField(_("evaluation starts at"))
    place = models.CharField(_("evaluation room"), max_length=100, blank=True)  # blank: online
    groups = models.JSONField(_("experts asked, by specialty"), default=list)
    exclusions = models.JSONField(_("exclusions"), default=list)
    snapshot = models.TextField(_("eligible pool snapshot"))
    snapshot_digest = models.CharField(_("snapshot digest"), max_length=64)
    seed = models.CharField(max_length=64)  # hex; never shown before the result is public
    commitment = models.CharField(_("commitment"), max_length=64)
    state = models.CharField(_("state"), max_length=10, choices=DrawState.choices, default=DrawState.COMMITTED)
    set_up_by = models.ForeignKey(User, verbose_name=_("set up by"), on_delete=models.PROTECT, related_name="+")
    set_up_at = models.DateTimeField(_("set up at"))
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    revealed_at = models.DateTimeField(_("seed revealed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee draw")
        verbose_name_plural = _("committee draws")
        constraints = [
            models.CheckConstraint(condition=Q(size__gte=5), name="draw_committee_at_least_five"),
            models.CheckConstraint(condition=Q(state__in=DrawState.values), name="draw_state_valid"),
            models.CheckConstraint(condition=~Q(region_scope=RegionScope.MIX) | Q(local_percent__lte=100),
                                   name="draw_mix_has_a_share"),
        ]

    def __str__(self):
        return str(self.lot)

    @property
    def drawn_count(self) -> int:
        """How many experts the committee takes from the pool (the rest are the tenderee's own)."""
        return self.size - len(self.tenderee_reps)


class CommitteeMember(models.Model):
    """One pick of the draw: the expert drawn at pick `pick` for request group `group`, and their
    answer. A replacement names the member it replaces; the replaced one keeps the reason."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    draw = models.ForeignKey(CommitteeDraw, on_delete=models.CASCADE, related_name="members")
    expert = models.ForeignKey(Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="seats")
    pick = models.PositiveSmallIntegerField(_("pick"))
    group = models.PositiveSmallIntegerField(_("request group"))
    state = models.CharField(_("answer"), max_length=10, choices=MemberState.choices, default=MemberState.NOTIFIED)
    notified_at = models.DateTimeField(_("notified at"))
    answer_due = models.DateTimeField(_("answer due by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    replaces = models.OneToOneField("self", verbose_name=_("replaces"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaced_by")

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["draw", "pick"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "pick"], name="member_pick_unique"),
            models.UniqueConstraint(fields=["draw", "expert"], name="member_drawn_once"),
            models.CheckConstraint(condition=Q(state__in=MemberState.values), name="member_state_valid"),
        ]

    @property
    def seated(self) -> bool:
        """On the committee: not declined, not timed out."""
        return self.state in SEATED
