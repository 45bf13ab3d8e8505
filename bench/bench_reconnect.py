"""Benchmark: a reconnect storm. A server restarts and every client of its room comes back at once.

    .venv/bin/python bench/bench_reconnect.py [--clients 2000] [--servers bare,daphne,daphne2] [--rounds 3]

N clients (in --client-procs processes of their own) are connected to one hall (as the public
is) and have seen every event. The server is killed (SIGKILL, as a crash); while it is down the
hall goes on: a bidder signs in through the service from another process, so every client has
missed an event. The server starts again on the same port; once it listens, every client is
told to reconnect at once, with ?after=<the last number it saw>, and is caught up when it has
the snapshot and the missed event. Measured: the time from "reconnect" until the LAST client
is caught up, and every client's own time (median, p99).

The yardstick: bench/bare_broadcast.py restarted the same way, each client caught up when the
first message arrives (the bare server greets a new connection with a message the size of the
hall's snapshot). Ratio: the hall's last-client time / the bare server's. The goal (issue 14):
at most 5x, at 2,000 clients.

  daphne   one Daphne as `make run` serves it (SQLite, in-memory layer);
  daphne2  two Daphne processes with the Redis layer (--redis-url), the clients split between them.

Everything runs on 127.0.0.1 in a throwaway folder removed at the end. Needs the test extra."""

import argparse
import asyncio
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_hall  # bench/ is the script's folder: first on sys.path
from throwaway import environment, stop_process, wait_listening

ROOT = Path(__file__).resolve().parent.parent


# --- a client process ------------------------------------------------------------------------


async def client_proc() -> int:
    """Read the job (targets, the number to wait for) from stdin; connect everything; then on
    'go' reconnect every socket at once and report each one's catch-up time."""
    from websockets.asyncio.client import connect

    bench_hall.raise_open_files_limit()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 24)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    job = json.loads(await reader.readline())
    targets, room = job["targets"], job["room"]
    last = [job["after"]] * len(targets)
    gate = asyncio.Semaphore(64)  # the first connections only: the storm itself is not held back

    def say(message: dict):
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    async def catch_up(index: int, until: int, *, first=False) -> float:
        url, origin = targets[index]
        if room:
            url = f"{url}?after={last[index]}"
        for attempt in range(20):
            try:
                ws = await connect(url, origin=origin, compression=None, ping_interval=None, open_timeout=120,
                                   max_queue=None)
                break
            except OSError:  # the server not listening yet, or its backlog full: as a browser, again
                await asyncio.sleep(0.05 * (attempt + 1))
        else:
            raise RuntimeError(f"client {index}: no connection")
        caught = False
        while not caught:
            message = json.loads(await asyncio.wait_for(ws.recv(), 120))
            if not room:
                caught = True
            elif message.get("type") == "event":
                last[index] = max(last[index], message["seq"])
                caught = last[index] >= until
            elif message.get("type") == "snapshot" and first:
                caught = message["last_seq"] >= until
        done = time.monotonic()
        sockets[index] = ws
        return done

    sockets: list = [None] * len(targets)

    async def first(index):
        async with gate:
            await catch_up(index, job["after"], first=True)

    await asyncio.gather(*(first(i) for i in range(len(targets))))
    say({"ready": len(targets)})
    while line := (await reader.readline()).decode().strip():
        command, _, value = line.partition(" ")
        if command == "go":  # the server is back: everyone at once
            until = int(value)
            started = time.monotonic()
            for ws in sockets:
                ws.transport.abort() if ws.transport is not None else None  # its server is gone
            times = await asyncio.gather(*(catch_up(i, until) for i in range(len(targets))), return_exceptions=True)
            errors = [repr(t) for t in times if isinstance(t, BaseException)]
            say({"times": [t - started for t in times if not isinstance(t, BaseException)], "errors": errors[:3],
                 "started": started})
        elif command == "quit":
            break
    return 0


# --- the orchestrator ------------------------------------------------------------------------


