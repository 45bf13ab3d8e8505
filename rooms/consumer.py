"""The WebSocket side of a live room: snapshot, replay from a number, live events, commands.

A connection gets the room's current state (a snapshot) and every event after the last one it
saw (?after=<seq>), then live events, each exactly once and in order, through this process's
hub. Messages from clients are commands; each goes to one service, which checks role, state
and the server clock, and is answered; one sent with a client id is taken once (commands).
A room kind's consumer names its kind, its commands and three hooks."""

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils import translation
from django.utils.translation import gettext as _

from . import commands, db
from .hub import _int, current_hub
from .kinds import RoomKind
from .wsframes import SCOPE_KEY

log = logging.getLogger(__name__)


class RoomConsumer(AsyncWebsocketConsumer):
    kind: RoomKind
    # message type: (service, the message's fields it passes on)
    commands: dict = {}
    # Commands whose work can take long (hashing, decrypting files): run on a thread of their
    # own, not on the rooms' database thread, so one big job does not keep other rooms waiting.
    long_commands: frozenset = frozenset()
    # What each field must be, as JSON gives it: a service never sees another type.
    fields: dict = {}
    # Exceptions whose message is the refusal a person reads: the room's domain errors.
    refusals: tuple = ()
    # A connection hears its room through this process's hub, never on a layer channel of
    # its own: without this, Channels gives each connection one and keeps a receive waiting on
    # it (tasks and buffers per connection; with Redis, one more waiter on the shared pop).
    channel_layer_alias = None

    # --- the hooks, run on a database thread ------------------------------------------------

    def load_room(self):
        """(the room's id, the viewer) for this connection, or raise one of `refusals` /
        ObjectDoesNotExist: the connection is closed with 4404."""
        raise NotImplementedError

    def arrive(self, at_least: int):
        """load_room() and snapshot_now() in one trip to the arrivals' thread."""
        self.room_id, self.viewer = self.load_room()
        return self.snapshot_now(at_least)

    def snapshot_now(self, at_least: int = 0) -> dict:
        """The room as this viewer may see it now, with its last event number (`last_seq`),
        never older than event `at_least` (what this connection has already been sent)."""
        raise NotImplementedError

    def run_command(self, service, args: dict):
        """Call `service` for this connection's person (who acts is the session's, never the
        message's)."""
        raise NotImplementedError

    # --- the machinery ----------------------------------------------------------------------

    async def connect(self):
        self.user = self.scope.get("user")
        after = _int(dict(parse_qsl(self.scope.get("query_string", b"").decode("latin-1"))).get("after"), 0)
        try:
            snapshot = await db.load(self.arrive, after)
        except (ObjectDoesNotExist, *self.refusals):
            await self.close(code=4404)
            return
        self.last_sent = 0
        self.send_lock = asyncio.Lock()
        self.sending = 0  # sends under way or waiting for the lock
        self.write_frame = self.scope.get(SCOPE_KEY)  # Daphne's direct writer, or None
        self.hub = current_hub(self.kind)
        await self.accept()
        await self.replay(after, with_snapshot=True, snapshot=snapshot)
        await self.hub.join(self.room_id, self)  # and catch up on anything appended since the replay

    async def disconnect(self, code):
        if hasattr(self, "hub"):
            self.hub.leave(self.room_id, self)

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
                log.debug("%s %s: send to a closing socket failed", self.kind.name, self.room_id)

    async def replay(self, after: int, *, with_snapshot: bool, snapshot: dict | None = None):
        """Send the events after `after` (a client that saw a gap asks for them again: it
        keeps them by number, so a resend is never shown twice), then go on live."""
        if snapshot is None:
            snapshot = await db.load(self.snapshot_now, max(after, self.last_sent))
        events = await self.hub.events_between(self.room_id, after, snapshot["last_seq"])
        async with self._turn():
            if with_snapshot:
                await self.send(text_data=json.dumps(snapshot, ensure_ascii=False))
            for event, text in events:
                if self.viewer.sees(event):
                    await self.send(text_data=text)
            # Events this viewer may not see still advance its position.
            self.last_sent = max(self.last_sent, snapshot["last_seq"])

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
        if not isinstance(kind, str) or kind not in self.commands:
            await self._reply({"type": "error", "ref": ref, "message": _("Unknown command.")})
            return
        service, fields = self.commands[kind]
        args = {field: message.get(field) for field in fields}
        wrong = [field for field, value in args.items() if not _fits(value, self.fields[field])]
        if wrong:
            await self._reply({"type": "error", "ref": ref, "command": kind,
                               "message": _("“%(field)s” is missing or not of the right type.") % {"field": wrong[0]}})
            return
        client_id = message.get("client_id")
        if not commands.valid_id(client_id):
            await self._reply({"type": "error", "ref": ref, "command": kind,
                               "message": _("“%(field)s” is missing or not of the right type.") % {"field": "client_id"}})
            return
        # The command's events, if any, reach this process's connections with their bells:
        # nothing to read again here. Its answer comes whatever the channel layer does (the
        # bell never waits for it); a repeat of it (the same client id) gets the first answer.
        runner = db.run_long if kind in self.long_commands else db.run
        answer = await runner(self._command, service, args, client_id)
        await self._reply({**answer, "ref": ref, "command": kind})

    def _command(self, service, args, client_id=None) -> dict:
        with translation.override(self._language()):
            user_id = self.user.pk if self.user is not None and self.user.is_authenticated else None
            return commands.once(self.kind, self.room_id, user_id, client_id,
                                 lambda: self.run_command(service, args), self.refusals)

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


def _fits(value, kind) -> bool:
    if isinstance(value, bool) or not isinstance(value, kind):
        return False
    return 0 < value < 2**63 if isinstance(value, int) else True  # a row id the database can hold


def header(scope, name: bytes):
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None
