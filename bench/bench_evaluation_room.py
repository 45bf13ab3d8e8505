"""Benchmark: the evaluation room's events delivered live to 9 experts and 20 watchers while all 9 experts score at once.

    .venv/bin/python bench/bench_evaluation_room.py [--scores 40] [--prefill 0] [--no-snapshots] [--servers 1]
    .venv/bin/python bench/bench_evaluation_room.py --database-url postgres://postgres@127.0.0.1:5432/h_bench \\
        --redis-url redis://127.0.0.1:6379/9

A lot of `--bids` (200) opened bids, a scoring table of `--items` (30) items and a committee of
`--experts` (9) seated members, its room in the scoring step (tests/evaluation/scoring_room.py), in
a throwaway SQLite database, or in the PostgreSQL database --database-url names (emptied first).
`--prefill` of the bids are already scored by every member (written straight to the table), so the
scoring can be measured late as well as early. One Daphne (`python -m kaibiao.serve`, as `make run`
serves it; `--servers 2`: two, the connections split between them) with the in-memory channel
layer, or Redis with --redis-url. Connected to the room over real WebSockets, each with a session
of its own: the 9 experts and `--watchers` (20) watchers, half of them the center's staff and
half supervisors (city and province), in `--client-procs` (2) client processes of their own.

Then all experts score at once: each sends record_score commands over its socket (a new bid and
item each time, so each command appends one `scoring_progress` event), the next as soon as the
answer to the last has come (or, with `--pace` S, after a think of S/2 to 3S/2 seconds, as a person
scores), `--scores` (40) commands each. Every connection behaves as the page
does (frontend/js/src/pages/room-page.js): 150 ms after an event it asks for a snapshot, once per
pause; `--no-snapshots` leaves that out and measures the fan-out alone. Measured:
- per event and client: the time from the answer to the command that appended it (as its
  sender's process received the answer) until the client received the event: p50, p95, p99, max
  over events x clients, and over events for the last client of each (negative: the event came
  before the answer);
- the commands' round trip (sent until answered), and the commands per second (all of them,
  from the first sent to the last answered);
- the snapshots the clients asked for: how many, and their round trip;
- every client received every event of the run exactly once and in order (missing, duplicate,
  out of order counted);
- the server's CPU time per command and its resident memory.
All processes read the same CLOCK_MONOTONIC. Everything runs on 127.0.0.1; the folder (SQLite,
logs) is removed at the end (--keep keeps it). Needs the test extra (factory_boy).
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hall_rounds import percentile  # bench/ is the script's folder: first on sys.path
from hall_servers import CHILDREN, ROOT, MiB, Server
from throwaway import environment

SNAPSHOT_PAUSE = 0.150  # room-page.js's SNAPSHOT_PAUSE_MS: events that come together get one snapshot


# --- a client process (bench_evaluation_room.py --client-proc) --------------------------------


class Conn:
    """One person's connection: what it received and when; an expert's commands and answers."""

    def __init__(self, spec: dict, page: bool):
        self.spec, self.page = spec, page
        self.ws = None
        self.events: list = []  # [seq, at, kind, member, scored] in the order received
        self.pending: dict[str, asyncio.Future] = {}
        self.commands: list = []  # [sent, answered, answer's type, its message]
        self.snapshot_asked = None  # when the snapshot under way was asked for
        self.snapshots: list = []  # each asked snapshot's round trip
        self.snapshot_sizes: list = []  # every snapshot received after the first, in bytes
        self.timer = None
        self.member_id = None
        self.last_seq = 0
        self.top = 0  # the highest event number received
        self.snapshot_top = 0  # the last snapshot's last_seq: events up to it are in it (a replay)

    async def open(self):
        from websockets.asyncio.client import connect

        spec = self.spec
        self.ws = await connect(spec["url"], origin=spec["origin"], additional_headers={"Cookie": spec["cookie"]},
                                compression=None, ping_interval=None, open_timeout=120, max_queue=None,
                                max_size=64 * MiB)
        first = json.loads(await asyncio.wait_for(self.ws.recv(), 120))
        if first.get("type") != "snapshot" or first["you"]["role"] != spec["role"]:
            raise RuntimeError(f"{spec['name']}: the first message is not its snapshot as {spec['role']}: {str(first)[:300]}")
        self.member_id, self.last_seq = first["you"]["member_id"], first["last_seq"]

    async def read(self):
        from websockets import ConnectionClosed

        try:
            async for text in self.ws:
                at = time.monotonic()
                message = json.loads(text)
                kind = message.get("type")
                if kind == "event":
                    data = message.get("data") or {}
                    self.events.append([message["seq"], at, message["kind"], data.get("member"), data.get("scored"),
                                        message["seq"] <= self.snapshot_top])
                    self.top = max(self.top, message["seq"])
                    if self.page and self.timer is None:
                        self.timer = asyncio.get_running_loop().call_later(SNAPSHOT_PAUSE, self.ask_snapshot)
                elif kind == "snapshot":
                    self.snapshot_top = message["last_seq"]
                    self.snapshot_sizes.append(len(text.encode()))
                    if self.snapshot_asked is not None:
                        self.snapshots.append(at - self.snapshot_asked)
                        self.snapshot_asked = None
                elif message.get("ref") in self.pending:
                    self.pending.pop(message["ref"]).set_result((at, message))
        except ConnectionClosed:
            pass

    def ask_snapshot(self):
        """As the page: one snapshot asked per pause after events (the timer is not re-armed
        until it fires); the round trip is timed for those asked while none is under way."""
        self.timer = None
        if self.snapshot_asked is None:
            self.snapshot_asked = time.monotonic()
        asyncio.ensure_future(self._send_quietly(json.dumps({"type": "snapshot"})))

    async def _send_quietly(self, text: str):
        from websockets import ConnectionClosed

        try:
            await self.ws.send(text)
        except ConnectionClosed:  # the run is over
            pass

    async def score(self, pace: float):
        """Send the expert's commands, each as soon as the last is answered, or (`pace`) after
        a think of pace/2 to 3*pace/2 seconds from the last answer, as a person scoring."""
        think = random.Random(self.spec["name"])
        for n, (bid_id, item_id, points) in enumerate(self.spec["commands"]):
            if pace and n:
                await asyncio.sleep(pace * (0.5 + think.random()))
            ref = str(n)
            future = self.pending[ref] = asyncio.get_running_loop().create_future()
            sent = time.monotonic()
            await self.ws.send(json.dumps({"type": "record_score", "bid_id": bid_id, "item_id": item_id,
                                           "points": points, "ref": ref}))
            answered, answer = await asyncio.wait_for(future, 300)
            self.commands.append([sent, answered, answer.get("type"), answer.get("message")])


async def client_proc() -> int:
    """Read the job from stdin (connections, whether they behave as the page); connect; then
    answer the orchestrator's lines: 'go' -> the experts score, 'acted' when they all have;
    'until <seq>' -> wait until every connection has event <seq> (or `wait` seconds), then
    everything measured."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * MiB)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    job = json.loads(await reader.readline())
    conns = [Conn(spec, job["page"]) for spec in job["conns"]]

    def say(message: dict):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    try:
        await asyncio.gather(*(c.open() for c in conns))
    except Exception as err:  # noqa: BLE001
        say({"error": str(err)})
        return 1
    readers = [asyncio.create_task(c.read()) for c in conns]
    say({"ready": [{"name": c.spec["name"], "member_id": c.member_id, "last_seq": c.last_seq} for c in conns]})
    while line := (await reader.readline()).decode().strip():
        command, _, value = line.partition(" ")
        if command == "go":
            try:
                await asyncio.gather(*(c.score(job["pace"]) for c in conns if c.spec["commands"]))
                say({"acted": True})
            except Exception as err:  # noqa: BLE001
                say({"acted": False, "error": repr(err)})
        elif command == "until":
            seq, deadline = int(value), time.monotonic() + job["wait"]
            while not all(c.top >= seq for c in conns) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(SNAPSHOT_PAUSE + 0.5)  # late duplicates, if any, and the last snapshots
            say({"conns": [{"name": c.spec["name"], "role": c.spec["role"], "member_id": c.member_id,
                            "events": c.events, "commands": c.commands, "snapshots": c.snapshots,
                            "snapshot_sizes": c.snapshot_sizes} for c in conns]})
        elif command == "quit":
            break
    await asyncio.gather(*(c.ws.close() for c in conns), return_exceptions=True)
    for task in readers:
        task.cancel()
    return 0


