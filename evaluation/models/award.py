"""After the report: objections during the candidates' publicity, the award and the contract.

The lifecycle's transitions (publicize, award, contract) are trading's; the facts their guards
read (the report signed, the candidates, open objections) come from here. Savings are kept
per awarded lot for the statistics (DOMAIN.md §8)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trading.models import MONEY, Lot, Organization, User


class PublicityObjection(models.Model):
    """A bidder's objection (异议) to the published candidates, raised during the publicity;
    staff answer within 3 days and the award waits for the answer."""

    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="publicity_objections")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"))
    raised_at = models.DateTimeField(_("raised at"))
    answer_due = models.DateTimeField(_("answer due by"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["raised_at"]
        constraints = [models.CheckConstraint(condition=Q(answer="") | Q(answered_at__isnull=False),
                                              name="publicity_objection_answer_has_time")]


class Award(models.Model):
    """A lot's award: the winner, the price, the notice (中标通知书) and the savings it made."""

    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="award")
    winner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(_("award price"), **MONEY)
    budget = models.DecimalField(_("budget"), **MONEY)
    savings = models.DecimalField(_("savings"), max_digits=16, decimal_places=2)  # may be negative
    savings_rate = models.DecimalField(_("savings rate"), max_digits=9, decimal_places=6)  # a fraction
    awarded_at = models.DateTimeField(_("awarded at"))
    notice_pdf = models.BinaryField(null=True, blank=True)
    notice_sha256 = models.CharField(max_length=64, blank=True)


class Contract(models.Model):
    """The contract as recorded by the center's staff: its date and amount (招标投标法 第四十六条)."""

    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="contract")
    signed_on = models.DateField(_("signed on"))
    amount = models.DecimalField(_("contract amount"), **MONEY)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
