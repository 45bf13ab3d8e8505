"""The hall benchmark's servers: the bare broadcast server and Daphne, and the halls they serve.

For bench/bench_hall.py (and the benchmarks that borrow from it): each server process started and
measured (memory, CPU, garbage-collection pauses through a probe), and the halls made through the
services with their bidders' sessions."""

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from throwaway import free_port, stop_process, wait_listening  # bench/ is the script's folder: first on sys.path

ROOT = Path(__file__).resolve().parent.parent
KiB, MiB = 1024, 1024 * 1024
CHILDREN: list = []  # every process started here, stopped in bench_hall.main()'s finally

SERVERS = {
    "bare": "bare websockets, 1 process",
    "daphne": "Daphne, in-memory layer, 1 process",
    "daphne2": "Daphne x2, Redis layer",
}


# --- the servers ---------------------------------------------------------------------------


class Server:
    def __init__(self, name: str, argv: list, env: dict, folder: Path):
        self.name, self.port = name, free_port()
        self.log = folder / f"{name}.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([a.replace("PORT", str(self.port)) for a in argv], cwd=ROOT, env=env,
                                         stdout=log, stderr=subprocess.STDOUT)
        CHILDREN.append(self.proc)

    def wait_listening(self):
        wait_listening(self.proc, self.port, self.name, self.log)

    def stop(self):
        stop_process(self.proc)

    @property
    def rss(self) -> int:
        with open(f"/proc/{self.proc.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * KiB
        raise KeyError("VmRSS")

    @property
    def cpu(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# Loaded by every server process (PYTHONPATH): each garbage collection of 5 ms or more goes to
# its log with the time it ended, so that the report can name the longest pause in the rounds.
GC_PROBE = """
import gc, sys, time
_began = [0.0]
def _probe(phase, info):
    if phase == "start":
        _began[0] = time.monotonic()
    elif time.monotonic() - _began[0] >= 0.005:
        sys.stderr.write(f"GCPROBE {time.monotonic():.6f} {time.monotonic() - _began[0]:.6f} {info['generation']}\\n")
gc.callbacks.append(_probe)
"""


def gc_pauses(server: "Server", begin: float, end: float, stopped=()) -> list[float]:
    """The server's garbage-collection pauses (seconds) that ended between `begin` and `end`,
    leaving out those during which it was stopped (`stopped`: (from, to) times): a collection
    caught by SIGSTOP would count the whole stop."""
    pauses = []
    for line in server.log.read_text(errors="replace").splitlines():
        if line.startswith("GCPROBE "):
            _, at, took, _generation = line.split()
            at, took = float(at), float(took)
            if begin <= at <= end and not any(at - took < to and at > since for since, to in stopped):
                pauses.append(took)
    return pauses


def start_servers(kind: str, env: dict, folder: Path, redis_url: str, tag: str) -> list[Server]:
    if kind == "bare":
        servers = [Server(f"bare-{tag}", [sys.executable, str(ROOT / "bench" / "bare_broadcast.py"), "--port", "PORT"],
                          env, folder)]
    else:
        daphne = [sys.executable, "-m", "kaibiao.serve", "-b", "127.0.0.1", "-p", "PORT", "kaibiao.asgi:application"]
        if kind == "daphne":
            servers = [Server(f"daphne-{tag}", daphne, env, folder)]
        else:
            env = {**env, "REDIS_URL": redis_url}
            servers = [Server(f"daphne2{name}-{tag}", daphne, env, folder) for name in "AB"]
    for server in servers:
        server.wait_listening()
    return servers


# --- the tender ------------------------------------------------------------------------------


def create_halls(count: int, bidders: int) -> list[dict]:
    """`count` lots whose bidding has closed (deadline five minutes ago), each with `bidders`
    complete bids and a logged-in session per bidder (made directly: no password hashing)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from bidding.closing import close_due_lots
    from bidding.models import OpeningHall
    from tests.bidding.factories import BidFactory
    from tests.trading.factories import OrganizationFactory, UserFactory, published_lot
    from trading.choices import Role

    halls = []
    for _ in range(count):
        lot = published_lot(deadline_in=timedelta(minutes=-5))
        sessions = []
        for _ in range(bidders):
            organization = OrganizationFactory()
            user = UserFactory(role=Role.BIDDER, organization=organization, password=None)
            BidFactory(lot=lot, organization=organization, created_by=user)
            session = SessionStore()
            session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                            HASH_SESSION_KEY: user.get_session_auth_hash()})
            session.create()
            sessions.append(session.session_key)
        close_due_lots(project_id=lot.project_id)
        hall = OpeningHall.objects.get(lot=lot)
        if hall.state != "closed":
            raise RuntimeError(f"the hall of lot {lot.pk} is {hall.state}, not closed")
        halls.append({"lot": lot.pk, "last_seq": hall.last_seq, "sessions": sessions})
    return halls


def bare_message(seq: int) -> str:
    """What the hall sends for a sign-in, same shape and size."""
    at = datetime.now().astimezone().isoformat()
    return json.dumps({"type": "event", "seq": seq, "kind": "signed_in", "at": at,
                       "data": {"bidder": f"测试公司{seq}有限公司", "at": at}}, ensure_ascii=False)
