"""The hall benchmark's clients: the processes that hold a hall's WebSocket connections.

Each client process (`bench_hall.py --client-proc`) connects its share of bench/bench_hall.py's N
clients and times every event's arrival on each; ClientProc is the orchestrator's handle on one."""

import asyncio
import gc
import json
import resource
import subprocess
import sys
import time

from hall_servers import CHILDREN, ROOT, MiB  # bench/ is the script's folder: first on sys.path

SCRIPT = ROOT / "bench" / "bench_hall.py"  # a client process is `bench_hall.py --client-proc`


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
            sys.executable, str(SCRIPT), "--client-proc",
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
