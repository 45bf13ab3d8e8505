"""Benchmark: one opening hall's broadcast, measured against a bare `websockets` broadcast server
on the same clients in the same run. A hall's broadcast is only as good as its slowest client.

    .venv/bin/python bench/bench_hall.py [--clients 100,1000,2000] [--rounds 100] [--client-procs 2]

For each number of clients N, each server with N clients of its own, their rounds taken in turn
(one round of each server, then the next, each round beginning with the next server), each
server alone on the machine during its own rounds, the others stopped (SIGSTOP) until theirs
(see run()):

  bare     bench/bare_broadcast.py: websockets.broadcast() of the text it is given (1 process);
  daphne   one Daphne (`python -m kaibiao.serve`, as `make run` serves) with the embedded default:
           SQLite and the in-memory channel layer;
  daphne2  two Daphne processes with the Redis layer (--redis-url), the clients split evenly
           between them, the actions sent to the first.

N WebSocket clients (asyncio + websockets, in --client-procs processes of their own, so that they
do not share the server's event loop) connect to one hall as the public does. Then, for --rounds
rounds (after two unmeasured ones), --pause seconds apart: a bidder connects, then signs in
through its WebSocket (the `sign_in` command: the service locks the hall, appends the numbered
event "signed_in", a row of the sign-in list, commits and rings the bell; each process reads it
once and writes it to its sockets); for the bare server, a control connection sends a JSON
message of the same shape and size. Measured from the moment the action is sent until each
client has the row (all processes read the same CLOCK_MONOTONIC): per round the time until the
LAST client has it, median and p99 over the rounds; and every client's own time, median and p99
over rounds x clients. The clients check that each event comes once and in order. Server memory
per connection: (RSS with the N clients - RSS before they connect) / N, summed over the server's
processes; CPU per round: the server's CPU time from the action until 50 ms after the last client
has the row; longest GC: the longest garbage-collection pause of a server process during the
rounds (a probe loaded through PYTHONPATH logs every pause of 5 ms or more).

Everything runs on 127.0.0.1 in a throwaway folder (its own SQLite database, one fresh hall per
run with its bidders and their sessions) that is removed at the end, like bench/bench_upload.py;
Redis database --redis-url (6 by default) serves the daphne2 runs. Bounded by --timeout.
The goal: the hall's p99 (last client) within 1.5x the bare server's at 1,000 and 2,000 clients.
Needs the test extra (tests/trading/factories.py, tests/bidding/factories.py: factory_boy)."""

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from throwaway import environment, free_port, stop_process, wait_listening  # bench/ is the script's folder: first on sys.path

ROOT = Path(__file__).resolve().parent.parent
KiB, MiB = 1024, 1024 * 1024
WARM_UP = 2
CHILDREN: list = []  # every process started here, stopped in main()'s finally

SERVERS = {
    "bare": "bare websockets, 1 process",
    "daphne": "Daphne, in-memory layer, 1 process",
    "daphne2": "Daphne x2, Redis layer",
}


def raise_open_files_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- the clients (a process of their own: bench_hall.py --client-proc) -----------------------


class Arrivals:
    """When each connection got each event; duplicates and gaps counted."""

    def __init__(self, n: int):
        self.n = n
        self.times: dict[int, list] = {}
        self.expect = None
        self.done = asyncio.Event()
        self.duplicates = self.gaps = self.closed = 0

    def arrived(self, seq: int, index: int, at: float):
        row = self.times.setdefault(seq, [None] * self.n)
        row[index] = at
        if seq == self.expect and all(t is not None for t in row):
            self.done.set()

    def arm(self, seq: int):
        self.expect = seq
        self.done = asyncio.Event()
        row = self.times.get(seq)
        if row is not None and all(t is not None for t in row):
            self.done.set()


