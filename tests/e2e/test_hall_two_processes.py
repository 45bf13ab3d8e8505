"""Several server processes serve one hall (DESIGN.md §5): with REDIS_URL set, an event caused
through one Daphne process reaches the clients connected to another, in order, with its
number, exactly once; a process that dies and comes back loses nothing for a client that
reconnects with ?after=<the last number it saw>.

Two real Daphne processes (`python -m kaibiao.serve`, as `make run` serves) share a
throwaway SQLite file and one Redis database (KAIBIAO_TEST_REDIS_URL, by default
redis://127.0.0.1:6379/5). The tender is made by a setup script in its own process; the test
speaks only HTTP and WebSockets (the `websockets` library), like a browser: viewers connect
without a session (the public), the bidders and the host log in through the login form.

This test needs Redis and nothing else (its database is its own SQLite file), so it runs in
every pass of `make test`; where Redis does not answer it is skipped, and pytest's summary says so."""

import asyncio
import json
import os
import secrets

import pytest

from tests.e2e.processes import ROOT, Daphne, HallClient, log_in, run_script, server_env

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("KAIBIAO_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")

SETUP = """
import json
from datetime import timedelta

import django

django.setup()
from bidding.closing import close_due_lots
from bidding.models import OpeningHall
from tests.bidding.factories import complete_bids
from tests.trading.factories import published_lot

# A published lot whose deadline passed five minutes ago, three complete bids; the closing job
# closes it: the hall is 'closed' (sign-in open, public), its events 1 (hall_opened) and 2.
lot = published_lot(deadline_in=timedelta(minutes=-5))
bids = complete_bids(lot, 3)
close_due_lots(project_id=lot.project_id)
hall = OpeningHall.objects.get(lot=lot)
print(json.dumps({"lot": lot.pk, "host": lot.project.created_by.username, "state": hall.state,
                  "last_seq": hall.last_seq, "bidders": [b.created_by.username for b in bids],
                  "organizations": [b.organization.name for b in bids]}))
"""

# A bidder signs in through the service from a process that serves no WebSocket: the bell it
# rings after the commit reaches both Daphne processes through Redis only.
SIGN_IN = """
import secrets
import sys

import django

django.setup()
from bidding import hall
from trading.models import User

hall.sign_in(actor=User.objects.get(username=sys.argv[1]), lot_id=int(sys.argv[2]), nonce=secrets.token_hex(32))
"""


# --- the processes ---------------------------------------------------------------------------


def require_redis():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as err:  # noqa: BLE001 - any failure means the same thing here
        pytest.skip(f"SKIPPED: Redis is needed for the two-process hall test and does not answer at {REDIS_URL} "
                    f"({err}); set KAIBIAO_TEST_REDIS_URL to one that does")


