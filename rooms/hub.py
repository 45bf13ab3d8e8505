"""A process's fan-out of room events to its own sockets (DESIGN.md §5: the layer is a doorbell).

Each new event is read from the database once per process (a bell whose number this process
has already read costs nothing), serialized and framed once, kept among the room's recent
events, and written to every local socket that may see it in one pass, without a task or a
wait per socket where the server lets the frame be written directly (rooms.wsframes). A
joining connection catches up from the recent events."""

import asyncio
import logging
import operator
import os
import weakref
from collections import defaultdict, deque

from channels.layers import get_channel_layer
from django.utils import timezone

from . import bell as bell_module
from . import db
from .kinds import RoomKind
from .wsframes import text_frame

log = logging.getLogger(__name__)
_last_sent = operator.attrgetter("last_sent")


def _int(value, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


class Hub:
    """This process's fan-out for one room kind (the module's docstring says how): one layer
    subscription per room with local sockets, and one watcher for them all."""

    KEEP = 1000  # recent events kept per room (a whole opening has far fewer)
    RENEW_SECONDS = 600  # how often the doorbell's subscription is made again (group expiry: a day)
    WATCH_SECONDS = 1.0  # how often the watcher looks at the rooms with local members
    SUBSCRIBE_SECONDS = 2.0  # the longest a subscription may take before it is tried again

    def __init__(self, kind: RoomKind):
        self.kind = kind
        self.watcher: asyncio.Task | None = None
        self.members: dict[int, dict] = defaultdict(dict)  # room -> its consumers (an ordered set)
        self.listeners: dict[int, asyncio.Task] = {}
        self.pumping: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.recent: dict[int, _Recent] = {}
        self.channels: dict[int, str] = {}  # room -> the doorbell's channel in the layer
        self.ringing: set[asyncio.Task] = set()  # bells rung in this process, being pumped
        self.through: dict[int, int] = {}  # room -> every member here has been sent the events up to it
        self.reading: dict[tuple, asyncio.Future] = {}  # (room, after) -> a read of its events under way

    async def join(self, room_id: int, consumer) -> None:
        self.members[room_id][consumer] = None
        if room_id not in self.listeners or self.listeners[room_id].done():
            self.recent.pop(room_id, None)  # bells may have been missed while no one listened
            ready = asyncio.Event()
            self.listeners[room_id] = asyncio.create_task(self._listen(room_id, ready))
            await ready.wait()
        if self.watcher is None or self.watcher.done():
            self.watcher = asyncio.create_task(self.watch())
        # Anything appended between the consumer's replay and now.
        await self.pump(room_id, known=consumer.last_sent, only=consumer)

    def leave(self, room_id: int, consumer) -> None:
        members = self.members.get(room_id)
        if members is None:
            return
        members.pop(consumer, None)
        if not members:
            task = self.listeners.pop(room_id, None)
            if task:
                task.cancel()
            self.members.pop(room_id, None)
            self.recent.pop(room_id, None)
            self.through.pop(room_id, None)
            if not self.members and self.watcher is not None:
                self.watcher.cancel()  # no room of this kind has a client here any more
                self.watcher = None

    def ring(self, room_id: int, bell: dict) -> None:
        """A bell rung in this process (rooms.bell.ring, on this loop): pumped now, on its own task,
        so that the ringing thread goes on; the same bell coming back through the layer finds
        nothing left to send."""
        if not self.members.get(room_id):
            return
        task = asyncio.create_task(self.pump_bell(room_id, bell))
        self.ringing.add(task)
        task.add_done_callback(self.ringing.discard)

    async def _listen(self, room_id: int, ready: asyncio.Event) -> None:
        """The room's doorbell in this process, for as long as it has members. A failure (Redis
        gone for a while, the database busy) is logged and the subscription made again, then
        the room pumped: the bells rung meanwhile are lost, not the events."""
        layer = get_channel_layer()
        group = self.kind.group(room_id)
        channel = renewing = None
        try:
            while True:
                try:
                    if channel is None:
                        # The layer's own prefix: channels_redis pops one list per process (the
                        # part of a channel's name before "!") for every local channel; with
                        # another prefix, this channel's list is never popped while a
                        # consumer's receive holds the layer's lock.
                        # Within SUBSCRIBE_SECONDS: a joining connection waits for it, and a
                        # layer that does not answer (Redis paused) must not hold it there.
                        channel = await asyncio.wait_for(layer.new_channel(), self.SUBSCRIBE_SECONDS)
                        await asyncio.wait_for(layer.group_add(group, channel), self.SUBSCRIBE_SECONDS)
                        self.channels[room_id] = channel
                        renewing = asyncio.create_task(self._renew(room_id, layer, group, channel))
                        if ready.is_set():
                            await self.pump(room_id)
                        ready.set()
                    bell = await layer.receive(channel)
                    await self.pump_bell(room_id, bell)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("%s %s: the doorbell failed; subscribing again in a second", self.kind.name, room_id)
                    ready.set()  # a joining connection does not wait for it: it replayed already
                    channel = None
                    if renewing is not None:
                        renewing.cancel()
                    await asyncio.sleep(1)
        except asyncio.CancelledError:
            pass
        finally:
            if renewing is not None:
                renewing.cancel()
            if self.channels.get(room_id) == channel:
                self.channels.pop(room_id, None)
            if channel is not None:
                try:
                    await layer.group_discard(group, channel)
                except Exception:  # the layer is gone: the membership expires with it
                    log.debug("%s %s: leaving the doorbell's group failed", self.kind.name, room_id)

    async def _renew(self, room_id: int, layer, group: str, channel: str) -> None:
        """Keep the subscription alive as long as the room has members: a layer forgets a group
        member after its group expiry (a day), and the in-memory layer as soon as one message
        waits unread past its expiry (a minute, e.g. while the process was suspended). Each
        renewal also pumps the room, for any bell rung while the membership had lapsed."""
        while True:
            await asyncio.sleep(self.RENEW_SECONDS)
            try:
                await layer.group_add(group, channel)
                await self.pump(room_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # the next renewal, or the listener's own recovery, tries again
                log.warning("%s %s: renewing the doorbell's subscription failed", self.kind.name, room_id, exc_info=True)

    async def events_between(self, room_id: int, after: int, top: int) -> list:
        """(event, text) of the room's events numbered after `after` up to `top`, from those this
        process keeps when they cover it, else read once and kept for the next arrival: when a
        restarted server's clients all come back, one read serves them all."""
        if after >= top:
            return []
        recent = self.recent.get(room_id)
        if recent is None or after < recent.floor or top > recent.top:
            reading = self.reading.get((room_id, after))
            if reading is None:  # one read for every arrival that asks the same meanwhile
                reading = self.reading[room_id, after] = asyncio.ensure_future(
                    db.load(self.kind.events_from, room_id, after))
                reading.add_done_callback(lambda _done: self.reading.pop((room_id, after), None))
            rows = await asyncio.shield(reading)
            if not rows or rows[-1][0].seq < top:  # read before the newest event was committed
                rows = await db.load(self.kind.events_from, room_id, after)
            recent = self.recent.get(room_id)  # as it is now, after the wait
            if rows and (recent is None or (after <= recent.floor and rows[-1][0].seq >= recent.top)):
                fresh = _Recent(after)
                fresh.extend(rows, self.KEEP)
                if fresh.floor == after:  # all of it kept: it covers what was kept before
                    self.recent[room_id] = fresh
            return [(event, text) for event, text in rows if event.seq <= top]
        return [(event, text) for seq, event, text, _frame in recent.events if after < seq <= top]

    async def watch(self) -> None:
        """About once a second, while this process has clients in any room of this kind: apply
        what the rooms' clocks owe (a time limit that ran out reaches the pages with nobody
        acting) and catch every event another process stored whose bell did not come here (the
        task worker on the in-memory layer, a lost subscription, a management command). One
        query for all the rooms, on the arrivals' thread, so that no command waits for it."""
        while True:
            await asyncio.sleep(self.WATCH_SECONDS)
            rooms = [room for room, members in self.members.items() if members]
            if not rooms:
                continue
            try:
                last = await db.load(self.kind.watch, rooms, timezone.now())
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: the next look tries again
                log.warning("%s: watching the rooms failed", self.kind.name, exc_info=True)
                continue
            for room, seq in last.items():
                members = self.members.get(room)
                if members and seq > min(map(_last_sent, members)):
                    await self.pump(room, known=seq)

    async def pump_bell(self, room_id: int, bell: dict) -> None:
        """Pump for a bell, rung here or brought by the layer: events exist up to its number.
        A bell whose event every member here has been sent (the same bell, rung here and then
        brought back by the layer) costs nothing: a member who joined since caught up on joining."""
        seq = _int(bell.get("seq"), 0)
        if seq and seq <= self.through.get(room_id, 0):
            return
        await self.pump(room_id, known=seq or None, bell=bell)

    async def pump(self, room_id: int, *, known: int | None = None, only=None, bell: dict | None = None) -> None:
        """Send every member (or `only` that one) what it has not seen. `known`: events are
        known to exist up to that number (a bell's); None: ask the database. `bell`: the bell,
        whose event is taken as it comes when it is the next one this process expects."""
        async with self.pumping[room_id]:
            members = self.members.get(room_id)
            if not members or (only is not None and only not in members):
                return
            members = [only] if only is not None else list(members)
            low = min(map(_last_sent, members))
            recent = self.recent.get(room_id)
            rung = _rung_event(bell)
            if rung is not None and recent is not None and rung[0].seq == recent.top + 1:
                recent.extend([rung], self.KEEP)  # the next event, committed: no database read
            if recent is None or known is None or known > recent.top or low < recent.floor:
                start = recent.top if recent is not None and low >= recent.floor else low
                rows = await db.run(self.kind.events_from, room_id, start)
                recent = self._remember(room_id, start, rows)
                if only is None:
                    members = list(self.members.get(room_id, ()))  # who is here now
            # The loop runs once per socket and event: what it asks of each member is kept short.
            for seq, event, text, frame in recent.after(low):
                public = event.audience_id is None
                for member in members:
                    if seq <= member.last_sent:
                        continue
                    if not (public or member.viewer.sees(event)):
                        member.last_sent = seq  # not for this viewer: skip, keep the count
                    elif member.sending or member.write_frame is None or not member.write_frame(frame):
                        # Another send under way or waiting would be overtaken, or the frame
                        # cannot be written directly: the connection's own turn, through ASGI.
                        await member.deliver(seq, text)
                    else:
                        member.last_sent = seq
            if only is None:
                self.through[room_id] = recent.top

    def _remember(self, room_id: int, start: int, rows: list) -> "_Recent":
        recent = self.recent.get(room_id)
        if recent is None or start != recent.top:
            recent = self.recent[room_id] = _Recent(start)
        recent.extend(rows, self.KEEP)
        return recent


class _Recent:
    """The events of one room this process has read: every one numbered floor+1 .. top, each
    with its text and its frame (the text, framed once)."""

    def __init__(self, floor: int):
        self.floor = self.top = floor
        self.events: deque = deque()

    def extend(self, rows, keep: int) -> None:
        for event, text in rows:
            if event.seq > self.top:
                self.events.append((event.seq, event, text, text_frame(text)))
                self.top = event.seq
        while len(self.events) > keep:
            self.floor = self.events.popleft()[0]

    def after(self, seq: int):
        return [entry for entry in self.events if entry[0] > seq] if seq < self.top else []


class _Rung:
    """What the hub needs of an event that came with its bell: its number and audience."""

    __slots__ = ("seq", "audience_id")

    def __init__(self, seq: int, audience_id: int | None):
        self.seq, self.audience_id = seq, audience_id


def _rung_event(bell: dict | None):
    """(event, text) from a bell that carries its event; None for a bare bell."""
    if not bell or not isinstance(bell.get("text"), str):
        return None
    seq, audience = _int(bell.get("seq"), 0), bell.get("audience")
    if not seq or not (audience is None or isinstance(audience, int)):
        return None
    return _Rung(seq, audience), bell["text"]


# One hub per event loop and room kind: a process forked from another (a live test server) or a
# new loop (each async test) must not inherit subscriptions, tasks and locks bound to a loop
# that is gone.
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Hub]]" = weakref.WeakKeyDictionary()


def current_hub(kind: RoomKind) -> Hub:
    loop = asyncio.get_running_loop()
    hubs = _hubs.get(loop)
    if hubs is None:
        hubs = _hubs[loop] = {}
    found = hubs.get(kind.name)
    if found is None:
        found = hubs[kind.name] = Hub(kind)
    return found


def _ring_locally(kind_name: str, room_id: int, bell: dict) -> None:
    hub = _hubs.get(asyncio.get_running_loop(), {}).get(kind_name)
    if hub is not None:
        hub.ring(room_id, bell)


bell_module.local_bell = _ring_locally


def _forget_after_fork():
    """A process forked from a running one (the live test server) keeps none of its threads:
    asgiref's executor for thread-sensitive calls (database_sync_to_async) would wait forever
    on a thread that is not there, and the in-memory layer's queues belong to dead loops."""
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers

    _hubs.clear()
    channel_layers.backends.clear()
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


os.register_at_fork(after_in_child=_forget_after_fork)
