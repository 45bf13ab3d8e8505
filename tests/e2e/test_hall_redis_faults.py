"""Redis slow, gone or out of one process's reach: no command is lost, none is taken twice, and
every viewer gets every event within seconds (rooms.bell, rooms.commands, rooms.hub's watcher).

Two real Daphne processes on one SQLite file and the Redis channel layer, over a redis-server
of the test's own (tests.e2e.faults), and real WebSocket clients that do what the browser's
room client does: each command carries an id of its own, and one not answered (the
connection dropped, or no answer within a few seconds) is sent again with the same id over
a new connection. Before the bell was handed off, a paused Redis held each command's
database thread (5 s and more), clients sent their commands again and the hall stored them
twice; and a process cut off from Redis left its viewers without the events it missed."""

import asyncio
import json
import secrets
import time

import pytest

from tests.e2e.faults import CutProxy, RedisServer
from tests.e2e.processes import ROOT, WAIT, Daphne, HallClient, run_script, server_env

SETUP = """
import json
from datetime import timedelta

import django

django.setup()
import time_machine
from django.utils import timezone

from bidding import closing
from bidding import hall
from bidding.models import OpeningHall
from tests.bidding.conftest import FORM
from tests.bidding.hall_helpers import build_cast, nonce

# Bids sealed and handed in before a deadline five minutes ago; the opening is read and open
# for confirmation (for two hours) by the time the servers start.
with time_machine.travel(timezone.now() - timedelta(minutes=10), tick=True):
    cast = build_cast([FORM, FORM, FORM], deadline_in=timedelta(minutes=5), confirm_minutes=120)
with time_machine.travel(cast.tender.deadline + timedelta(seconds=1), tick=True):
    closing.close_due_lots()
    for b in cast.bidders:
        hall.sign_in(actor=b.user, lot_id=cast.lot_id, nonce=nonce())
    hall.start_decryption(actor=cast.tender.staff, lot_id=cast.lot_id)
    for b in cast.bidders:
        hall.hand_in_identity(actor=b.user, lot_id=cast.lot_id, identity=str(b.identity))
    hall.end_decryption(actor=cast.tender.staff, lot_id=cast.lot_id)
    hall.read_record(actor=cast.tender.staff, lot_id=cast.lot_id)
print(json.dumps({"lot": cast.lot_id, "hall": OpeningHall.objects.get(lot_id=cast.lot_id).pk,
                  "cookies": {name: f"sessionid={value}" for name, value in cast.cookies.items()}}))
"""

CONFIRM_ALL = """
import sys

import django

django.setup()
from bidding import hall
from tests.e2e.test_hall_redis_faults import bidders_of

for user in bidders_of(int(sys.argv[1])):
    hall.confirm(actor=user, lot_id=int(sys.argv[1]))
"""

COUNT = """
import sys

import django

django.setup()
from bidding.models import Objection

print(Objection.objects.filter(opening__hall__lot_id=int(sys.argv[1])).count())
"""

ANSWER_WAIT = 3  # seconds a client waits for an answer before it sends the command again
GIVE_UP = 60  # seconds after which a command not yet answered fails the test
PACE = 0.3  # seconds between a bidder's commands


def bidders_of(lot_id):
    from bidding.models import BidOpening

    return [o.bid.created_by for o in BidOpening.objects.filter(hall__lot_id=lot_id).select_related("bid__created_by")]


