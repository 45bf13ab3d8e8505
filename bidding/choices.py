"""Bidding's choices: bid and hall states, what a receipt attests, each bid's decryption and outcome, the record's confirmations."""

from django.db import models
from django.utils.translation import pgettext_lazy


class BidState(models.TextChoices):
    UPLOADING = "uploading", pgettext_lazy("bid state", "Uploading")
    COMPLETE = "complete", pgettext_lazy("bid state", "Complete")
    SUPERSEDED = "superseded", pgettext_lazy("bid state", "Replaced by a later version")
    WITHDRAWN = "withdrawn", pgettext_lazy("bid state", "Withdrawn")


class ReceiptAction(models.TextChoices):
    """What a receipt (投标回执) attests: a version received, or a bid withdrawn."""
    SUBMITTED = "submitted", pgettext_lazy("receipt", "Receipt of submission")
    WITHDRAWN = "withdrawn", pgettext_lazy("receipt", "Receipt of withdrawal")


class HallState(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("hall state", "Waiting for the deadline")
    CLOSED = "closed", pgettext_lazy("hall state", "Bidding closed")
    FAILED = "failed", pgettext_lazy("hall state", "Not opened: too few bids")
    DECRYPTING = "decrypting", pgettext_lazy("hall state", "Decryption")
    READING = "reading", pgettext_lazy("hall state", "Reading the record")
    CONFIRMING = "confirming", pgettext_lazy("hall state", "Confirmation and objections")
    ENDED = "ended", pgettext_lazy("hall state", "Opening ended")
    ABORTED = "aborted", pgettext_lazy("hall state", "Opening failed")


class OpeningStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("decryption", "Waiting")
    DECRYPTING = "decrypting", pgettext_lazy("decryption", "Decrypting")
    DECRYPTED = "decrypted", pgettext_lazy("decryption", "Decrypted")
    FAILED = "failed", pgettext_lazy("decryption", "Failed")


class OpeningOutcome(models.TextChoices):
    PENDING = "", pgettext_lazy("outcome", "Pending")
    DECRYPTED = "decrypted", pgettext_lazy("outcome", "Decrypted")
    REVOKED = "revoked", pgettext_lazy("outcome", "Counts as revoked (the bidder failed to decrypt)")
    WITHDRAWN = "withdrawn", pgettext_lazy("outcome", "Counts as withdrawn (failed for another reason)")
    REMEDIED = "remedied", pgettext_lazy("outcome", "Decrypted by the tender's remedy")


class Confirmation(models.TextChoices):
    PENDING = "pending", pgettext_lazy("confirmation", "Pending")
    CONFIRMED = "confirmed", pgettext_lazy("confirmation", "Confirmed")
    OBJECTED = "objected", pgettext_lazy("confirmation", "Objection raised")
    DEEMED = "deemed", pgettext_lazy("confirmation", "Deemed accepted (no answer in time)")
