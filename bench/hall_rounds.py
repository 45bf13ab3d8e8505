"""The hall benchmark's measurement: one server with its clients, its rounds, and their figures.

For bench/bench_hall.py: a Setup is one server (one or two processes) with its N client processes
and its acting bidders; each round is one action timed until every client has it."""

import asyncio
import json
import os
import secrets
import signal
import sys
import time
from pathlib import Path

from hall_clients import ClientProc  # bench/ is the script's folder: first on sys.path
from hall_servers import SERVERS, Server, bare_message, start_servers

WARM_UP = 2  # unmeasured rounds first


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