@pytest.fixture
def servers(tmp_path):
    """Two Daphne processes over one freshly migrated SQLite file and one Redis database, and
    the tender made by SETUP. Yields (A, B, env, tender); stops whatever is still running."""
    require_redis()
    env = server_env(tmp_path, redis_url=REDIS_URL)
    run_script(env, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0")
    tender = json.loads(run_script(env, "-c", SETUP).strip().splitlines()[-1])
    assert tender["state"] == "closed" and tender["last_seq"] == 2, tender
    a, b = Daphne("A", env, tmp_path), Daphne("B", env, tmp_path)
    try:
        a.start()
        b.start()
        yield a, b, env, tender
    finally:
        a.stop()
        b.stop()


# --- the clients -----------------------------------------------------------------------------


def seqs(events) -> list[int]:
    return [e["seq"] for e in events]


# --- the test --------------------------------------------------------------------------------


async def test_an_event_through_one_process_reaches_the_clients_of_the_other(servers):
    a, b, env, tender = servers
    lot = tender["lot"]
    bidder1, bidder2, bidder3 = tender["bidders"]
    org1, org2, org3 = tender["organizations"]
    clients = []
    try:
        async with asyncio.timeout(180):
            cookie1 = await asyncio.to_thread(log_in, a, bidder1)
            cookie3 = await asyncio.to_thread(log_in, a, bidder3)

            # The public on both processes, connected from the start (they replay events 1 and 2).
            on_a = [HallClient(f"A-viewer{i}") for i in range(2)]
            on_b = [HallClient(f"B-viewer{i}") for i in range(3)]
            clients += on_a + on_b
            for client, server in [(c, a) for c in on_a] + [(c, b) for c in on_b]:
                snapshot = await client.connect(server, lot)
                assert snapshot["last_seq"] == 2 and snapshot["you"]["role"] == "public"
            for client in on_a + on_b:
                await client.through(2)
                assert seqs(client.events()) == [1, 2], client.name

            # 1. A bidder signs in through process A: event 3 on every client of B too.
            signer1 = HallClient("bidder1@A")
            clients.append(signer1)
            await signer1.connect(a, lot, cookie=cookie1)
            await signer1.command("sign_in", nonce=secrets.token_hex(32))
            # 2. Another signs in through the service in a third process (neither A nor B): the
            # bell reaches both through Redis.
            await asyncio.to_thread(run_script, env, "-c", SIGN_IN, bidder2, str(lot))
            for client in on_a + on_b:
                await client.through(4)
                events = client.events()
                assert seqs(events) == [1, 2, 3, 4], client.name
                assert [(e["kind"], e["data"]["bidder"]) for e in events[2:]] == [("signed_in", org1), ("signed_in", org2)]
            await asyncio.gather(*(client.quiet(0.3) for client in on_a + on_b))

            # 3. B dies. Its clients lose their connections; meanwhile a third bidder signs in
            # through A (event 5), which only A's clients can see for now.
            b.kill()
            for client in on_b:
                await client.closed_by_server()
            signer3 = HallClient("bidder3@A")
            clients.append(signer3)
            await signer3.connect(a, lot, cookie=cookie3)
            await signer3.command("sign_in", nonce=secrets.token_hex(32))
            for client in on_a:
                await client.through(5)
                assert seqs(client.events()) == [1, 2, 3, 4, 5], client.name

            # 4. B comes back on its port; its clients reconnect with the last number they saw
            # and get the snapshot, then exactly the event they missed.
            b.start()
            for client in on_b:
                last = client.events()[-1]["seq"]
                assert last == 4
                snapshot = await client.connect(b, lot, after=last)
                assert snapshot["last_seq"] == 5 and snapshot["state"] == "closed"
                assert [s["bidder"] for s in snapshot["sign_ins"]] == [org1, org2, org3]
                await client.through(5)
                assert seqs(client.events()) == [1, 2, 3, 4, 5], client.name
                assert client.events()[-1]["data"]["bidder"] == org3

            # 5. The host logs in on the restarted B and starts decryption there: event 6
            # reaches A's clients (through Redis) and B's, once each.
            host_cookie = await asyncio.to_thread(log_in, b, tender["host"])
            host = HallClient("host@B")
            clients.append(host)
            snapshot = await host.connect(b, lot, after=5, cookie=host_cookie)
            assert snapshot["you"]["role"] == "host"
            await host.command("start_decryption")
            for client in on_a + on_b + [host]:
                await client.through(6)
                assert client.events()[-1]["seq"] == 6 and client.events()[-1]["kind"] == "decryption_started"
            for client in on_a:
                assert seqs(client.events()) == [1, 2, 3, 4, 5, 6], client.name
            for client in on_b:
                assert seqs(client.events()) == [1, 2, 3, 4, 5, 6], client.name
                # One snapshot at the first connection and one at the reconnection; nothing else.
                assert [m["type"] for m in client.messages].count("snapshot") == 2
            for client in (signer1, signer3):  # connected without ?after: replayed from 1
                await client.through(6)
                assert seqs(client.events()) == [1, 2, 3, 4, 5, 6], client.name
            assert seqs(host.events()) == [6]
            await asyncio.gather(*(client.quiet() for client in on_a + on_b + [signer1, signer3, host]))
    except BaseException:
        print(f"--- Daphne A log:\n{a.tail()}\n--- Daphne B log:\n{b.tail()}")
        raise
    finally:
        for client in clients:
            try:
                await asyncio.wait_for(client.close(), 5)
            except Exception:  # noqa: BLE001 - a socket of the killed process
                pass