async def read_events(ws, index: int, after: int, arrivals: Arrivals):
    from websockets import ConnectionClosed

    last = after
    try:
        async for message in ws:
            at = time.monotonic()
            event = json.loads(message)
            if event.get("type") != "event":
                continue  # the snapshot
            seq = event["seq"]
            if seq <= last:
                arrivals.duplicates += 1
                continue
            if seq != last + 1:
                arrivals.gaps += 1
            last = seq
            arrivals.arrived(seq, index, at)
    except ConnectionClosed:
        pass
    arrivals.closed += 1


async def client_proc() -> int:
    """Connect the connections of the job read from stdin, then answer the orchestrator's
    lines: 'expect <seq>' -> 'armed', then the arrival times once every connection has it;
    'quit' -> close everything."""
    from websockets.asyncio.client import connect

    raise_open_files_limit()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * MiB)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    job = json.loads(await reader.readline())
    targets = job["targets"]  # [url, origin] per connection
    arrivals = Arrivals(len(targets))
    gate = asyncio.Semaphore(job["concurrency"])
    sockets: list = [None] * len(targets)
    readers = []

    def say(message: dict):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    async def open_one(index: int, url: str, origin: str):
        for attempt in range(3):
            try:
                async with gate:
                    ws = await connect(url, origin=origin, compression=None, ping_interval=None, open_timeout=120,
                                       max_queue=None)
                    if job["snapshot"]:  # connected once the hall has sent its state: no work left behind
                        first = json.loads(await asyncio.wait_for(ws.recv(), 120))
                        if first.get("type") != "snapshot":
                            raise RuntimeError(f"the first message is not the snapshot: {first}")
                sockets[index] = ws
                readers.append(asyncio.create_task(read_events(ws, index, job["after"], arrivals)))
                return
            except Exception as err:  # noqa: BLE001 - retried, then reported
                if attempt == 2:
                    raise RuntimeError(f"connection {index} to {url}: {err!r}") from err
                await asyncio.sleep(1)

    try:
        await asyncio.gather(*(open_one(i, url, origin) for i, (url, origin) in enumerate(targets)))
    except Exception as err:  # noqa: BLE001
        say({"error": str(err)})
        return 1
    gc.collect()
    gc.freeze()  # the connections are for good: the collector need not walk them in every round
    say({"ready": len(targets)})
    while line := (await reader.readline()).decode().strip():
        command, _, value = line.partition(" ")
        if command == "expect":
            seq = int(value)
            arrivals.arm(seq)
            say({"armed": seq})
            try:
                await asyncio.wait_for(arrivals.done.wait(), job["round_timeout"])
            except TimeoutError:
                pass
            say({"seq": seq, "times": arrivals.times.get(seq, [None] * len(targets))})
            arrivals.times.pop(seq, None)
        elif command == "stats":
            say({"duplicates": arrivals.duplicates, "gaps": arrivals.gaps, "closed": arrivals.closed})
        elif command == "quit":
            break
    await asyncio.gather(*(ws.close() for ws in sockets if ws is not None), return_exceptions=True)
    for task in readers:
        task.cancel()
    return 0


class ClientProc:
    """The orchestrator's handle on one client process."""

    def __init__(self, proc):
        self.proc = proc

    @classmethod
    async def start(cls, targets: list, *, after: int, snapshot: bool, concurrency: int, round_timeout: float):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).resolve()), "--client-proc",
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, limit=64 * MiB)
        CHILDREN.append(proc)
        self = cls(proc)
        await self.send(json.dumps({"targets": targets, "after": after, "snapshot": snapshot, "concurrency": concurrency,
                                    "round_timeout": round_timeout}))
        return self

    async def send(self, line: str):
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def read(self) -> dict:
        line = await self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"client process {self.proc.pid} exited ({await self.proc.wait()})")
        return json.loads(line)

    async def stop(self):
        if self.proc.returncode is None:
            try:
                await self.send("quit")
                await asyncio.wait_for(self.proc.wait(), 30)
            except (Exception, asyncio.CancelledError):  # noqa: BLE001
                self.proc.kill()
                await self.proc.wait()


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


