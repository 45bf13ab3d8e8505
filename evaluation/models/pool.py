"""The expert pool the regional network shares (三级联网): specialties, experts, their history.

The province center keeps the pool; every center below it draws from it. An expert is a person
with an account (role expert), admitted by the pool's staff; only approved experts are drawn."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bidding.models.bids import random_id
from trading.models import Center, User
from trading.uscc import validate_uscc

from ..choices import ExpertStatus, RelationKind
from ..idcard import validate_id_number


class Specialty(models.Model):
    """One entry of the two-level specialty code list (A01 建筑工程 / A0101 房屋建筑), shipped in
    evaluation/data/specialties.json and loaded by a migration; kept by province staff."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("specialty")
        verbose_name_plural = _("specialties")
        ordering = ["code"]
        constraints = [
            # A top-level code is a letter and two digits; a second-level code extends its parent's.
            models.CheckConstraint(condition=Q(parent__isnull=True) | ~Q(parent=F("pk")), name="specialty_not_own_parent"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class Expert(models.Model):
    """An evaluation expert (评标专家) of the pool. The current employer is kept here; earlier
    employers, dates away and declared relations in the tables below."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    user = models.OneToOneField(User, verbose_name=_("account"), on_delete=models.PROTECT, related_name="expert")
    pool = models.ForeignKey(Center, verbose_name=_("pool kept by"), on_delete=models.PROTECT, related_name="experts")
    id_number = models.CharField(_("identity card number"), max_length=18, unique=True, validators=[validate_id_number])
    title = models.CharField(_("professional title"), max_length=60)
    employer_name = models.CharField(_("employer"), max_length=200)
    employer_uscc = models.CharField(_("employer's unified social credit code"), max_length=18, blank=True,
                                     validators=[validate_uscc])
    employed_since = models.DateField(_("employed there since"), null=True, blank=True)
    region_code = models.CharField(_("region (administrative division code)"), max_length=6)
    phone = models.CharField(_("mobile phone"), max_length=30)
    specialties = models.ManyToManyField(Specialty, verbose_name=_("specialties"), related_name="experts")
    status = models.CharField(_("status"), max_length=10, choices=ExpertStatus.choices, default=ExpertStatus.PENDING)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation expert")
        verbose_name_plural = _("evaluation experts")
        ordering = ["enrolled_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExpertStatus.values), name="expert_status_valid"),
            models.CheckConstraint(condition=Q(region_code__regex=r"^[0-9]{6}$"), name="expert_region_six_digits"),
        ]
        indexes = [models.Index(fields=["pool", "status"])]

    def __str__(self):
        return self.user.display_name


class Employment(models.Model):
    """An earlier employer, with its dates: screened for the look-back period (default 3 years)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="employments")
    employer_name = models.CharField(_("employer"), max_length=200)
    employer_uscc = models.CharField(_("employer's unified social credit code"), max_length=18, blank=True,
                                     validators=[validate_uscc])
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"))

    class Meta:
        verbose_name = _("earlier employer")
        verbose_name_plural = _("earlier employers")
        ordering = ["-ended_on"]
        constraints = [models.CheckConstraint(condition=Q(ended_on__gte=F("started_on")), name="employment_ends_after_start")]


class Absence(models.Model):
    """Dates an expert is away (not drawn for an evaluation on any of them)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="absences")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time away")
        verbose_name_plural = _("times away")
        ordering = ["starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="absence_ends_after_start")]


class Relation(models.Model):
    """A company or person the expert must never judge (declared by the expert). A company is
    matched by its unified social credit code; a person by name against a bidder's people."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("kind"), max_length=10, choices=RelationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True, validators=[validate_uscc])
    note = models.CharField(_("relation"), max_length=200, blank=True)
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("declared relation")
        verbose_name_plural = _("declared relations")
        constraints = [
            models.CheckConstraint(condition=~Q(kind=RelationKind.COMPANY) | ~Q(uscc=""), name="company_relation_has_uscc"),
        ]
