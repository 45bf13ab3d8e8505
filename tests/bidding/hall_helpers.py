"""Seats in the opening hall for the tests: each one a WebSocket connection through the real
ASGI application (origin check, cookies, session, authentication, routing, the consumer),
authenticated by a real session cookie, from its own network address.

A Seat keeps every message it received, checks that events arrive in increasing order and
never twice, and answers `command` with the server's reply to that very command."""

import asyncio
import itertools
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from bidding import agefile, storage
from bidding.models import CustodianShare, HallEvent, OpeningHall, SealedFile
from tests.bidding.conftest import Tender, make_bidder, make_tender, seal_bid, submit
from tests.trading.factories import supervisor

TIMEOUT = 10  # seconds to wait for one message; decryption of a bid happens in between
_refs = itertools.count(1)
_addresses = itertools.count(10)


def session_cookie(user) -> str:
    """Log `user` in as a browser would end up: a session row and its cookie's value."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def nonce() -> str:
    """What a bidder's browser contributes to K at its sign-in: 32 random bytes as hex."""
    return secrets.token_hex(32)


class Seat:
    """One person's connection to one lot's hall."""

    def __init__(self, name: str, lot_id: int, *, cookie: str | None = None, address: str | None = None):
        self.name, self.lot_id, self.cookie = name, lot_id, cookie
        self.address = address or f"198.51.100.{next(_addresses)}"
        self.communicator = None
        self.snapshots: list[dict] = []
        self.events: dict[int, dict] = {}  # seq -> event, over every connection of this seat
        self.arrivals: list[int] = []       # seqs in the order they arrived, repeats included
        self.replies: list[dict] = []
        self.last_seq = 0                   # the last event number this seat saw

    # --- the connection -------------------------------------------------------------------

    async def connect(self, after: int | None = None) -> dict:
        """Open the socket (?after=<seq> when given); return the first message, the snapshot."""
        path = f"/ws/halls/{self.lot_id}/" + (f"?after={after}" if after is not None else "")
        headers = [(b"origin", b"http://testserver")]
        if self.cookie:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={self.cookie}".encode()))
        self.communicator = WebsocketCommunicator(_application(), path, headers=headers)
        self.communicator.scope["client"] = (self.address, 50000)
        self._connection_seqs = []
        connected, code = await self.communicator.connect(timeout=TIMEOUT)
        assert connected, f"{self.name}: the hall refused the connection ({code})"
        first = await self._receive()
        assert first["type"] == "snapshot", f"{self.name}: the first message is {first}"
        return first

    async def connect_refused(self, origin: bytes = b"http://testserver") -> int:
        """Try to connect; the hall must refuse. Returns the close code."""
        path = f"/ws/halls/{self.lot_id}/"
        headers = [(b"origin", origin)]
        if self.cookie:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={self.cookie}".encode()))
        communicator = WebsocketCommunicator(_application(), path, headers=headers)
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert not connected
        return code

    async def close(self):
        if self.communicator is not None:
            await self.communicator.disconnect(timeout=TIMEOUT)
            self.communicator = None

    # --- messages ---------------------------------------------------------------------------

    async def _receive(self, timeout=TIMEOUT) -> dict:
        message = json.loads(await self.communicator.receive_from(timeout=timeout))
        if message["type"] == "event":
            seq = message["seq"]
            assert not self._connection_seqs or seq > self._connection_seqs[-1], (
                f"{self.name}: event {seq} arrived after {self._connection_seqs[-1]}")
            self._connection_seqs.append(seq)
            self.arrivals.append(seq)
            self.events.setdefault(seq, message)
            self.last_seq = max(self.last_seq, seq)
        elif message["type"] == "snapshot":
            self.snapshots.append(message)
        else:
            self.replies.append(message)
        return message

    async def send(self, message):
        await self.communicator.send_to(text_data=message if isinstance(message, str) else json.dumps(message))

    async def command(self, kind: str, **fields) -> dict:
        """Send one command and return the server's reply to it (events meanwhile are kept)."""
        ref = f"{self.name}-{next(_refs)}"
        await self.send({"type": kind, "ref": ref, **fields})
        while True:
            message = await self._receive()
            if message["type"] in ("ok", "error") and message.get("ref") == ref:
                return message

    async def ok(self, kind: str, **fields) -> dict:
        reply = await self.command(kind, **fields)
        assert reply["type"] == "ok", f"{self.name} {kind}: {reply}"
        return reply

    async def error(self, kind: str, **fields) -> str:
        reply = await self.command(kind, **fields)
        assert reply["type"] == "error", f"{self.name} {kind} was not refused: {reply}"
        assert reply["command"] == kind and reply["message"], reply
        return reply["message"]

    async def reply_to_raw(self, text: str) -> dict:
        """Send a frame that is not a proper command; the next non-event message is the answer."""
        await self.send(text)
        while True:
            message = await self._receive()
            if message["type"] != "event":
                return message

    async def wait_for(self, kind: str, count: int = 1, **data) -> list[dict]:
        """Read until this seat has `count` events of `kind` (whose data has `data`); the first
        `count` of them, in order."""
        assert count >= 1

        def found():
            return [e for e in self.events.values() if e["kind"] == kind
                    and all(e["data"].get(k) == v for k, v in data.items())]

        while len(found()) < count:
            await self._receive()
        return sorted(found(), key=lambda e: e["seq"])[:count]

    async def until_seq(self, seq: int):
        while self.last_seq < seq:
            await self._receive()

    async def snapshot(self) -> dict:
        await self.send({"type": "snapshot"})
        while True:
            message = await self._receive()
            if message["type"] == "snapshot":
                return message

    async def nothing_more(self):
        """Nothing is waiting for this seat (give the process a moment to deliver first)."""
        await asyncio.sleep(0.05)
        assert await self.communicator.receive_nothing(timeout=0.1), f"{self.name} got an unexpected message"

    def kinds(self) -> list[str]:
        return [self.events[s]["kind"] for s in sorted(self.events)]

    def of_kind(self, kind: str) -> list[dict]:
        return [self.events[s] for s in sorted(self.events) if self.events[s]["kind"] == kind]