# --- one measurement -------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (k - low)


class Setup:
    """One server (one or two processes) with its N clients, the sockets that act, and what
    its rounds measured."""

    def __init__(self, kind: str, n: int, hall: dict | None, args):
        self.kind, self.n, self.hall, self.args = kind, n, hall, args
        self.servers: list[Server] = []
        self.clients: list[ClientProc] = []
        self.control = None  # the bare server's control connection
        self.errors: list[str] = []
        self.last_client, self.every, self.missing = [], [], 0
        self.cpu_rounds = 0.0
        self.after = 0
        self.stopped: list = []  # [stopped at, resumed at] of the server processes

    async def start(self, env: dict, folder: Path):
        from websockets.asyncio.client import connect

        kind, n, hall = self.kind, self.n, self.hall
        self.servers = servers = await asyncio.to_thread(start_servers, kind, env, folder, self.args.redis_url, f"{n}")
        main = servers[0]
        origin = f"http://127.0.0.1:{main.port}"
        if kind == "bare":
            self.control = await connect(f"ws://127.0.0.1:{main.port}/control", compression=None, ping_interval=None)
            targets = [[f"ws://127.0.0.1:{main.port}/clients", origin]] * n
        else:
            self.after = hall["last_seq"]
            targets = [[f"ws://127.0.0.1:{servers[i % len(servers)].port}/ws/halls/{hall['lot']}/?after={self.after}",
                        f"http://127.0.0.1:{servers[i % len(servers)].port}"] for i in range(n)]
        await asyncio.sleep(1)
        self.idle = sum(s.rss for s in servers)
        started = time.monotonic()
        procs = self.args.client_procs
        share = [targets[i::procs] for i in range(procs)]
        self.clients = [await ClientProc.start(part, after=self.after, snapshot=kind != "bare",
                                               concurrency=max(1, self.args.connect_concurrency // procs),
                                               round_timeout=self.args.round_timeout) for part in share if part]
        for client in self.clients:
            ready = await asyncio.wait_for(client.read(), self.args.connect_timeout)
            if "ready" not in ready:
                raise RuntimeError(f"{SERVERS[kind]}, {n} clients: {ready.get('error')}")
        self.connect_seconds = time.monotonic() - started
        await asyncio.sleep(2)
        self.loaded = sum(s.rss for s in servers)
        print(f"  {SERVERS[kind]}: {n} clients connected in {self.connect_seconds:.0f} s (server pids "
              f"{' '.join(str(s.proc.pid) for s in servers)})", file=sys.stderr, flush=True)

    async def _actor(self, r: int):
        """The bidder who acts in round r, connected (to the first process) just before it,
        so that the hall's sockets are the N clients and this one."""
        from websockets.asyncio.client import connect

        port = self.servers[0].port
        ws = await connect(f"ws://127.0.0.1:{port}/ws/halls/{self.hall['lot']}/?after={self.after + r}",
                           origin=f"http://127.0.0.1:{port}", additional_headers={"Cookie": f"sessionid={self.hall['sessions'][r]}"},
                           compression=None, ping_interval=None, open_timeout=60)
        first = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if first.get("type") != "snapshot" or first["you"]["role"] != "bidder":
            raise RuntimeError(f"the acting bidder's first message: {first}")
        return ws

    @staticmethod
    async def _reply(ws, ref: str) -> dict:
        while True:
            message = json.loads(await ws.recv())
            if message.get("ref") == ref and message.get("type") in ("ok", "error"):
                return message

    @property
    def cpu(self) -> float:
        return sum(s.cpu for s in self.servers)

    async def round(self, r: int):
        """One action; the time until each client has its row."""
        seq = self.after + r + 1
        actor = await self._actor(r) if self.kind != "bare" else self.control
        try:
            for client in self.clients:
                await client.send(f"expect {seq}")
            for client in self.clients:
                armed = await asyncio.wait_for(client.read(), 30)
                if armed != {"armed": seq}:
                    raise RuntimeError(f"client process: {armed}")
            cpu = self.cpu
            t0 = time.monotonic()
            if self.kind == "bare":
                await actor.send(bare_message(seq))
                reply = asyncio.ensure_future(actor.recv())
            else:
                await actor.send(json.dumps({"type": "sign_in", "nonce": secrets.token_hex(32), "ref": str(r)}))
                reply = asyncio.ensure_future(self._reply(actor, str(r)))
            reports = [await asyncio.wait_for(client.read(), self.args.round_timeout + 30) for client in self.clients]
            reply = await asyncio.wait_for(reply, 30)
            await asyncio.sleep(0.05)  # what the server still does after the last client has it
            if r >= WARM_UP:
                self.cpu_rounds += self.cpu - cpu
        finally:
            if self.kind != "bare":
                await actor.close()
        if reply != "ok" and reply.get("type") != "ok":
            self.errors.append(f"round {r}: {reply}")
        times = [t for report in reports for t in report["times"]]
        got = [t - t0 for t in times if t is not None]
        if r >= WARM_UP:
            self.missing += len(times) - len(got)
            if got:
                self.last_client.append(max(got))
                self.every.extend(got)

    async def result(self) -> dict:
        for client in self.clients:
            await client.send("stats")
        stats = [await asyncio.wait_for(client.read(), 30) for client in self.clients]
        return {
            "kind": self.kind, "n": self.n, "rounds": len(self.last_client), "missing": self.missing,
            "errors": self.errors, "last_p50": percentile(self.last_client, 50),
            "last_p99": percentile(self.last_client, 99), "every_p50": percentile(self.every, 50),
            "every_p99": percentile(self.every, 99), "per_connection": (self.loaded - self.idle) / self.n,
            "idle": self.idle, "loaded": self.loaded, "cpu_per_round": self.cpu_rounds / max(1, len(self.last_client)),
            "connect_seconds": self.connect_seconds, "duplicates": sum(s["duplicates"] for s in stats),
            "gaps": sum(s["gaps"] for s in stats), "closed": sum(s["closed"] for s in stats),
        }

    def signal(self, signum: int):
        """Stop (SIGSTOP) or resume (SIGCONT) this setup's server processes; the times they
        were stopped are kept."""
        for server in self.servers:
            if server.proc.poll() is None:
                os.kill(server.proc.pid, signum)
        if signum == signal.SIGSTOP:
            self.stopped.append([time.monotonic(), float("inf")])
        elif self.stopped and self.stopped[-1][1] == float("inf"):
            self.stopped[-1][1] = time.monotonic()

    async def stop(self):
        for client in self.clients:
            await client.stop()
        if self.control is not None:
            await self.control.close()
        for server in self.servers:
            await asyncio.to_thread(server.stop)


# --- the run ---------------------------------------------------------------------------------

RESUMED = 0.1  # seconds a resumed server has to catch up (its timers, its sockets) before its round


async def run(args, env: dict, folder: Path, halls: dict) -> list[dict]:
    """Per number of clients: every server connected to N clients of its own, then the rounds
    taken in turn (round 1 of each server, round 2 of each, ...), each server alone on the
    machine during its own rounds: the others are stopped (SIGSTOP) and resumed after. This
    machine's speed moves by half within minutes: measured one after the other, a bare server
    run before the halls and again after them gave p99 88 and 57 ms at 1,000 clients, 158 and
    98 at 2,000, with its CPU per round 21 and 17 ms. Taken in turn, every server's rounds
    meet the same machine, and the ratio compares the servers rather than the minutes."""
    results = []
    for n in args.clients:
        setups = [Setup(kind, n, halls.get((kind, n)), args) for kind in args.servers]
        try:
            for setup in setups:
                await setup.start(env, folder)
                setup.signal(signal.SIGSTOP)
            print(f"  {n} clients each: {WARM_UP + args.rounds} rounds of {', '.join(args.servers)} in turn",
                  file=sys.stderr, flush=True)
            begin = time.monotonic()
            for r in range(WARM_UP + args.rounds):
                # Each round begins with the next server: none always follows the same one (a
                # server measured first after the others did worse in one order than the other).
                for setup in setups[r % len(setups):] + setups[:r % len(setups)]:
                    setup.signal(signal.SIGCONT)
                    await asyncio.sleep(RESUMED)
                    await setup.round(r)
                    await asyncio.sleep(args.pause)  # what the server does after the round, before it stops
                    setup.signal(signal.SIGSTOP)
            end = time.monotonic()
            for setup in setups:
                setup.signal(signal.SIGCONT)
            for setup in setups:
                result = await setup.result()
                result["gc_max"] = max((p for server in setup.servers
                                        for p in gc_pauses(server, begin, end, setup.stopped)), default=0.0)
                result["label"] = SERVERS[setup.kind]
                results.append(result)
                print(f"  measured {result['label']}, {n} clients: last client median {result['last_p50'] * 1000:.0f} ms,"
                      f" p99 {result['last_p99'] * 1000:.0f} ms", file=sys.stderr, flush=True)
        finally:
            for setup in setups:
                setup.signal(signal.SIGCONT)
                await setup.stop()
    return results


def report(results: list[dict], *, command: str, args, seconds: float):
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"command: {command}")
    print(f"machine: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, Python {platform.python_version()}; "
          f"{args.client_procs} client processes; {args.rounds} rounds after {WARM_UP} unmeasured, {args.pause} s apart")
    if args.conn_max_age is not None:
        print(f"WHAT-IF, not the served configuration: CONN_MAX_AGE {args.conn_max_age} s (DATABASE_URL ?conn_max_age=)")
    print("action: a bidder's sign_in over its WebSocket (bare: a control message of the same shape) ->"
          " the row on every client; ms from the action")
    print()
    print("clients  server                                        last client (ms)   every client (ms)   server RSS    ratio p99  |  "
          "missing dup gap  CPU/round  longest GC  connect")
    print("                                                       median      p99    median      p99     per conn    vs bare    |  "
          "                 (ms)       (ms)        (s)")
    bare = {r["n"]: r for r in results if r["kind"] == "bare"}
    for r in results:
        ratio = r["last_p99"] / bare[r["n"]]["last_p99"] if r["n"] in bare else float("nan")
        print(f"{r['n']:>7}  {r['label']:<45} {r['last_p50'] * 1000:7.1f} {r['last_p99'] * 1000:8.1f}"
              f"  {r['every_p50'] * 1000:8.1f} {r['every_p99'] * 1000:8.1f}  {r['per_connection'] / KiB:8.1f} KiB"
              f"  {ratio:8.2f}    |  {r['missing']:7d} {r['duplicates']:3d} {r['gaps']:3d}  {r['cpu_per_round'] * 1000:9.1f}"
              f"  {r['gc_max'] * 1000:10.0f}  {r['connect_seconds']:7.1f}")
        for error in r["errors"][:3]:
            print(f"         ! {error}")
    print("p99: linear interpolation over the rounds (last client) or rounds x clients (every client); ratio: to the"
          " bare server's, whose rounds alternated with the others';\nlongest GC: the longest garbage-collection pause of the server's processes"
          " during the rounds, none caught by a stop counted")
    print()
    for r in results:
        if r["kind"] != "bare" and r["n"] in bare and r["n"] >= 1000:
            ratio = r["last_p99"] / bare[r["n"]]["last_p99"]
            ok = ratio <= 1.5 and not r["missing"] and not r["duplicates"] and not r["gaps"] and not r["errors"]
            print(f"  {'PASS' if ok else 'FAIL'}  {SERVERS[r['kind']]}, {r['n']} clients: p99 (last client) "
                  f"{r['last_p99'] * 1000:.0f} ms = {ratio:.2f}x the bare server's {bare[r['n']]['last_p99'] * 1000:.0f} ms"
                  f" (goal <= 1.5x), every event once and in order; median "
                  f"{r['last_p50'] / bare[r['n']]['last_p50']:.2f}x")
    print(f"(whole run {seconds:.0f} s)")


