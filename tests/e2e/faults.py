"""Faults for the end-to-end tests: a Redis server of the test's own, paused, killed and started
again, and a TCP proxy that cuts one server process off from it for a while.

The Redis server listens on a free port with its files in the test's folder, never on 6379.
A server process given the proxy's address as its REDIS_URL reaches Redis only through it:
cut() closes every connection through it and refuses new ones until heal()."""

import asyncio
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

from tests.e2e.processes import free_port, stop_process

REDIS_SERVER = "/usr/bin/redis-server"


class RedisServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        log = open(self.folder / "redis.log", "ab")
        self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
                                      str(self.folder), "--save", "", "--appendonly", "no"],
                                     stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not answer on port {self.port}")

    def pause(self):
        """SIGSTOP: connections stay open, nothing is answered."""
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self):
        os.kill(self.proc.pid, signal.SIGCONT)

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.resume()
            stop_process(self.proc)

    def subscribers(self, channel: str) -> int:
        """PUBSUB NUMSUB of `channel`: how many connections hear it now."""
        import redis

        client = redis.Redis(port=self.port, socket_timeout=5)
        try:
            return dict(client.pubsub_numsub(channel))[channel.encode()]
        finally:
            client.close()


class CutProxy:
    """A TCP proxy to `port` on 127.0.0.1, on its own thread and event loop."""

    def __init__(self, port: int):
        self.target = port
        self.port = free_port()
        self.cut_off = False
        self.writers: set = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
        ready.set()
        self.loop.run_forever()

    async def _serve(self, reader, writer):
        if self.cut_off:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.close()
            return
        self.writers.update((writer, up_writer))

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.close()
                self.writers.discard(dst)

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self):
        """Close every connection through the proxy and refuse new ones."""
        def close_all():
            self.cut_off = True
            for writer in list(self.writers):
                writer.transport.abort()
            self.writers.clear()
        self.loop.call_soon_threadsafe(close_all)

    def heal(self):
        self.loop.call_soon_threadsafe(setattr, self, "cut_off", False)

    def stop(self):
        self.cut()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
