"""Benchmark: one opening hall's broadcast against a bare `websockets` broadcast server.

Benchmark: one opening hall's broadcast, measured against a bare `websockets` broadcast server
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
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench/ is the script's folder: first on sys.path. The names other scripts use from here
# (bench_reconnect.py, bench_hall_arrivals.py) are in __all__.
from hall_clients import client_proc, raise_open_files_limit
from hall_rounds import WARM_UP, Setup, percentile
from hall_servers import CHILDREN, GC_PROBE, ROOT, SERVERS, KiB, Server, create_halls, gc_pauses, start_servers
from throwaway import environment, free_port

__all__ = ["SERVERS", "Server", "create_halls", "free_port", "main", "percentile", "raise_open_files_limit",
           "start_servers"]


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
