"""The hall's ground: its row locked on the server clock, its numbered events, its room kind."""

import contextlib
import contextvars
import functools

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms import log
from rooms.kinds import RoomKind
from trading import audit
from trading.choices import LotState
from trading.lifecycle import HALL
from trading.errors import NotFound, RuleViolation
from trading.models import Lot

from .. import draw
from ..choices import HallState
from ..models import HallEvent, OpeningHall
from ..services import rules_for
from . import states
from .events import HALL_EVENTS


class HallKind(RoomKind):
    """The opening hall as a live room: one per lot, its events in HallEvent."""

    name = HALL  # the lifecycle's name for the room whose transitions are the opening's
    room_model = OpeningHall
    event_model = HallEvent
    room_field = "hall"
    catalog = HALL_EVENTS

    def watch(self, room_ids, now) -> dict[int, int]:
        """Each hall's last event number, after what its clock owes by `now` (bidding over,
        decryption or confirmation time over): a time limit reaches the pages with nobody acting."""
        from .clock import tick

        rows = list(OpeningHall.objects.filter(pk__in=list(room_ids)).values(
            "pk", "last_seq", "lot_id", "state", "decryption_deadline", "confirm_deadline", "lot__state",
            "lot__project__bid_deadline"))
        owed = [row for row in rows if owes(row["lot__state"], row["lot__project__bid_deadline"], row["state"],
                                            row["decryption_deadline"], row["confirm_deadline"], now)]
        for row in owed:
            tick(row["lot_id"], now)
        if owed:
            return dict(OpeningHall.objects.filter(pk__in=list(room_ids)).values_list("pk", "last_seq"))
        return {row["pk"]: row["last_seq"] for row in rows}


KIND = HallKind()


def owes(lot_state, bid_deadline, hall_state, decryption_deadline, confirm_deadline, now) -> bool:
    """Whether a time limit had run out when read: bidding (the lot still published), decryption
    or confirmation (checked again under the lock by tick())."""
    if lot_state == LotState.PUBLISHED and bid_deadline and bid_deadline <= now:
        return True
    limit = {HallState.DECRYPTING: decryption_deadline, HallState.CONFIRMING: confirm_deadline}.get(hall_state)
    return limit is not None and limit <= now


def ensure_hall(lot: Lot) -> OpeningHall:
    """The lot's hall, created with its K commitment (where the tender draws K) before anyone
    signs in: the server's seed is fixed before any bidder's contribution exists."""
    hall = OpeningHall.objects.filter(lot=lot).first()
    if hall is not None:
        return hall
    rules = rules_for(lot.project)
    fields = {}
    if rules.k_low and rules.k_high and rules.k_step:
        rng = draw.make_range(rules.k_low, rules.k_high, rules.k_step)
        seed = draw.new_seed()
        fields = {"k_low": rules.k_low, "k_high": rules.k_high, "k_step": rules.k_step,
                  "k_seed": seed.hex(), "k_commitment": draw.commitment(seed, lot=lot_code(lot), rng=rng)}
    with transaction.atomic():
        hall, created = OpeningHall.objects.get_or_create(lot=lot, defaults=fields)
        if created:
            append(hall, "hall_opened", {"deadline": iso(lot.project.bid_deadline), "k": k_public(hall)}, actor=None)
    return hall


def lot_code(lot) -> str:
    return f"{lot.project.code}/{lot.number}"


def iso(dt):
    return dt.isoformat() if dt else None


def k_public(hall) -> dict | None:
    if not hall.needs_k:
        return None
    public = {"low": hall.k_low, "high": hall.k_high, "step": hall.k_step, "commitment": hall.k_commitment}
    if hall.k_value:
        public.update({"seed": hall.k_seed, "k": hall.k_value, "drawn_at": iso(hall.k_drawn_at)})
    return public


class ClockOwes(Exception):
    """Raised by locked(lot_id, now) in a command run @on_the_clock: a time limit had run out
    before the command. Nothing is written yet; the command's transaction is left, tick()
    applies what the clock owes in its own, and the command runs again."""


_clock_applied = contextvars.ContextVar("kaibiao_hall_clock_applied", default=False)
# The server time of the command under way: the events it appends carry it, as its other rows
# (sign-ins, confirmations, answers) do, so that a record lists each step when it was taken.
_command_now = contextvars.ContextVar("kaibiao_hall_command_now", default=None)


@contextlib.contextmanager
def command_time(now):
    """Within it, the events appended carry `now`."""
    taken = _command_now.set(now)
    try:
        yield
    finally:
        _command_now.reset(taken)


def at_its_time(command):
    """A hall command (keyword `now`) whose events carry its `now`: the server clock's, unless
    a scheduled job or the caller's own clock gives one."""

    @functools.wraps(command)
    def run(*args, now=None, **kwargs):
        now = now or timezone.now()
        with command_time(now):
            return command(*args, now=now, **kwargs)

    return run


def on_the_clock(command):
    """A hall command that first applies what the clock owes (bidding over, decryption time
    over, confirmation time over), as tick() before it would, but without tick()'s own read in
    the usual case where nothing is owed: the command's locked(lot_id, now) reads the same
    clock in the row it locks. `now` is fixed once, for both runs."""

    @functools.wraps(command)
    @at_its_time
    def run(*, lot_id, now, **kwargs):
        from .clock import tick

        if not _clock_applied.get():
            try:
                return command(lot_id=lot_id, now=now, **kwargs)
            except ClockOwes:
                tick(lot_id, now)
        applied = _clock_applied.set(True)
        try:
            return command(lot_id=lot_id, now=now, **kwargs)
        finally:
            _clock_applied.reset(applied)

    return run


def locked(lot_id, now=None) -> OpeningHall:
    """The lot's hall, its row locked until the transaction ends. With `now` (in a command run
    @on_the_clock): ClockOwes if a time limit had run out, or if there is no hall yet (closing
    the bidding makes it)."""
    try:
        hall = OpeningHall.objects.select_for_update().select_related("lot__project").get(lot_id=lot_id)
    except OpeningHall.DoesNotExist:
        hall = None
    if now is not None and not _clock_applied.get() and (hall is None or owes(
            hall.lot.state, hall.lot.project.bid_deadline, hall.state, hall.decryption_deadline, hall.confirm_deadline,
            now)):
        raise ClockOwes
    if hall is None:
        raise NotFound(_("This lot has no opening hall yet."))
    return hall


def require_step(hall: OpeningHall, step: str) -> None:
    """Refuse, with the table's words, a step the hall's state does not allow (states.STEPS)."""
    refused = states.refusal(hall, step)
    if refused:
        raise RuleViolation(str(refused))


def append(hall: OpeningHall, kind: str, data: dict, *, actor, at=None, audience=None) -> HallEvent:
    """Append one numbered event of a declared kind (the hall row locked by the caller) and
    audit it; the bell rings after the commit."""
    at = at or _command_now.get() or timezone.now()
    if HALL_EVENTS[kind].confidential_before_deadline and at < hall.lot.project.bid_deadline:
        raise ValueError(f"{kind!r} is not stored before the deadline: its number would count the bidders")
    event = log.append(KIND, hall, kind, data, at=at,
                       audience_id=getattr(audience, "pk", audience))
    audit.record(actor=actor, action=f"hall.{kind}", obj=hall, project=hall.lot.project,
                 data={"seq": event.seq, **data})
    return event


def schedule_tick(lot_id, when):
    from ..closing import hall_tick

    transaction.on_commit(lambda: hall_tick.using(run_after=when).enqueue(lot_id))