class Servers:
    """One server (one or two processes), killed and started again on the same ports."""

    def __init__(self, kind: str, env: dict, folder: Path, redis_url: str, greeting: Path):
        self.kind, self.folder = kind, folder
        if kind == "bare":
            argv = [sys.executable, str(ROOT / "bench" / "bare_broadcast.py"), "--port", "PORT", "--greeting",
                    str(greeting)]
            self.processes = [(argv, env)]
        else:
            argv = [sys.executable, "-m", "kaibiao.serve", "-b", "127.0.0.1", "-p", "PORT", "kaibiao.asgi:application"]
            envs = [env] if kind == "daphne" else [{**env, "REDIS_URL": redis_url}] * 2
            self.processes = [(argv, e) for e in envs]
        self.ports = [bench_hall.free_port() for _ in self.processes]
        self.procs = []

    def start(self):
        self.procs = []
        for (argv, env), port in zip(self.processes, self.ports, strict=True):
            log = self.folder / f"{self.kind}-{port}.log"
            with open(log, "ab") as out:
                proc = subprocess.Popen([a.replace("PORT", str(port)) for a in argv], cwd=ROOT, env=env, stdout=out,
                                        stderr=subprocess.STDOUT)
            self.procs.append((proc, port, log))
        for proc, port, log in self.procs:
            wait_listening(proc, port, self.kind, log)

    def kill(self):
        for proc, _port, _log in self.procs:
            proc.kill()
            proc.wait(10)

    def stop(self):
        for proc, _port, _log in self.procs:
            stop_process(proc)


async def start_clients(targets: list, procs: int, *, room: bool, after: int) -> list:
    clients = []
    for part in (targets[i::procs] for i in range(procs)):
        proc = await asyncio.create_subprocess_exec(sys.executable, __file__, "--client", stdin=subprocess.PIPE,
                                                    stdout=subprocess.PIPE, limit=1 << 24)
        proc.stdin.write((json.dumps({"targets": part, "room": room, "after": after}) + "\n").encode())
        await proc.stdin.drain()
        clients.append(proc)
    for proc in clients:
        ready = json.loads(await asyncio.wait_for(proc.stdout.readline(), 600))
        assert "ready" in ready, ready
    return clients


def sign_in_meanwhile(hall: dict, bidder: int) -> int:
    """A bidder signs in through the service while the server is down: the event every client
    misses. Returns its number."""
    from bidding import hall as hall_services
    from bidding.models import OpeningHall
    from trading.models import User

    hall_services.sign_in(actor=User.objects.get(username=hall["bidders"][bidder]), lot_id=hall["lot"],
                          nonce=secrets.token_hex(32))
    return OpeningHall.objects.get(lot_id=hall["lot"]).last_seq


