"""The evaluation floor's statuses and kinds in one place, with translated labels."""

from django.db import models
from django.utils.translation import pgettext_lazy


class ExpertStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("expert status", "Awaiting review")
    APPROVED = "approved", pgettext_lazy("expert status", "In the pool")
    REJECTED = "rejected", pgettext_lazy("expert status", "Not admitted")
    SUSPENDED = "suspended", pgettext_lazy("expert status", "Suspended")
    RETIRED = "retired", pgettext_lazy("expert status", "Retired")


class RelationKind(models.TextChoices):
    COMPANY = "company", pgettext_lazy("relation kind", "Company")
    PERSON = "person", pgettext_lazy("relation kind", "Person")


class RegionScope(models.TextChoices):
    """Where a draw's experts come from, against the lot's own region (the city, 市)."""

    ANY = "any", pgettext_lazy("region scope", "Any region")
    LOCAL = "local", pgettext_lazy("region scope", "The lot's own region only")
    REMOTE = "remote", pgettext_lazy("region scope", "Other regions only")
    MIX = "mix", pgettext_lazy("region scope", "A mix, with a set share from the lot's own region")


class DrawState(models.TextChoices):
    COMMITTED = "committed", pgettext_lazy("draw state", "Set up, commitment published")
    DRAWN = "drawn", pgettext_lazy("draw state", "Drawn, experts answering")
    FORMED = "formed", pgettext_lazy("draw state", "Committee formed")
    REVEALED = "revealed", pgettext_lazy("draw state", "Seed revealed")
    SHORT = "short", pgettext_lazy("draw state", "The pool ran short")


class MemberState(models.TextChoices):
    NOTIFIED = "notified", pgettext_lazy("member state", "Awaiting answer")
    CONFIRMED = "confirmed", pgettext_lazy("member state", "Confirmed")
    DECLINED = "declined", pgettext_lazy("member state", "Declined")
    EXPIRED = "expired", pgettext_lazy("member state", "No answer in time")
    RECUSED = "recused", pgettext_lazy("member state", "Recused (declared a conflict)")


# A member on the committee: drawn and awaiting an answer, or confirmed (not declined, not timed out).
SEATED = frozenset({MemberState.NOTIFIED, MemberState.CONFIRMED})
# A seat given up (declined, no answer in time, or recused in the room): the one kind of seat a replacement is drawn for.
GIVEN_UP = frozenset({MemberState.DECLINED, MemberState.EXPIRED, MemberState.RECUSED})


class ExclusionReason(models.TextChoices):
    """Why an expert of the asked specialties is kept out of a draw (实施条例 第四十六条)."""

    EMPLOYED_BY_BIDDER = "employed_by_bidder", pgettext_lazy("exclusion", "Employed by a bidder")
    EMPLOYED_BY_TENDEREE = "employed_by_tenderee", pgettext_lazy("exclusion", "Employed by the tenderee")
    RELATED = "related", pgettext_lazy("exclusion", "Declared relation with a bidder")
    SAT_ON_PROJECT = "sat_on_project", pgettext_lazy("exclusion", "Sat on a committee of the same project before")
    SUSPENDED = "suspended", pgettext_lazy("exclusion", "Suspended")
    AWAY = "away", pgettext_lazy("exclusion", "Away on the evaluation date")
    SAME_REGION = "same_region", pgettext_lazy("exclusion", "From the lot's own region")
    OTHER_REGION = "other_region", pgettext_lazy("exclusion", "From outside the lot's region")


class PriceFormula(models.TextChoices):
    """How price points are computed (DOMAIN.md §7): computed, never typed."""

    LOWEST_BENCHMARK = "lowest_benchmark", pgettext_lazy("price formula", "Lowest price as the benchmark")
    AVERAGE_BENCHMARK = "average_benchmark", pgettext_lazy("price formula", "Average price as the benchmark, with K")


class CheckKind(models.TextChoices):
    QUALIFICATION = "qualification", pgettext_lazy("check kind", "Qualification")
    RESPONSIVENESS = "responsiveness", pgettext_lazy("check kind", "Responsiveness")


class ItemCategory(models.TextChoices):
    TECHNICAL = "technical", pgettext_lazy("item category", "Technical")
    COMMERCIAL = "commercial", pgettext_lazy("item category", "Commercial")


class RoomState(models.TextChoices):
    """The evaluation room's steps, in order (evaluation/room/states.py says what each allows)."""

    GATHERING = "gathering", pgettext_lazy("room state", "Signing in, declaring, electing the leader")
    REVIEWING = "reviewing", pgettext_lazy("room state", "Qualification and responsiveness review")
    SCORING = "scoring", pgettext_lazy("room state", "Scoring")
    SUMMARIZED = "summarized", pgettext_lazy("room state", "Summary and ranking")
    SIGNING = "signing", pgettext_lazy("room state", "Signing the report")
    FINAL = "final", pgettext_lazy("room state", "Report final")


class Stage(models.TextChoices):
    """What a member submits as a whole: the review, then the scores."""

    REVIEW = "review", pgettext_lazy("submission stage", "Review")
    SCORING = "scoring", pgettext_lazy("submission stage", "Scoring")
