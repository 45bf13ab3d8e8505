"""Benchmark: a hall command while all the hall's clients arrive at once.

Benchmark: a hall command while the hall's clients all arrive at once (a restarted server's
clients coming back). One Daphne as `make run` serves it (SQLite, in-memory layer), in a throwaway
folder; a bidder connects, then N public clients connect at once, and one second later the
bidder signs in: the time until its answer, and how many of the N had arrived by then.

    .venv/bin/python bench/bench_hall_arrivals.py [N, default 1000]

Needs the test extra (tests/trading/factories.py, tests/bidding/factories.py: factory_boy)."""

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_hall  # bench/ is the script's folder: first on sys.path
from throwaway import environment

ROOT = Path(__file__).resolve().parent.parent


async def measure(n: int, hall: dict, port: int) -> str:
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws/halls/{hall['lot']}/?after={hall['last_seq']}"
    origin = f"http://127.0.0.1:{port}"

    async def arrive(**headers):
        ws = await connect(url, origin=origin, additional_headers=headers, compression=None, ping_interval=None,
                           open_timeout=300, max_queue=None)
        await ws.recv()  # the snapshot: arrived
        return ws

    bidder = await arrive(Cookie=f"sessionid={hall['sessions'][0]}")
    started = time.monotonic()
    arrivals = [asyncio.ensure_future(arrive()) for _ in range(n)]
    await asyncio.sleep(1.0)
    arrived_before = sum(a.done() for a in arrivals)
    sent = time.monotonic()
    await bidder.send(json.dumps({"type": "sign_in", "nonce": secrets.token_hex(32), "ref": "bench"}))
    while (reply := json.loads(await bidder.recv())).get("ref") != "bench":
        pass
    answered = time.monotonic()
    arrived_by_answer = sum(a.done() for a in arrivals)
    sockets = await asyncio.gather(*arrivals)
    finished = time.monotonic()
    for ws in [bidder, *sockets]:
        await ws.close()
    return (f"N={n}: sign-in answered in {1000 * (answered - sent):.0f} ms ({reply['type']}); arrivals done when "
            f"sent {arrived_before}, when answered {arrived_by_answer}; all {n} arrived after "
            f"{finished - started:.1f} s")


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    bench_hall.raise_open_files_limit()
    folder = Path(tempfile.mkdtemp(prefix="kaibiao-bench-arrivals-"))
    servers = []
    try:
        env = environment(folder)
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                       cwd=ROOT, env=env, check=True, timeout=300)
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connections

        hall = bench_hall.create_halls(1, 3)[0]
        connections.close_all()
        servers = bench_hall.start_servers("daphne", env, folder, "", "arrivals")
        print(f"command: {' '.join(sys.argv)}")
        print(asyncio.run(measure(n, hall, servers[0].port)))
        return 0
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
