"""The opening hall's tables: the hall, its numbered events, sign-ins, openings, objections.

The opening hall (DESIGN.md §5): one per lot. Its numbered events are the truth every client
replays; the channel layer only rings the bell."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rooms.models import Room, RoomEvent
from trading.models import Lot, Organization, User

from ..choices import Confirmation, HallState, OpeningOutcome, OpeningStatus
from .bids import Bid


class OpeningHall(Room):
    lot = models.OneToOneField(Lot, on_delete=models.PROTECT, related_name="hall")
    state = models.CharField(max_length=12, choices=HallState.choices, default=HallState.WAITING)
    # The random coefficient K: range and commitment published before the opening; the seed
    # is revealed at the draw.
    k_low = models.CharField(max_length=20, blank=True)
    k_high = models.CharField(max_length=20, blank=True)
    k_step = models.CharField(max_length=20, blank=True)
    k_commitment = models.CharField(max_length=64, blank=True)
    k_seed = models.CharField(max_length=64, blank=True)  # hex; never sent to a client before the draw
    k_value = models.CharField(max_length=20, blank=True)
    k_drawn_at = models.DateTimeField(null=True, blank=True)
    host = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decryption_started_at = models.DateTimeField(null=True, blank=True)
    decryption_deadline = models.DateTimeField(null=True, blank=True)
    confirm_deadline = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    record_pdf = models.BinaryField(null=True, blank=True)
    record_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("opening hall")

    @property
    def needs_k(self) -> bool:
        return bool(self.k_commitment)


class HallEvent(RoomEvent):
    """One numbered step of a hall, of a kind declared in bidding/hall/events.py. `audience`
    empty: everyone; otherwise only that organization's bidders (and the hall's host and
    supervisors never see private events)."""

    hall = models.ForeignKey(OpeningHall, on_delete=models.CASCADE, related_name="events")
    audience = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["hall", "seq"]
        constraints = [models.UniqueConstraint(fields=["hall", "seq"], name="hall_event_seq_unique")]


class SignIn(models.Model):
    hall = models.ForeignKey(OpeningHall, on_delete=models.CASCADE, related_name="sign_ins")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    nonce = models.CharField(max_length=64)  # the browser's contribution to K (hex)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hall", "organization"], name="sign_in_once")]


class SupervisorPresence(models.Model):
    """A supervisor who watched the opening (监标): the record names them as its 监标人."""

    hall = models.ForeignKey(OpeningHall, on_delete=models.CASCADE, related_name="supervisors_present")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    first_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["first_seen_at"]
        constraints = [models.UniqueConstraint(fields=["hall", "user"], name="supervisor_presence_once")]


class BidOpening(models.Model):
    """One counting bid at the opening: its decryption, its row of the record, its confirmation."""

    hall = models.ForeignKey(OpeningHall, on_delete=models.CASCADE, related_name="openings")
    bid = models.OneToOneField(Bid, on_delete=models.PROTECT, related_name="opening")
    order = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=OpeningStatus.choices, default=OpeningStatus.WAITING)
    outcome = models.CharField(max_length=12, choices=OpeningOutcome.choices, default=OpeningOutcome.PENDING, blank=True)
    reason = models.TextField(blank=True)
    digests_checked_at = models.DateTimeField(null=True, blank=True)
    form = models.JSONField(null=True, blank=True)  # exactly as sealed
    flags = models.JSONField(default=list)
    above_ceiling = models.BooleanField(default=False)
    ceiling_reason = models.TextField(blank=True)  # as read out, in the record's words
    read_at = models.DateTimeField(null=True, blank=True)
    confirmation = models.CharField(max_length=12, choices=Confirmation.choices, default=Confirmation.PENDING)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["hall", "order"]
        constraints = [models.UniqueConstraint(fields=["hall", "order"], name="opening_order_unique")]


class Objection(models.Model):
    opening = models.ForeignKey(BidOpening, on_delete=models.CASCADE, related_name="objections")
    question = models.TextField()
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at"]
        constraints = [
            models.CheckConstraint(condition=Q(answer="") | Q(answered_at__isnull=False), name="objection_answer_has_time"),
        ]
