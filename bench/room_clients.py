"""The evaluation room benchmark's clients: one process's connections, each a member or a watcher.

bench_evaluation_room.py starts this file as a process of its own (ClientProc); it reads its
people on stdin and writes what each connection received on stdout (client_proc)."""

import asyncio
import json
import os
import random
import subprocess
import sys
import time

from hall_servers import CHILDREN, ROOT, MiB

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


if __name__ == "__main__":
    sys.exit(asyncio.run(client_proc()))
