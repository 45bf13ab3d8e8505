"""The opening hall over WebSockets: ws/halls/<lot_id>/?after=<seq>.

A connection gets the hall's current state (a snapshot) and every event after the last one it
saw, then live events, each exactly once and in order. The channel layer is only a doorbell
(DESIGN.md §5): each server process keeps one subscription per hall, reads the new events from
the database once, serializes each once, and writes it to its own open sockets. Messages from
clients are commands; each goes to one service, which checks role, state and the server clock.
"""

import asyncio
import json
import logging
import operator
import os
import weakref
from collections import defaultdict, deque
from contextlib import asynccontextmanager

from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from trading.context import acting_from, ip_from_scope_or_meta
from trading.errors import DomainError

from . import hall as hall_services
from . import hall_db
from .models import HallEvent, OpeningHall
from .wsframes import SCOPE_KEY, text_frame

log = logging.getLogger(__name__)


class HallHub:
    """This process's fan-out: one layer subscription per hall with local sockets.

    Each new event is read from the database once per process (a bell whose number this
    process has already read costs nothing), serialized and framed once, kept among the
    hall's recent events, and written to every local socket that may see it in one pass,
    without a task or a wait per socket where the server lets the frame be written directly
    (bidding.wsframes). A joining connection catches up from the recent events."""

    KEEP = 1000  # recent events kept per hall (a whole opening has far fewer)
    RENEW_SECONDS = 600  # how often the doorbell's subscription is made again (group expiry: a day)

    def __init__(self):
        self.members: dict[int, dict] = defaultdict(dict)  # hall -> its consumers (an ordered set)
        self.listeners: dict[int, asyncio.Task] = {}
        self.pumping: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.recent: dict[int, _Recent] = {}
        self.channels: dict[int, str] = {}  # hall -> the doorbell's channel in the layer
        self.ringing: set[asyncio.Task] = set()  # bells rung in this process, being pumped
        self.through: dict[int, int] = {}  # hall -> every member here has been sent the events up to it

    async def join(self, hall_id: int, consumer) -> None:
        self.members[hall_id][consumer] = None
        if hall_id not in self.listeners or self.listeners[hall_id].done():
            self.recent.pop(hall_id, None)  # bells may have been missed while no one listened
            ready = asyncio.Event()
            self.listeners[hall_id] = asyncio.create_task(self._listen(hall_id, ready))
            await ready.wait()
        # Anything appended between the consumer's replay and now.
        await self.pump(hall_id, known=consumer.last_sent, only=consumer)

    def leave(self, hall_id: int, consumer) -> None:
        members = self.members.get(hall_id)
        if members is None:
            return
        members.pop(consumer, None)
        if not members:
            task = self.listeners.pop(hall_id, None)
            if task:
                task.cancel()
            self.members.pop(hall_id, None)
            self.recent.pop(hall_id, None)
            self.through.pop(hall_id, None)

    def ring(self, hall_id: int, bell: dict) -> None:
        """A bell rung in this process (hall.ring, on this loop): pumped now, on its own task,
        so that the ringing thread goes on; the same bell coming back through the layer finds
        nothing left to send."""
        if not self.members.get(hall_id):
            return
        task = asyncio.create_task(self.pump_bell(hall_id, bell))
        self.ringing.add(task)
        task.add_done_callback(self.ringing.discard)

    async def _listen(self, hall_id: int, ready: asyncio.Event) -> None:
        """The hall's doorbell in this process, for as long as it has members. A failure (Redis
        gone for a while, the database busy) is logged and the subscription made again, then
        the hall pumped: the bells rung meanwhile are lost, not the events."""
        layer = get_channel_layer()
        group = hall_services.GROUP.format(hall_id)
        channel = renewing = None
        try:
            while True:
                try:
                    if channel is None:
                        # The layer's own prefix: channels_redis pops one list per process (the
                        # part of a channel's name before "!") for every local channel; with
                        # another prefix, this channel's list is never popped while a
                        # consumer's receive holds the layer's lock.
                        channel = await layer.new_channel()
                        await layer.group_add(group, channel)
                        self.channels[hall_id] = channel
                        renewing = asyncio.create_task(self._renew(hall_id, layer, group, channel))
                        if ready.is_set():
                            await self.pump(hall_id)
                        ready.set()
                    bell = await layer.receive(channel)
                    await self.pump_bell(hall_id, bell)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("hall %s: the doorbell failed; subscribing again in a second", hall_id)
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
            if self.channels.get(hall_id) == channel:
                self.channels.pop(hall_id, None)
            if channel is not None:
                try:
                    await layer.group_discard(group, channel)
                except Exception:  # the layer is gone: the membership expires with it
                    log.debug("hall %s: leaving the doorbell's group failed", hall_id)

    async def _renew(self, hall_id: int, layer, group: str, channel: str) -> None:
        """Keep the subscription alive as long as the hall has members: a layer forgets a group
        member after its group expiry (a day), and the in-memory layer as soon as one message
        waits unread past its expiry (a minute, e.g. while the process was suspended). Each
        renewal also pumps the hall, for any bell rung while the membership had lapsed."""
        while True:
            await asyncio.sleep(self.RENEW_SECONDS)
            try:
                await layer.group_add(group, channel)
                await self.pump(hall_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # the next renewal, or the listener's own recovery, tries again
                log.warning("hall %s: renewing the doorbell's subscription failed", hall_id, exc_info=True)

    async def pump_bell(self, hall_id: int, bell: dict) -> None:
        """Pump for a bell, rung here or brought by the layer: events exist up to its number.
        A bell whose event every member here has been sent (the same bell, rung here and then
        brought back by the layer) costs nothing: a member who joined since caught up on joining."""
        seq = _int(bell.get("seq"), 0)
        if seq and seq <= self.through.get(hall_id, 0):
            return
        await self.pump(hall_id, known=seq or None, bell=bell)

    async def pump(self, hall_id: int, *, known: int | None = None, only=None, bell: dict | None = None) -> None:
        """Send every member (or `only` that one) what it has not seen. `known`: events are
        known to exist up to that number (a bell's); None: ask the database. `bell`: the bell,
        whose event is taken as it comes when it is the next one this process expects."""
        async with self.pumping[hall_id]:
            members = self.members.get(hall_id)
            if not members or (only is not None and only not in members):
                return
            members = [only] if only is not None else list(members)
            low = min(map(_last_sent, members))
            recent = self.recent.get(hall_id)
            rung = _rung_event(bell)
            if rung is not None and recent is not None and rung[0].seq == recent.top + 1:
                recent.extend([rung], self.KEEP)  # the next event, committed: no database read
            if recent is None or known is None or known > recent.top or low < recent.floor:
                start = recent.top if recent is not None and low >= recent.floor else low
                rows = await hall_db.run(_events_from, hall_id, start)
                recent = self._remember(hall_id, start, rows)
                if only is None:
                    members = list(self.members.get(hall_id, ()))  # who is here now
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
                self.through[hall_id] = recent.top

    def _remember(self, hall_id: int, start: int, rows: list) -> "_Recent":
        recent = self.recent.get(hall_id)
        if recent is None or start != recent.top:
            recent = self.recent[hall_id] = _Recent(start)
        recent.extend(rows, self.KEEP)
        return recent


class _Recent:
    """The events of one hall this process has read: every one numbered floor+1 .. top, each
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


def _events_from(hall_id: int, after: int):
    events = list(HallEvent.objects.filter(hall_id=hall_id, seq__gt=after).order_by("seq"))
    return [(e, hall_services.event_text(e)) for e in events]


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


# One hub per event loop: a process forked from another (a live test server) or a new loop
# (each async test) must not inherit subscriptions, tasks and locks bound to a loop that is gone.
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, HallHub]" = weakref.WeakKeyDictionary()


def current_hub() -> HallHub:
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = HallHub()
    return found


def _ring_locally(hall_id: int, bell: dict) -> None:
    hub = _hubs.get(asyncio.get_running_loop())
    if hub is not None:
        hub.ring(hall_id, bell)


hall_services.local_bell = _ring_locally


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


COMMANDS = {
    # message type: (service, the message's fields it passes on)
    "sign_in": (hall_services.sign_in, ("nonce",)),
    "start_decryption": (hall_services.start_decryption, ()),
    "hand_in_identity": (hall_services.hand_in_identity, ("identity",)),
    "hand_in_share": (hall_services.hand_in_share, ("payload",)),
    "apply_remedy": (hall_services.apply_remedy, ("opening_id",)),
    "end_decryption": (hall_services.end_decryption, ()),
    "read_record": (hall_services.read_record, ()),
    "draw_k": (hall_services.draw_k, ()),
    "confirm": (hall_services.confirm, ()),
    "object": (hall_services.raise_objection, ("question",)),
    "answer": (hall_services.answer_objection, ("objection_id", "answer")),
    "end_opening": (hall_services.end_opening, ()),
}
# Commands whose work can take long: hashing every stored bid file again, decrypting bid files
# of any size. They run on a thread of their own, not on the hall's database thread (hall_db),
# so one big bid does not keep the process's other halls waiting.
LONG_COMMANDS = frozenset({"start_decryption", "hand_in_identity", "hand_in_share", "apply_remedy"})
# What each field must be, as JSON gives it: a service never sees another type.
FIELDS = {"nonce": str, "identity": str, "payload": (str, dict), "opening_id": int, "objection_id": int,
          "question": str, "answer": str}


def _fits(value, kind) -> bool:
    if isinstance(value, bool) or not isinstance(value, kind):
        return False
    return 0 < value < 2**63 if isinstance(value, int) else True  # a row id the database can hold


class HallConsumer(AsyncWebsocketConsumer):
    # A hall connection hears its hall through this process's hub, never on a layer channel of
    # its own: without this, Channels gives each connection one and keeps a receive waiting on
    # it (tasks and buffers per connection; with Redis, one more waiter on the shared pop).
    channel_layer_alias = None

    async def connect(self):
        self.lot_id = self.scope["url_route"]["kwargs"]["lot_id"]
        self.user = self.scope.get("user")
        try:
            self.hall, self.viewer, self.lot = await hall_db.load(self._load)
        except DomainError:
            await self.close(code=4404)
            return
        self.last_sent = 0
        self.send_lock = asyncio.Lock()
        self.sending = 0  # sends under way or waiting for the lock
        self.write_frame = self.scope.get(SCOPE_KEY)  # Daphne's direct writer, or None
        self.hub = current_hub()
        await self.accept()
        after = _int(dict(_query(self.scope)).get("after"), 0)
        await self.replay(after, with_snapshot=True)
        await self.hub.join(self.hall.pk, self)  # and catch up on anything appended since the replay

    def _load(self):
        lot, viewer = hall_services.viewer_for(self.user, self.lot_id)
        hall = hall_services.ensure_hall(lot)
        if viewer.is_supervisor:  # watching is what a supervisor does here: the record names them
            with acting_from(self._ip()):
                hall_services.note_supervisor(actor=self.user, lot_id=lot.pk)
        return hall, viewer, lot

    def _ip(self):
        return ip_from_scope_or_meta((self.scope.get("client") or [None])[0], _header(self.scope, b"x-forwarded-for"),
                                     settings.TRUSTED_PROXY_COUNT)

    async def disconnect(self, code):
        if hasattr(self, "hub"):
            self.hub.leave(self.hall.pk, self)

    @asynccontextmanager
    async def _turn(self):
        """This connection's turn to send: one sender at a time, in order."""
        self.sending += 1
        try:
            async with self.send_lock:
                yield
        finally:
            self.sending -= 1

    async def deliver(self, seq: int, text: str):
        async with self._turn():
            if seq <= self.last_sent:
                return
            self.last_sent = seq
            try:
                await self.send(text_data=text)
            except Exception:  # a socket closing under us: its disconnect will follow
                log.debug("hall %s: send to a closing socket failed", self.hall.pk)

    async def replay(self, after: int, *, with_snapshot: bool):
        """Send the events after `after` (a client that saw a gap asks for them again: it
        keeps them by number, so a resend is never shown twice), then go on live."""
        snapshot, events = await hall_db.load(self._replay_data, after)
        async with self._turn():
            if with_snapshot:
                await self.send(text_data=json.dumps(snapshot, ensure_ascii=False))
            for event in events:
                await self.send(text_data=hall_services.event_text(event))
            # Events this viewer may not see still advance its position.
            self.last_sent = max(self.last_sent, snapshot["last_seq"])

    def _replay_data(self, after: int):
        hall_services.tick(self.hall.lot_id)
        hall = OpeningHall.objects.select_related("lot__project").get(pk=self.hall.pk)
        events = list(HallEvent.objects.filter(hall=hall, seq__gt=after, seq__lte=hall.last_seq).order_by("seq"))
        return hall_services.snapshot(hall, self.viewer), [e for e in events if self.viewer.sees(e)]

    async def receive(self, text_data=None, bytes_data=None):
        try:
            message = json.loads(text_data or "")
            if not isinstance(message, dict):
                raise ValueError
        except ValueError:
            await self._reply({"type": "error", "message": _("Messages are JSON objects.")})
            return
        ref = message.get("ref")
        kind = message.get("type")
        if kind == "resume":
            await self.replay(_int(message.get("after"), 0), with_snapshot=False)
            return
        if kind == "snapshot":
            await self.replay(self.last_sent, with_snapshot=True)
            return
        if not isinstance(kind, str) or kind not in COMMANDS:
            await self._reply({"type": "error", "ref": ref, "message": _("Unknown command.")})
            return
        service, fields = COMMANDS[kind]
        args = {field: message.get(field) for field in fields}
        wrong = [field for field, value in args.items() if not _fits(value, FIELDS[field])]
        if wrong:
            await self._reply({"type": "error", "ref": ref, "command": kind,
                               "message": _("“%(field)s” is missing or not of the right type.") % {"field": wrong[0]}})
            return
        try:
            if kind in LONG_COMMANDS:
                await hall_db.run_long(self._run, service, args)
            else:
                await hall_db.run(self._run, service, args)
        except DomainError as err:
            await self._reply({"type": "error", "ref": ref, "command": kind, "message": str(err.message)})
            return
        # The command's events, if any, reach this process's connections with their bells
        # (hall.ring): nothing to read again here.
        await self._reply({"type": "ok", "ref": ref, "command": kind})

    def _run(self, service, args):
        if self.user is None or not self.user.is_authenticated:
            from trading.errors import PermissionDenied

            raise PermissionDenied(_("Log in to take part; the public watches only."))
        with acting_from(self._ip()), translation.override(self._language()):
            return service(actor=self.user, lot_id=self.lot.pk, **args)

    def _language(self) -> str:
        """The page's language (its language cookie), else the platform's: a refusal reads in
        the language the person chose, whatever another connection in this process uses."""
        chosen = (self.scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME)
        try:
            return translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            return settings.LANGUAGE_CODE

    async def _reply(self, message: dict):
        async with self._turn():
            await self.send(text_data=json.dumps(message, ensure_ascii=False))


_last_sent = operator.attrgetter("last_sent")


def _int(value, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def _query(scope):
    from urllib.parse import parse_qsl

    return parse_qsl(scope.get("query_string", b"").decode("latin-1"))


def _header(scope, name: bytes):
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None
