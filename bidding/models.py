"""Bids. One row per version a bidder hands in for a lot; at the deadline the last complete
version counts. (Sealed files, receipts and the opening hall extend this in their own modules.)"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trading.models import Lot, Organization, User

from .choices import BidState


class Bid(models.Model):
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="bids")
    organization = models.ForeignKey(Organization, verbose_name=_("bidder"), on_delete=models.PROTECT, related_name="bids")
    version = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=12, choices=BidState.choices, default=BidState.UPLOADING)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at (server time)"), null=True, blank=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["lot", "organization", "version"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "organization", "version"], name="bid_version_unique"),
            # At most one counting (complete) version per bidder and lot.
            models.UniqueConstraint(
                fields=["lot", "organization"], condition=Q(state="complete"), name="bid_one_complete_version"
            ),
            models.CheckConstraint(
                condition=~Q(state="complete") | Q(completed_at__isnull=False), name="bid_complete_has_time"
            ),
        ]

    def __str__(self):
        return f"{self.lot} · {self.organization} · v{self.version}"
