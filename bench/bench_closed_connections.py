"""Benchmark: the memory a server keeps for hall connections that came, stayed a while and left.

    .venv/bin/python bench/bench_closed_connections.py [--clients 500] [--rounds 8] [--hold 12]

One Daphne as `make run` serves it (kaibiao.serve, SQLite, in-memory layer) and one hall. Each
round, --clients public viewers connect to the hall, stay --hold seconds (long enough for the
server's tick to freeze them out of the collector's way: kaibiao.serve.LongLived) and close; the
server's resident memory (VmRSS) is read --settle seconds later. Printed: the memory after each
round and its growth per round. Closed connections are cycles that only a sweep collects
(issue 15: with an hourly sweep alone, about 9 MB per 500 connections stayed each round).

Everything runs on 127.0.0.1 in a throwaway folder removed at the end. Needs the test extra."""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hall_servers import MiB, Server, create_halls
from throwaway import environment

ROOT = Path(__file__).resolve().parent.parent


async def visit(port: int, lot: int, clients: int, hold: float) -> None:
    from websockets.asyncio.client import connect

    gate = asyncio.Semaphore(64)

    async def one():
        async with gate:
            socket = await connect(f"ws://127.0.0.1:{port}/ws/halls/{lot}/", origin=f"http://127.0.0.1:{port}",
                                   compression=None, ping_interval=None, open_timeout=60)
            await socket.recv()  # the snapshot: the connection is in the hall
        return socket

    sockets = await asyncio.gather(*(one() for _ in range(clients)))
    await asyncio.sleep(hold)
    await asyncio.gather(*(s.close() for s in sockets))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--hold", type=float, default=12, help="seconds the viewers stay (12)")
    parser.add_argument("--settle", type=float, default=15, help="seconds after they leave before reading (15)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kaibiao-bench-closed-"))
    env = environment(folder)
    server = None
    try:
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                       cwd=ROOT, env=env, check=True, timeout=300)
        os.environ.update(env)
        sys.path[:0] = [str(ROOT)]
        import django

        django.setup()
        from django.db import connections

        lot = create_halls(1, 3)[0]["lot"]  # three bids: fewer fail the opening
        connections.close_all()
        server = Server("daphne", [sys.executable, "-m", "kaibiao.serve", "-b", "127.0.0.1", "-p", "PORT",
                                   "kaibiao.asgi:application"], env, folder)
        server.wait_listening()
        time.sleep(args.settle)
        start = server.rss
        print(f"{args.clients} viewers a round, staying {args.hold:.0f} s; memory {args.settle:.0f} s after they left")
        print(f"before: {start / MiB:.1f} MiB")
        previous = start
        for round_ in range(1, args.rounds + 1):
            asyncio.run(visit(server.port, lot, args.clients, args.hold))
            time.sleep(args.settle)
            now = server.rss
            print(f"round {round_}: {now / MiB:.1f} MiB ({(now - previous) / MiB:+.1f})", flush=True)
            previous = now
        print(f"growth over {args.rounds} rounds: {(previous - start) / MiB:+.1f} MiB, "
              f"{(previous - start) / MiB / args.rounds:+.2f} MiB a round")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