def _application():
    from kaibiao.asgi import application

    return application


# --- the database, from async code ------------------------------------------------------------


@database_sync_to_async
def hall_of(lot_id) -> OpeningHall:
    return OpeningHall.objects.select_related("lot", "lot__project").get(lot_id=lot_id)


@database_sync_to_async
def stored_events(lot_id, *, organization_id=None, public_only=False) -> list[HallEvent]:
    """The hall's stored events a viewer may see: public ones, plus its own organization's."""
    qs = HallEvent.objects.filter(hall__lot_id=lot_id).order_by("seq")
    return [e for e in qs if e.audience_id is None or (not public_only and e.audience_id == organization_id)]


@database_sync_to_async
def last_seq(lot_id) -> int:
    return OpeningHall.objects.get(lot_id=lot_id).last_seq


# --- the people and their bids --------------------------------------------------------------

SMALL_FILE = {"技术标.pdf": b"%PDF-1.7 technical proposal " + os.urandom(3000) + b"%%EOF"}


@dataclass
class Cast:
    tender: Tender
    bidders: list                       # tests.bidding.conftest.Bidder, in the order they bid
    sealed: list                        # their SealedBid
    cookies: dict = field(default_factory=dict)  # name -> session cookie
    supervisor: object = None

    @property
    def lot_id(self):
        return self.tender.lot.pk

    def share_payload(self, index: int) -> str:
        """What custodian `index`'s browser does at the opening: decrypt its own share file."""
        custodian = self.tender.custodians[index]
        blob = bytes(CustodianShare.objects.get(ceremony__project=self.tender.project,
                                                custodian=custodian.user).encrypted_share)
        return agefile.decrypt_bytes(blob, identities=[custodian.identity]).decode("utf-8")


def build_cast(forms: list, *, deadline_in=timedelta(hours=1), **rules) -> Cast:
    """A published tender (3 custodians, 2 of whom open), one bidder per form, each bid sealed
    and uploaded through the real endpoints before the deadline, everyone logged in."""
    tender = make_tender(k=2, n=3, deadline_in=deadline_in, **rules)
    bidders, sealed = [], []
    for form in forms:
        bidder = make_bidder(tender)
        seal = seal_bid(tender, bidder, form=form, files=SMALL_FILE)
        submit(tender, bidder, seal)
        bidders.append(bidder)
        sealed.append(seal)
    cast = Cast(tender=tender, bidders=bidders, sealed=sealed, supervisor=supervisor(tender.project.center))
    cast.cookies["host"] = session_cookie(tender.staff)
    cast.cookies["supervisor"] = session_cookie(cast.supervisor)
    for i, c in enumerate(tender.custodians):
        cast.cookies[f"custodian{i + 1}"] = session_cookie(c.user)
    for i, b in enumerate(bidders):
        cast.cookies[f"bidder{i + 1}"] = session_cookie(b.user)
    return cast


def seat(cast: Cast, name: str) -> Seat:
    return Seat(name, cast.lot_id, cookie=cast.cookies.get(name))


def corrupt_stored_form(bidder) -> None:
    """The stored bytes of the bidder's sealed opening form are damaged (a storage fault): a
    byte of the payload flipped, the header left intact."""
    sealed = SealedFile.objects.get(bid__organization=bidder.organization, bid__state="complete", kind="form")
    path = storage.path_of(sealed.storage_name)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))


async def settle():
    """Let this process's doorbell subscription take its bell before the clock jumps (the
    in-memory layer drops a message older than a minute, and its receiver with it)."""
    await asyncio.sleep(0.05)


