"""A PostgreSQL restart under a live Daphne: the hall's database threads keep their connections
(rooms.db), and after the restart those sessions are gone. The first hall command and the first
new connection after it are served on a fresh connection; before, both failed (the command's
connection was closed by the server, the new page's WebSocket closed with no snapshot).

The test starts its own PostgreSQL (initdb, pg_ctl) in a temporary folder on a free port with
trust authentication, run as the `postgres` system user (initdb refuses root)."""

import asyncio
import json
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.e2e.processes import ROOT, Daphne, HallClient, free_port, log_in, run_script, server_env

BIN = Path("/usr/lib/postgresql/15/bin")

SETUP = """
import json

import django

django.setup()
from tests.bidding.factories import complete_bids
from tests.trading.factories import published_lot

lot = published_lot()
(bid,) = complete_bids(lot, 1)
print(json.dumps({"lot": lot.pk, "bidder": bid.created_by.username}))
"""


class Postgres:
    def __init__(self):
        if not all((BIN / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            pytest.skip(f"PostgreSQL 15's binaries are not in {BIN}")
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user is not None:
            try:
                pwd.getpwnam(self.user)
            except KeyError:
                pytest.skip("running as root and there is no `postgres` user to run PostgreSQL as")
        self.folder = Path(tempfile.mkdtemp(prefix="kaibiao-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if self.user is not None:
            shutil.chown(self.folder, self.user)

    def _run(self, *args):
        command = [str(BIN / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self):
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action):
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "postgres.log"), "-w", "-m", "fast",
                  "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off", action)

    def restart(self):
        self._pg_ctl("restart")

    def stop(self):
        try:
            self._pg_ctl("stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self):
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def served_on_postgres(tmp_path):
    postgres = Postgres().start()
    try:
        env = {**server_env(tmp_path), "DATABASE_URL": postgres.url}
        run_script(env, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0")
        tender = json.loads(run_script(env, "-c", SETUP).strip().splitlines()[-1])
        server = Daphne("on-postgres", env, tmp_path).start()
        try:
            yield server, postgres, tender
        finally:
            server.stop()
    finally:
        postgres.stop()


async def answer(client: HallClient, kind: str) -> dict:
    ref = secrets.token_hex(4)
    await client.ws.send(json.dumps({"type": kind, "ref": ref}))
    return await client.reply_to(ref)


async def test_after_a_database_restart_the_first_command_and_the_first_new_connection_are_served(served_on_postgres):
    server, postgres, tender = served_on_postgres
    cookie = log_in(server, tender["bidder"])
    bidder = HallClient("bidder")
    await bidder.connect(server, tender["lot"], cookie=cookie)
    before = await answer(bidder, "confirm")  # refused (no confirmation yet), but answered
    assert before["type"] == "error" and before["command"] == "confirm"

    await asyncio.to_thread(postgres.restart)

    after = await answer(bidder, "confirm")
    assert {**after, "ref": None} == {**before, "ref": None}, server.tail()
    public = HallClient("public")
    snapshot = await public.connect(server, tender["lot"])
    assert snapshot["state"] == "waiting"
    await public.close()
    await bidder.close()
