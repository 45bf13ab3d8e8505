"""What an arriving hall connection needs, read once per process and shared.

What an arriving hall connection needs, read once per process and shared: a storm of arrivals
(a restarted server's clients, all back at once) must not each read the same rows again.

Used on the rooms' arrivals thread only (rooms.db.load). A lot is kept a few seconds (only its
identity and center matter to a viewer); a hall's id for good (a hall is never deleted); the
snapshot for as long as the hall has no newer event and the same deadlines: everything a
snapshot shows changes with a numbered event, except a bidder's own sign-in before the deadline,
whose snapshot is therefore never shared."""

import time

from django.utils import timezone
from django.utils.translation import gettext as _

from trading.errors import NotFound
from trading.models import Lot
from trading.stages import OPENING_STAGES

from ..models import OpeningHall
from .core import ensure_hall, owes
from .viewing import Viewer, snapshot, viewer_for

LOT_SECONDS = 5.0
# A hall's clock row (its last number, state, deadlines) is read again after this long: within
# it, arrivals share one read. A snapshot a moment old is still whole, and the connection
# then gets every later event from the hub when it joins.
CLOCK_SECONDS = 0.1


class Arrivals:
    def __init__(self):
        self.lots: dict[int, tuple[Lot, float]] = {}
        self.halls: dict[int, int] = {}  # lot -> its hall
        self.snapshots: dict[int, tuple[tuple, dict]] = {}  # hall -> (what it was made of, the snapshot)
        self.clocks: dict[int, tuple[dict, float]] = {}  # hall -> (its clock row, when read)

    def room(self, user, lot_id: int) -> tuple[Lot, int, Viewer]:
        """The lot, its hall's id and the viewer: NotFound for no such (public) lot."""
        kept = self.lots.get(lot_id)
        if kept is not None and time.monotonic() - kept[1] < LOT_SECONDS:
            lot = kept[0]
            viewer = Viewer(user, lot)
        else:
            lot, viewer = viewer_for(user, lot_id)
            self.lots[lot_id] = (lot, time.monotonic())
        hall_id = self.halls.get(lot_id)
        if hall_id is None:
            hall = OpeningHall.objects.filter(lot=lot).only("pk").first()
            # (the lot's state read now: a kept lot says only who it is)
            if hall is None and Lot.objects.filter(pk=lot.pk).values_list("state", flat=True).get() not in OPENING_STAGES:
                # Past its opening without one (cancelled before the deadline): nothing to open now.
                raise NotFound(_("This lot has no opening hall."))
            hall_id = self.halls[lot_id] = (hall or ensure_hall(lot)).pk
        return lot, hall_id, viewer

    def snapshot(self, hall_id: int, viewer: Viewer, *, at_least: int = 0, now=None) -> dict:
        """The snapshot this viewer is sent, after what the hall's clock owes, never older than
        event `at_least`."""
        from .clock import tick

        now = now or timezone.now()
        row = self._clock(hall_id)
        if row["last_seq"] < at_least:
            row = self._clock(hall_id, fresh=True)
        if owes(row["lot__state"], row["lot__project__bid_deadline"], row["state"], row["decryption_deadline"],
                row["confirm_deadline"], now):
            tick(row["lot_id"], now)
            row = self._clock(hall_id, fresh=True)
        deadline = row["lot__project__bid_deadline"]
        after_deadline = deadline is not None and now >= deadline
        shared = after_deadline or viewer.organization_id is None
        made_of = (row["last_seq"], row["state"], after_deadline, deadline, row["decryption_deadline"],
                   row["confirm_deadline"])
        kept = self.snapshots.get(hall_id)
        if shared and kept is not None and kept[0] == made_of:
            base = kept[1]
        else:
            hall = OpeningHall.objects.select_related("lot__project").get(pk=hall_id)
            base = snapshot(hall, viewer, now)
            made_of = (hall.last_seq, hall.state, after_deadline, hall.lot.project.bid_deadline,
                       hall.decryption_deadline, hall.confirm_deadline)
            if shared:
                self.snapshots[hall_id] = (made_of, base)
        return {**base, "server_time": now.isoformat(), "you": {"role": viewer.role}}

    def _clock(self, hall_id: int, *, fresh: bool = False) -> dict:
        kept = self.clocks.get(hall_id)
        if not fresh and kept is not None and time.monotonic() - kept[1] < CLOCK_SECONDS:
            return kept[0]
        row = OpeningHall.objects.filter(pk=hall_id).values(
            "last_seq", "state", "decryption_deadline", "confirm_deadline", "lot_id", "lot__state",
            "lot__project__bid_deadline").get()
        self.clocks[hall_id] = (row, time.monotonic())
        return row


ARRIVALS = Arrivals()