class ClientProc:
    def __init__(self, proc):
        self.proc = proc

    @classmethod
    async def start(cls, job: dict):
        proc = await asyncio.create_subprocess_exec(sys.executable, __file__, "--client-proc", stdin=subprocess.PIPE,
                                                    stdout=subprocess.PIPE, cwd=ROOT, limit=256 * MiB)
        CHILDREN.append(proc)
        self = cls(proc)
        await self.send(json.dumps(job))
        return self

    async def send(self, line: str):
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()

    async def read(self, timeout: float) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"client process {self.proc.pid} exited ({await self.proc.wait()})")
        message = json.loads(line)
        if "error" in message:
            raise RuntimeError(f"client process {self.proc.pid}: {message['error']}")
        return message

    async def stop(self):
        if self.proc.returncode is None:
            try:
                await self.send("quit")
                await asyncio.wait_for(self.proc.wait(), 30)
            except (Exception, asyncio.CancelledError):  # noqa: BLE001
                self.proc.kill()
                await self.proc.wait()


# --- the lot and its people --------------------------------------------------------------------


def build(args) -> dict:
    """The lot in its scoring step, `--prefill` of its bids scored by every member, and a
    session for each expert and watcher."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from tests.evaluation.scoring_room import scored_directly, scoring_room
    from tests.trading.factories import UserFactory, supervisor
    from trading.choices import Role

    lot = scoring_room(bids=args.bids, members=args.experts, items=args.items,
                       prices=[f"{40_000_000 + 12_345 * n}.00" for n in range(args.bids)])
    pick = random.Random(2026)
    done = int(args.bids * args.prefill)
    if done:
        scored = lot.bids
        lot.bids = scored[:done]
        scored_directly(lot, lambda i, j, k: str(pick.randint(8, 18)), submitted=False)
        lot.bids = scored
    center, province = lot.people.city, lot.people.province
    watchers = [("staff", UserFactory(role=Role.STAFF, center=center, password=None)) for _ in range(args.watchers // 2)]
    watchers += [("supervisor", supervisor(center if n % 2 else province, password=None))
                 for n in range(args.watchers - len(watchers))]

    def cookie(user) -> str:
        session = SessionStore()
        session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                        HASH_SESSION_KEY: user.get_session_auth_hash()})
        session.create()
        return f"sessionid={session.session_key}"

    left = [(bid.pk, item.pk) for bid in lot.bids[done:] for item in lot.items]
    if args.scores > len(left):
        raise SystemExit(f"--scores {args.scores}: only {len(left)} scores are left to give after --prefill")
    people = [{"name": f"expert{i + 1}", "role": "member", "cookie": cookie(lot.user(i)), "prefilled": done * args.items,
               "commands": [[b, k, str(pick.randint(8, 18))] for b, k in left[:args.scores]]}
              for i in range(args.experts)]
    people += [{"name": f"{role}{n + 1}", "role": role, "cookie": cookie(user), "commands": []}
               for n, (role, user) in enumerate(watchers)]
    lot.room.refresh_from_db()
    from django.db import connections

    connections.close_all()  # the servers have the database to themselves
    return {"lot": lot.lot_id, "room": lot.room.pk, "after": lot.room.last_seq, "people": people}


def last_seq(room_id: int) -> int:
    from django.db import connections

    from evaluation.models import EvaluationRoom

    try:
        return EvaluationRoom.objects.values_list("last_seq", flat=True).get(pk=room_id)
    finally:
        connections.close_all()


# --- the run -----------------------------------------------------------------------------------


async def run(args, env: dict, folder: Path, made: dict) -> dict:
    servers = [Server(f"daphne{n + 1}", [sys.executable, "-m", "kaibiao.serve", "-b", "127.0.0.1", "-p", "PORT",
                                         "kaibiao.asgi:application"], env, folder) for n in range(args.servers)]
    clients = []
    try:
        for server in servers:
            await asyncio.to_thread(server.wait_listening)
        idle = sum(s.rss for s in servers)
        people = made["people"]
        for n, person in enumerate(people):
            port = servers[n % len(servers)].port
            person.update(url=f"ws://127.0.0.1:{port}/ws/evaluation/{made['lot']}/?after={made['after']}",
                          origin=f"http://127.0.0.1:{port}")
        shares = [people[i::args.client_procs] for i in range(args.client_procs)]
        clients = [await ClientProc.start({"conns": share, "page": not args.no_snapshots, "wait": args.wait,
                                          "pace": args.pace})
                   for share in shares if share]
        ready = [c for client in clients for c in (await client.read(300))["ready"]]
        print(f"  {len(ready)} connections in the room; the experts score", file=sys.stderr, flush=True)
        await asyncio.sleep(1)
        loaded, cpu = sum(s.rss for s in servers), sum(s.cpu for s in servers)
        for client in clients:
            await client.send("go")
        for client in clients:
            acted = await client.read(args.timeout)
            if not acted.get("acted"):
                raise RuntimeError(f"the experts' commands: {acted}")
        cpu = sum(s.cpu for s in servers) - cpu
        busy = sum(s.rss for s in servers)
        final = await asyncio.to_thread(last_seq, made["room"])
        for client in clients:
            await client.send(f"until {final}")
        conns = [c for client in clients for c in (await client.read(args.wait + 60))["conns"]]
        logs = {s.name: s.log.read_text(errors="replace") for s in servers}
        return {"conns": conns, "after": made["after"], "final": final, "cpu": cpu, "idle": idle, "loaded": loaded,
                "busy": busy, "logs": logs}
    finally:
        for client in clients:
            await client.stop()
        for server in servers:
            await asyncio.to_thread(server.stop)


def figures(values: list[float]) -> str:
    if not values:
        return "none"
    ms = [v * 1000 for v in values]
    return (f"p50 {percentile(ms, 50):7.1f}  p95 {percentile(ms, 95):7.1f}  p99 {percentile(ms, 99):7.1f}  "
            f"max {max(ms):7.1f}  (min {min(ms):.1f}; n {len(ms)})")


def report(args, made: dict, out: dict) -> int:
    conns, after, final = out["conns"], out["after"], out["final"]
    experts = [c for c in conns if c["commands"]]
    # The event a command appended: its member's `scored` count, one more with each new score.
    answer = {}
    for c in experts:
        prefilled = next(p["prefilled"] for p in made["people"] if p["name"] == c["name"])
        for n, (sent, answered, kind, _message) in enumerate(c["commands"]):
            answer[c["member_id"], prefilled + n + 1] = (sent, answered)
    errors = [(c["name"], kind, message) for c in experts for _s, _a, kind, message in c["commands"] if kind != "ok"]
    expected = list(range(after + 1, final + 1))
    by_event: dict[int, list] = {}
    from_answer, from_sent, unmatched = [], [], set()
    missing = duplicates = replayed = disorder = 0
    for c in conns:
        seen: set = set()
        for seq, at, kind, member, scored, in_replay in c["events"]:
            if seq in seen:  # counted, not timed: the first receipt is the one a client acts on
                duplicates += 1
                replayed += in_replay
                continue
            disorder += bool(seen) and seq < max(seen)
            seen.add(seq)
            times = answer.get((member, scored)) if kind == "scoring_progress" else None
            if times is None:
                unmatched.add((seq, kind))
                continue
            from_answer.append(at - times[1])
            from_sent.append(at - times[0])
            by_event.setdefault(seq, []).append(at - times[1])
        missing += len(set(expected) - seen)
    commands = [(sent, answered) for c in experts for sent, answered, _k, _m in c["commands"]]
    span = max(a for _s, a in commands) - min(s for s, _a in commands)
    snapshots = [s for c in conns for s in c["snapshots"]]
    layer = "Redis " + args.redis_url if args.redis_url else "in-memory"
    print(f"command: {args.command}")
    print(f"machine: {os.cpu_count()} CPUs, busy (load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end)")
    print(f"{args.bids} bids x {args.items} items, {args.experts} experts scoring at once ({args.scores} record_score each,"
          f" {int(args.bids * args.prefill)} bids already scored by all"
          f"{f', thinking {args.pace} s on average between scores' if args.pace else ', as fast as answers come'}),"
          f" {args.watchers} watchers; "
          f"{args.servers} Daphne, {layer} layer, {made['database']}; "
          f"{'no snapshots asked' if args.no_snapshots else 'each client asks a snapshot 150 ms after events, as the page'}")
    print(f"events {after + 1}..{final} ({final - after}), {len(conns)} clients, {len(commands)} commands "
          f"({len(errors)} refused) in {span:.1f} s: {len(commands) / span:.1f} commands/s")
    print(f"  event received, from its command's answer (ms)     {figures(from_answer)}")
    print(f"  ... the last client of each event (ms)             {figures([max(v) for v in by_event.values()])}")
    print(f"  event received, from its command's sending (ms)    {figures(from_sent)}")
    print(f"  command round trip, sent to answered (ms)          {figures([a - s for s, a in commands])}")
    sizes = [n for c in conns for n in c["snapshot_sizes"]]
    if sizes:
        print(f"  snapshots received: {len(sizes)} ({len(sizes) / len(conns):.0f} a client, "
              f"{len(sizes) / max(1, final - after):.1f} an event), median {statistics.median(sizes) / 1024:.0f} KiB, "
              f"largest {max(sizes) / 1024:.0f} KiB")
        print(f"  a snapshot asked while none was under way, until the next came (ms)   {figures(snapshots)}")
    print(f"  every event to every client once and in order: missing {missing}, duplicates {duplicates} "
          f"({replayed} of them sent again with a snapshot), out of order {disorder} (first receipts), "
          f"not matched to a command {len(unmatched)}"
          f" -> {'YES' if not (missing or duplicates or disorder or unmatched) else 'NO'}")
    print(f"  server CPU {out['cpu']:.1f} s ({out['cpu'] / max(1, len(commands)) * 1000:.1f} ms a command); RSS "
          f"{out['idle'] / MiB:.0f} MiB idle, {out['loaded'] / MiB:.0f} with the clients, {out['busy'] / MiB:.0f} after the run")
    for name, kind, message in errors[:5]:
        print(f"  ! {name}: {kind} {message}")
    for name, text in out["logs"].items():
        noted = [line for line in text.splitlines() if "WARNING" in line or "ERROR" in line or "Traceback" in line]
        if noted:
            print(f"  ! {name}'s log: {len(noted)} warnings/errors, first: {noted[0][:200]}")
    return 0 if not (missing or duplicates or disorder or errors or unmatched) else 1


def main() -> int:
    if "--client-proc" in sys.argv:
        return asyncio.run(client_proc())
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bids", type=int, default=200)
    parser.add_argument("--experts", type=int, default=9)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--watchers", type=int, default=20, help="staff and supervisors watching (20)")
    parser.add_argument("--scores", type=int, default=40, help="record_score commands each expert sends (40)")
    parser.add_argument("--pace", type=float, default=0.0,
                        help="seconds an expert thinks between an answer and the next score, on average "
                             "(0: none, as fast as answers come)")
    parser.add_argument("--prefill", type=float, default=0.0, help="share of the bids every member has scored before (0)")
    parser.add_argument("--no-snapshots", action="store_true", help="clients do not ask for snapshots after events")
    parser.add_argument("--servers", type=int, default=1, help="Daphne processes (1)")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes (2)")
    parser.add_argument("--database-url", default="", help="PostgreSQL (emptied first); SQLite in the folder by default")
    parser.add_argument("--redis-url", default="", help="the Redis channel layer; the in-memory one by default")
    parser.add_argument("--wait", type=float, default=120, help="seconds the clients wait for the last event (120)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds the scoring may take (1800)")
    parser.add_argument("--keep", action="store_true", help="keep the folder (the servers' logs)")
    args = parser.parse_args()
    args.command = " ".join([os.path.relpath(sys.executable), *sys.argv])
    if args.servers > 1 and not args.redis_url:
        parser.error("--servers 2 needs --redis-url: processes hear each other's events through the layer")
    folder = Path(tempfile.mkdtemp(prefix="bench-evaluation-room-"))
    env = environment(folder)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "flush", "--noinput"], env=env, check=False,
                       capture_output=True)
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        started = time.perf_counter()
        made = build(args)
        made["database"] = env["DATABASE_URL"].split(":")[0]
        print(f"  the lot built in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
        server_env = {**env, "REDIS_URL": args.redis_url} if args.redis_url else env
        out = asyncio.run(run(args, server_env, folder, made))
        return report(args, made, out)
    finally:
        for child in CHILDREN:
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