def main() -> int:
    if "--client-proc" in sys.argv:
        return asyncio.run(client_proc())
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="100,1000,2000", help="numbers of clients, comma-separated (100,1000,2000)")
    parser.add_argument("--servers", default="bare,daphne,daphne2", help="which servers: bare,daphne,daphne2")
    parser.add_argument("--rounds", type=int, default=100, help="measured rounds per server and number of clients (100)")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between rounds (0.2)")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes (2)")
    parser.add_argument("--connect-concurrency", type=int, default=64, help="connections opened at once, in all (64)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6", help="Redis for daphne2 (redis://127.0.0.1:6379/6)")
    parser.add_argument("--round-timeout", type=float, default=30, help="seconds a round may take (30)")
    parser.add_argument("--connect-timeout", type=float, default=300, help="seconds to connect N clients (300)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the whole run may take (1800)")
    parser.add_argument("--tmp-dir", default=None, help="where the throwaway folder goes (the system's temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the folder (the servers' logs) for a look afterwards")
    what_if = parser.add_argument_group("what-if (not the served configuration; to measure a proposed change)")
    what_if.add_argument("--conn-max-age", type=int, default=None,
                         help="the servers keep their database connection this many seconds (CONN_MAX_AGE, "
                              "as DATABASE_URL's ?conn_max_age=; the settings' default: 0, a new one per query hop)")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    args.servers = [s for s in args.servers.split(",") if s]
    if unknown := set(args.servers) - set(SERVERS):
        parser.error(f"unknown servers: {', '.join(sorted(unknown))}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so `finally` cleans up on kill too
    limit = raise_open_files_limit()
    if limit < max(args.clients) + 200:
        parser.error(f"the open-files limit is {limit}: too low for {max(args.clients)} clients")
    command = shlex.join([os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else sys.executable,
                          *sys.argv])
    folder = Path(tempfile.mkdtemp(prefix="kaibiao-bench-hall-", dir=args.tmp_dir))
    env = environment(folder)
    server_env = dict(env)
    (folder / "gcprobe").mkdir()
    (folder / "gcprobe" / "sitecustomize.py").write_text(GC_PROBE)
    server_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(folder / "gcprobe"), env.get("PYTHONPATH")]))
    if args.conn_max_age is not None:
        server_env["DATABASE_URL"] += f"?conn_max_age={args.conn_max_age}"
    t0 = time.perf_counter()
    try:
        if "daphne2" in args.servers:
            import redis

            try:
                redis.Redis.from_url(args.redis_url, socket_connect_timeout=3).ping()
            except Exception as err:  # noqa: BLE001
                parser.error(f"Redis does not answer at {args.redis_url} ({err}); leave out daphne2 with --servers")
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                       cwd=ROOT, env=env, check=True, timeout=300)
        os.environ.update(env)
        sys.path[:0] = [str(ROOT)]
        import django

        django.setup()
        from django.db import connections

        kinds = [k for k in args.servers if k != "bare"]
        made = create_halls(len(kinds) * len(args.clients), WARM_UP + args.rounds)
        halls = {(kind, n): made.pop() for n in args.clients for kind in kinds}
        connections.close_all()

        async def bounded():
            async with asyncio.timeout(args.timeout):
                return await run(args, server_env, folder, halls)

        results = asyncio.run(bounded())
        report(results, command=command, args=args, seconds=time.perf_counter() - t0)
        return 0
    finally:
        for child in CHILDREN:  # what an interrupted run left running
            try:
                if (child.poll() if isinstance(child, subprocess.Popen) else child.returncode) is None:
                    child.kill()
            except Exception:  # noqa: BLE001 - already gone
                pass
        if args.keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