async def storm(kind: str, args, env: dict, folder: Path, hall: dict, greeting: Path) -> list[dict]:
    servers = Servers(kind, env, folder, args.redis_url, greeting)
    servers.start()
    room = kind != "bare"
    after = hall["last_seq"]
    targets = [[f"ws://127.0.0.1:{servers.ports[i % len(servers.ports)]}" +
                (f"/ws/halls/{hall['lot']}/" if room else "/clients"),
                f"http://127.0.0.1:{servers.ports[i % len(servers.ports)]}"] for i in range(args.clients)]
    clients = await start_clients(targets, args.client_procs, room=room, after=after)
    results = []
    try:
        for r in range(args.rounds):
            servers.kill()
            until = await asyncio.to_thread(sign_in_meanwhile, hall, hall["next"]) if room else 0
            hall["next"] += room
            await asyncio.to_thread(servers.start)
            for proc in clients:
                proc.stdin.write(f"go {until}\n".encode())
                await proc.stdin.drain()
            reports = [json.loads(await asyncio.wait_for(proc.stdout.readline(), 900)) for proc in clients]
            begin = min(rep["started"] for rep in reports)
            times = [t + rep["started"] - begin for rep in reports for t in rep["times"]]
            errors = [e for rep in reports for e in rep["errors"]]
            results.append({"kind": kind, "round": r, "last": max(times) if times else float("nan"),
                            "median": bench_hall.percentile(times, 50), "p99": bench_hall.percentile(times, 99),
                            "caught": len(times), "errors": errors})
            print(f"  {kind} round {r + 1}: {len(times)}/{args.clients} caught up, last after {results[-1]['last']:.2f} s"
                  + (f"; errors {errors}" if errors else ""), file=sys.stderr, flush=True)
            await asyncio.sleep(1)
    finally:
        for proc in clients:
            proc.stdin.write(b"quit\n")
            await proc.stdin.drain()
            await proc.wait()
        servers.stop()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--servers", default="bare,daphne,daphne2")
    parser.add_argument("--rounds", type=int, default=3, help="restarts per server (3)")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/6")
    args = parser.parse_args()
    if args.client:
        return asyncio.run(client_proc())
    bench_hall.raise_open_files_limit()
    folder = Path(tempfile.mkdtemp(prefix="kaibiao-bench-reconnect-"))
    try:
        env = environment(folder)
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                       check=True, timeout=300)
        import os

        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        from bidding.models import BidOpening

        hall = bench_hall.create_halls(1, 3 * args.rounds)[0]
        hall["bidders"] = list(BidOpening.objects.filter(hall__lot_id=hall["lot"]).order_by("order")
                               .values_list("bid__created_by__username", flat=True))
        hall["next"] = 0
        snapshot_size = len(json.dumps(_public_snapshot(hall["lot"]), ensure_ascii=False).encode())
        connections.close_all()
        greeting = folder / "greeting.json"
        greeting.write_text(json.dumps({"type": "snapshot", "padding": "x" * max(0, snapshot_size - 40)}))
        results = []
        for kind in args.servers.split(","):
            results += asyncio.run(storm(kind, args, env, folder, hall, greeting))
        report(results, args, snapshot_size)
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _public_snapshot(lot_id: int) -> dict:
    from bidding import hall as hall_services
    from bidding.models import OpeningHall

    hall = OpeningHall.objects.select_related("lot__project").get(lot_id=lot_id)
    return hall_services.snapshot(hall, hall_services.viewer_for(None, lot_id)[1])


def report(results: list[dict], args, snapshot_size: int) -> None:
    print(f"command: {' '.join(sys.argv)}")
    print(f"{args.clients} clients, {args.rounds} restarts each; the hall's snapshot {snapshot_size} bytes")
    by_kind = {}
    for row in results:
        by_kind.setdefault(row["kind"], []).append(row)
    bare = by_kind.get("bare")
    bare_last = sorted(r["last"] for r in bare)[len(bare) // 2] if bare else None
    print(f"{'server':10} {'last client (s), each round':32} {'median last':>11} {'client p50':>10} {'client p99':>10} ratio")
    for kind, rows in by_kind.items():
        lasts = sorted(r["last"] for r in rows)
        median_last = lasts[len(lasts) // 2]
        ratio = f"{median_last / bare_last:.1f}x" if bare_last and kind != "bare" else ""
        print(f"{kind:10} {' '.join(f'{r['last']:.2f}' for r in rows):32} {median_last:11.2f} "
              f"{sorted(r['median'] for r in rows)[len(rows) // 2]:10.2f} {sorted(r['p99'] for r in rows)[len(rows) // 2]:10.2f} "
              f"{ratio}")
    if bare_last:
        for kind, rows in by_kind.items():
            if kind != "bare":
                median_last = sorted(r["last"] for r in rows)[len(rows) // 2]
                verdict = "PASS" if median_last <= 5 * bare_last else "FAIL"
                print(f"  {verdict}  {kind}: the last of {args.clients} clients caught up {median_last:.2f} s after the "
                      f"restart = {median_last / bare_last:.1f}x the bare server's {bare_last:.2f} s (goal <= 5x)")


if __name__ == "__main__":
    sys.exit(main())
