"""Benchmark: a hall command while the hall's clients all arrive at once (a restarted server's
clients coming back). One Daphne as `make run` serves it (SQLite, in-memory layer), in a throwaway
folder; a bidder connects, then N public clients connect at once, and one second later the
bidder signs in: the time until its answer, and how many of the N had arrived by then.

    .venv/bin/python bench/bench_hall_arrivals.py [N, default 1000]

Needs the test extra (tests.factories: factory_boy)."""

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

from throwaway import environment, free_port, stop_process, wait_listening  # bench/ is first on sys.path

ROOT = Path(__file__).resolve().parent.parent
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
folder = Path(tempfile.mkdtemp(prefix="storm-"))
env = environment(folder)
subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
os.environ.update(env)
sys.path[:0] = [str(ROOT)]
import django  # noqa: E402

django.setup()
sys.argv = sys.argv[:1]
import bench_hall  # noqa: E402
bench_hall.raise_open_files_limit()
hall = bench_hall.create_halls(1, 3)[0]
from django.db import connections  # noqa: E402

connections.close_all()
port = free_port()
log = open(folder / "server.log", "wb")
proc = subprocess.Popen([sys.executable, "-m", "kaibiao.serve", "-b", "127.0.0.1", "-p", str(port), "kaibiao.asgi:application"],
                        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
wait_listening(proc, port, "storm", folder / "server.log")
from websockets.asyncio.client import connect  # noqa: E402

url = f"ws://127.0.0.1:{port}/ws/halls/{hall['lot']}/?after={hall['last_seq']}"
origin = f"http://127.0.0.1:{port}"


async def one():
    ws = await connect(url, origin=origin, compression=None, ping_interval=None, open_timeout=300, max_queue=None)
    await ws.recv()
    return ws


async def main():
    actor = await connect(url, origin=origin, additional_headers={"Cookie": f"sessionid={hall['sessions'][0]}"}, compression=None, ping_interval=None)
    await actor.recv()
    t0 = time.monotonic()
    storm = [asyncio.ensure_future(one()) for _ in range(N)]
    await asyncio.sleep(1.0)
    done_before = sum(s.done() for s in storm)
    t1 = time.monotonic()
    await actor.send(json.dumps({"type": "sign_in", "nonce": secrets.token_hex(32), "ref": "x"}))
    while True:
        m = json.loads(await actor.recv())
        if m.get("ref") == "x": break
    t2 = time.monotonic()
    done_at_reply = sum(s.done() for s in storm)
    socks = await asyncio.gather(*storm)
    t3 = time.monotonic()
    print(f"command: {' '.join(sys.argv)}\nN={N}: sign-in answered in {1000*(t2-t1):.0f} ms ({m['type']}); arrivals done when sent {done_before}, when answered {done_at_reply}; all {N} arrived after {t3-t0:.1f} s")
    for s in socks:
        await s.close()


try:
    asyncio.run(main())
finally:
    stop_process(proc); shutil.rmtree(folder, ignore_errors=True)