@pytest.fixture
def two_servers(tmp_path):
    """Redis of the test's own; Daphne `a` reaches it directly, Daphne `b` through a proxy."""
    redis = RedisServer(tmp_path).start()
    proxy = CutProxy(redis.port)
    env = server_env(tmp_path, redis_url=redis.url)
    run_script(env, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0")
    tender = json.loads(run_script(env, "-c", SETUP).strip().splitlines()[-1])
    a = Daphne("a", env, tmp_path)
    b = Daphne("b", server_env(tmp_path, redis_url=proxy.url), tmp_path)
    try:
        a.start()
        b.start()
        yield a, b, redis, proxy, env, tender
    finally:
        for server in (a, b):
            server.stop()
        proxy.stop()
        redis.stop()


class Sender:
    """A bidder's page: each command with an id of its own, sent again (the same id, a new
    connection) until it is answered."""

    def __init__(self, servers, lot_id, cookie):
        self.servers, self.lot_id, self.cookie = servers, lot_id, cookie
        self.client = None
        self.tries = 0
        self.answer_seconds: list[float] = []

    async def connect(self):
        server = self.servers[self.tries % len(self.servers)]
        self.client = HallClient("bidder")
        await self.client.connect(server, self.lot_id, cookie=self.cookie)

    async def command(self, kind: str, **fields) -> dict:
        client_id = secrets.token_hex(16)
        first = time.monotonic()
        while True:
            assert time.monotonic() - first < GIVE_UP, f"{kind} not answered within {GIVE_UP} s"
            ref = secrets.token_hex(4)
            started = time.monotonic()
            try:
                if self.client is None:
                    await self.connect()
                await self.client.ws.send(json.dumps({"type": kind, "ref": ref, "client_id": client_id, **fields}))
                reply = await asyncio.wait_for(self.client.reply_to(ref), ANSWER_WAIT)
                self.answer_seconds.append(time.monotonic() - started)
                return reply
            except Exception:  # no answer in time, or the connection dropped: again, same id
                self.tries += 1
                if self.client is not None:
                    await asyncio.wait_for(self.client.close(), 5)
                self.client = None
                await asyncio.sleep(0.2)


async def objections(sender: Sender, count: int, fault, repair, *, at: int = 5, seconds: float = 6):
    """`count` objections, one every PACE seconds; the fault from the `at`th for `seconds`."""
    repaired = None
    for i in range(count):
        if i == at:
            await asyncio.to_thread(fault)
            repaired = asyncio.create_task(_after(seconds, repair))
        reply = await sender.command("object", question=f"第{i + 1}条异议")
        assert reply["type"] == "ok", reply
        await asyncio.sleep(PACE)
    await repaired


async def _after(seconds, func):
    await asyncio.sleep(seconds)
    await asyncio.to_thread(func)


def stored_objections(env, lot_id) -> int:
    return int(run_script(env, "-c", COUNT, str(lot_id)).strip().splitlines()[-1])


async def test_with_redis_paused_every_command_is_answered_and_taken_once(two_servers):
    a, b, redis, proxy, env, tender = two_servers
    viewer = HallClient("viewer on b")
    await viewer.connect(b, tender["lot"])
    sender = Sender([a, b], tender["lot"], tender["cookies"]["bidder1"])
    await objections(sender, 40, redis.pause, redis.resume)
    assert stored_objections(env, tender["lot"]) == 40
    print(f"40 objections with Redis paused for 6 s: {sender.tries} sent again, the slowest answer "
          f"{max(sender.answer_seconds):.2f} s, the median {sorted(sender.answer_seconds)[20]:.3f} s")
    # The viewer on the other process has every one of them, once, in order.
    final = json.loads(await asyncio.to_thread(run_script, env, "-c", LAST_SEQ, str(tender["lot"])))
    await viewer.through(final)
    raised = [e for e in viewer.events() if e["kind"] == "objection_raised"]
    assert [e["data"]["question"] for e in raised] == [f"第{i + 1}条异议" for i in range(40)]
    await viewer.close()
    await sender.client.close()


async def test_with_redis_killed_and_started_again_every_command_is_answered_and_taken_once(two_servers):
    a, b, redis, proxy, env, tender = two_servers
    sender = Sender([a, b], tender["lot"], tender["cookies"]["bidder1"])
    await objections(sender, 40, redis.kill, redis.start)
    assert stored_objections(env, tender["lot"]) == 40
    print(f"40 objections with Redis gone for 6 s: {sender.tries} sent again, the slowest answer "
          f"{max(sender.answer_seconds):.2f} s")
    await sender.client.close()


LAST_SEQ = """
import sys

import django

django.setup()
from bidding.models import OpeningHall

print(OpeningHall.objects.get(lot_id=int(sys.argv[1])).last_seq)
"""


async def test_a_process_cut_off_from_redis_gives_its_viewers_what_they_missed_within_seconds(two_servers):
    a, b, redis, proxy, env, tender = two_servers
    await asyncio.to_thread(run_script, env, "-c", CONFIRM_ALL, str(tender["lot"]))
    viewer, host = HallClient("viewer on b"), HallClient("host on a")
    first = await viewer.connect(b, tender["lot"])
    await viewer.through(first["last_seq"])
    await host.connect(a, tender["lot"], cookie=tender["cookies"]["host"])
    group = f"kaibiao.db0.__group__hall-{tender['hall']}"
    # a's and b's doorbells: each process subscribes when its first connection joins, on its own
    # time (a busy machine took longer than the host's snapshot)
    joined = time.monotonic()
    while await asyncio.to_thread(redis.subscribers, group) < 2:
        assert time.monotonic() - joined < 10, "a and b did not both subscribe within 10 s"
        await asyncio.sleep(0.1)
    # b loses Redis for 15 s; meanwhile the host ends the opening through a.
    proxy.cut()
    await asyncio.sleep(1)
    await host.command("end_opening")
    ended = time.monotonic()
    while not any(e["kind"] == "opening_ended" for e in viewer.events()):
        assert time.monotonic() - ended < 10, f"b's viewer got {[m.get('kind') for m in viewer.messages]}"
        try:
            await viewer._next(timeout=1)
        except TimeoutError:
            pass
    print(f"b, cut off from Redis, gave its viewer the opening's end {time.monotonic() - ended:.1f} s after it")
    await asyncio.sleep(max(0.0, 15 - (time.monotonic() - ended)))
    # Redis within reach again: b's doorbell is back within seconds, not at its next renewal.
    proxy.heal()
    healed = time.monotonic()
    while await asyncio.to_thread(redis.subscribers, group) < 2:
        assert time.monotonic() - healed < 10, "b did not subscribe again within 10 s"
        await asyncio.sleep(0.2)
    print(f"b's doorbell subscription was back {time.monotonic() - healed:.1f} s after Redis was within reach")
    await viewer.close()
    await host.close()
