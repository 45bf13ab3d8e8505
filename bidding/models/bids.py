"""Bids, their sealed files, keys, receipts and bid security: the bidding floor's tables.

Bids. One row per version a bidder hands in for a lot; at the deadline the last complete
version counts. (Sealed files, receipts and the opening hall extend this in their own modules.)"""

import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trading.models import Lot, Organization, User

from ..choices import BidState, ReceiptAction


def random_id() -> int:
    """A key that says nothing of the rows made before it (招标投标法 第二十二条: a bidder counts no
    one else's bids by its own): random below 2**53, exact as a number in a browser's JSON."""
    return 1 + secrets.randbelow(2**53 - 1)


class Bid(models.Model):
    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="bids")
    organization = models.ForeignKey(Organization, verbose_name=_("bidder"), on_delete=models.PROTECT, related_name="bids")
    version = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(_("state"), max_length=12, choices=BidState.choices, default=BidState.UPLOADING)
    created_by = models.ForeignKey(User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at (server time)"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

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


class TenderRules(models.Model):
    """What a tender asks of sealed bids: the declared items of the opening form, who can open,
    how large a file may be, whether bid security must be recorded first."""

    project = models.OneToOneField("trading.Project", on_delete=models.CASCADE, related_name="bid_rules")
    declared_items = models.JSONField(_("declared items of the opening form"), default=list)
    bidders_decrypt = models.BooleanField(_("bidders decrypt their own bids"), default=True)
    max_file_bytes = models.PositiveBigIntegerField(_("largest sealed file (bytes)"), default=2 * 1024**3)
    max_files = models.PositiveSmallIntegerField(_("most bid files per bid"), default=20)
    require_bid_security = models.BooleanField(_("bid security required before a bid counts"), default=False)
    custodians_k = models.PositiveSmallIntegerField(_("shares needed to open (k)"), default=3)
    custodians_n = models.PositiveSmallIntegerField(_("key custodians (n)"), default=5)
    decryption_minutes = models.PositiveSmallIntegerField(_("time for bidders to decrypt (minutes)"), default=30)
    remedy_custodian_stanza = models.BooleanField(
        _("remedy: custodians may open a bid the bidder failed to decrypt"), default=False
    )
    confirm_minutes = models.PositiveSmallIntegerField(_("time to confirm the record or object (minutes)"), default=30)
    # The random coefficient K of the benchmark price, where the evaluation method uses one:
    # drawn live at the opening from this published range (fractions, e.g. 0.02 to 0.05).
    k_low = models.CharField(_("K from"), max_length=20, blank=True)
    k_high = models.CharField(_("K to"), max_length=20, blank=True)
    k_step = models.CharField(_("K step"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("sealed-bid rules")
        constraints = [
            models.CheckConstraint(condition=Q(custodians_k__gte=1) & Q(custodians_k__lte=models.F("custodians_n")),
                                   name="rules_k_of_n"),
        ]


class CustodianKey(models.Model):
    """A key custodian's own long-lived age recipient; the identity stays in the custodian's
    browser (its key file). Shares reach the custodian only encrypted to this recipient."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="custodian_key")
    recipient = models.CharField(_("age recipient"), max_length=100, unique=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)


class KeyCeremony(models.Model):
    """The tender's opening identity, dealt k-of-n in a browser. The server keeps the public
    recipient and the encrypted shares, never the identity."""

    project = models.OneToOneField("trading.Project", on_delete=models.PROTECT, related_name="key_ceremony")
    k = models.PositiveSmallIntegerField()
    n = models.PositiveSmallIntegerField()
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)
    opening_recipient = models.CharField(max_length=100, blank=True)
    dealt_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    dealt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(k__gte=1) & Q(k__lte=models.F("n")), name="ceremony_k_of_n"),
        ]

    @property
    def complete(self) -> bool:
        return bool(self.opening_recipient)


class CustodianShare(models.Model):
    """One custodian's share of the opening identity, as an age file to that custodian."""

    ceremony = models.ForeignKey(KeyCeremony, on_delete=models.CASCADE, related_name="shares")
    custodian = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    index = models.PositiveSmallIntegerField()
    encrypted_share = models.BinaryField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ceremony", "custodian"], name="share_one_per_custodian"),
            models.UniqueConstraint(fields=["ceremony", "index"], name="share_index_unique"),
        ]


class BidderKey(models.Model):
    """A bidder's fresh age recipient for one tender; the identity stays on the bidder's device."""

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    project = models.ForeignKey("trading.Project", on_delete=models.PROTECT, related_name="bidder_keys")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    recipient = models.CharField(_("age recipient"), max_length=100)
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "organization"], name="bidder_key_one_per_tender")]


