"""`make run` as it runs: one Daphne and the task worker (`manage.py db_worker`), two processes
over one SQLite file with the in-memory channel layer, which does not cross processes. What
the worker does at the deadline (closing bidding) and what another process stores (a bidder's
sign-in through the service) reach a page that is already open, without a reload: each
server process watches its rooms (rooms.hub.Hub.watch). Before it did, every open hall kept
showing 等待投标截止 00:00:00 after the deadline until each person reloaded."""

import asyncio
import json
import subprocess
import sys
import time

import pytest

from tests.e2e.processes import ROOT, Daphne, HallClient, run_script, server_env, stop_process

SETUP = """
import json
from datetime import timedelta

import django

django.setup()
from bidding.closing import schedule_closing
from tests.bidding.factories import complete_bids
from tests.trading.factories import published_lot

# A published lot whose deadline is a few seconds away, three complete bids, its closing task
# enqueued for the deadline as publishing enqueues it.
lot = published_lot(deadline_in=timedelta(seconds=12))
bids = complete_bids(lot, 3)
schedule_closing(lot.project)
print(json.dumps({"lot": lot.pk, "deadline": lot.project.bid_deadline.timestamp(),
                  "bidders": [b.created_by.username for b in bids]}))
"""

SIGN_IN = """
import secrets
import sys

import django

django.setup()
from bidding import hall
from trading.models import User

hall.sign_in(actor=User.objects.get(username=sys.argv[1]), lot_id=int(sys.argv[2]), nonce=secrets.token_hex(32))
"""


@pytest.fixture
def make_run(tmp_path):
    """Daphne and the task worker, started as `make run` starts them, over a fresh database."""
    env = server_env(tmp_path)  # no REDIS_URL: the in-memory layer, as make run
    run_script(env, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0")
    server = Daphne("make-run", env, tmp_path)
    with open(tmp_path / "worker.log", "ab") as log:
        worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "db_worker", "--interval", "1"], cwd=ROOT,
                                  env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        server.start()
        # The lot is made once both processes run, so that its 12 s before the deadline are the
        # test's, not the time a loaded machine takes to start Daphne (a run under load found
        # the lot already closed when the page first connected).
        tender = json.loads(run_script(env, "-c", SETUP).strip().splitlines()[-1])
        yield server, env, tender, tmp_path
    finally:
        server.stop()
        stop_process(worker)


async def test_the_deadline_and_another_process_s_event_reach_an_open_hall(make_run):
    server, env, tender, folder = make_run
    public = HallClient("public")
    first = await public.connect(server, tender["lot"])
    assert first["state"] == "waiting" and first["last_seq"] == 1
    # The deadline passes while the page is open; nobody in the hall does anything.
    await asyncio.sleep(max(0.0, tender["deadline"] - time.time()))
    await public.through(2)  # within processes.WAIT seconds, else the test fails with what came
    (closed,) = [e for e in public.events() if e["kind"] == "bidding_closed"]
    print(f"bidding_closed reached the open page {time.time() - tender['deadline']:.1f} s after the deadline")
    assert closed["data"]["complete_bids"] == 3
    # A bidder signs in from a third process (no socket there; the in-memory layer cannot carry
    # its bell here): the open page hears it too.
    sent = time.time()
    await asyncio.to_thread(run_script, env, "-c", SIGN_IN, tender["bidders"][0], str(tender["lot"]))
    await public.through(closed["seq"] + 1)
    print(f"signed_in from another process reached the open page in {time.time() - sent:.1f} s")
    assert [e["kind"] for e in public.events()] == ["hall_opened", "bidding_closed", "signed_in"]
    await public.quiet()
    await public.close()
    assert "Traceback" not in (folder / "worker.log").read_text(), (folder / "worker.log").read_text()[-3000:]
