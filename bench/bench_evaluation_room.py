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

from room_clients import SNAPSHOT_PAUSE, ClientProc, client_proc  # noqa: F401


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