class BidSecurity(models.Model):
    """Staff record a bidder's bid security (投标保证金) for a lot."""

    class Method(models.TextChoices):
        TRANSFER = "transfer", _("Bank transfer")
        GUARANTEE = "guarantee", _("Bank guarantee")
        INSURANCE = "insurance", _("Guarantee insurance")
        OTHER = "other", _("Other")

    id = models.BigIntegerField(primary_key=True, default=random_id, editable=False)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="securities")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    method = models.CharField(_("how paid"), max_length=12, choices=Method.choices)
    reference = models.CharField(_("reference"), max_length=100)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Forfeit (不予退还) once, when the opening reads the bidder's bid as revoked by its own fault
    # (电子招标投标办法 第三十一条; 招标投标法实施条例 第三十五条): who read it, when, and why.
    forfeited_at = models.DateTimeField(_("forfeited at"), null=True, blank=True)
    forfeited_by = models.ForeignKey(User, verbose_name=_("forfeited by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    forfeit_reason = models.TextField(_("why forfeited"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot", "organization"], name="security_one_per_bidder")]


class SealedFile(models.Model):
    """One age file of a bid version: the opening form, or a bid file. Received through a
    resumable upload; complete when its last byte is stored and hashed."""

    class Kind(models.TextChoices):
        FORM = "form", _("Opening form")
        FILE = "file", _("Bid file")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    name = models.CharField(max_length=200)
    size = models.PositiveBigIntegerField()
    received = models.PositiveBigIntegerField(default=0)
    storage_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64, blank=True)
    # The SHA-256 the sealer declared for the whole sealed file (hex), where it did: the file
    # completes only if the bytes received have it (bidding.upload_checks).
    declared_sha256 = models.CharField(max_length=64, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # After the deadline, once decrypted: where the plaintext is, its size, and with what. (Its
    # digest is the ciphertext's, above, with the key: see agefile.Decrypted.)
    opened_storage_name = models.CharField(max_length=300, blank=True)
    opened_size = models.PositiveBigIntegerField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    opened_with = models.CharField(max_length=12, blank=True)  # bidder | opening | file_key

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["bid", "name"], name="sealed_file_name_unique_in_bid"),
            models.CheckConstraint(condition=Q(received__lte=models.F("size")), name="sealed_file_not_overfull"),
        ]


class Receipt(models.Model):
    """Every receipt issued (submission or withdrawal), kept exactly as signed: the canonical
    JSON body and its Ed25519 signature, so verify_receipt can name what a changed copy alters."""

    id = models.UUIDField(primary_key=True)  # the receipt_id inside the body
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="receipts")
    action = models.CharField(max_length=12)
    body = models.TextField()
    signature = models.CharField(max_length=200, db_index=True)  # the public check finds a receipt by it
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["issued_at"]

    @property
    def action_label(self) -> str:
        """What the receipt attests, as people read it (the stored action is the signed body's)."""
        return str(ReceiptAction(self.action).label) if self.action in ReceiptAction.values else self.action


class HandedInShare(models.Model):
    """A custodian's share, handed in after the deadline for the opening. Deleted when the
    opening ends (the rebuilt identity itself is never stored)."""

    ceremony = models.ForeignKey(KeyCeremony, on_delete=models.CASCADE, related_name="handed_in")
    custodian = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    share = models.BinaryField()
    handed_in_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ceremony", "custodian"], name="handed_in_once")]
