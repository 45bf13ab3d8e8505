"""Real server processes for the end-to-end tests: Daphne as `make run` serves it
(`python -m kaibiao.serve`), each over a throwaway SQLite file, and a client that logs in
through the login form as a browser does."""

import asyncio
import http.client
import json
import os
import secrets
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct-horse-battery"  # tests.trading.factories' default password
WAIT = 15  # seconds: the longest any one step may take


def stop_process(proc: subprocess.Popen) -> None:
    """Ask a child to end (SIGTERM), and kill it if it has not within 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(folder: Path, *, redis_url: str | None = None) -> dict:
    """A server's environment: its own SQLite file and folders in `folder`; the channel layer
    is Redis at `redis_url`, or the in-memory one."""
    drop = ("DJANGO_ENV", "DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({
        "DJANGO_SETTINGS_MODULE": "kaibiao.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",  # sqlite:////tmp/… (absolute path)
        "KAIBIAO_SEALED_ROOT": str(folder / "sealed"),
        "KAIBIAO_RECEIPT_KEY_FILE": str(folder / "receipt-signing-key.pem"),
        "KAIBIAO_MEDIA_ROOT": str(folder / "media"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def wait_listening(proc: subprocess.Popen, port: int, name: str, log: Path) -> None:
    """Wait (a minute at most) until `proc` accepts connections on 127.0.0.1:`port`; if it exits
    or never listens, fail with the end of its `log`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{name} exited ({proc.returncode}):\n{_tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{name} did not listen on port {port} within a minute:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:] if log.exists() else ""


def run_script(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise AssertionError(f"{args[0]} {args[1][:40]!r}… failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


class Daphne:
    """One real Daphne process serving kaibiao.asgi:application on 127.0.0.1."""

    def __init__(self, name: str, env: dict, folder: Path, port: int | None = None):
        self.name, self.env, self.folder = name, env, folder
        self.port = port or free_port()
        self.log = folder / f"daphne-{name}.log"
        self.proc = None

    def start(self):
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kaibiao.serve", "-b", "127.0.0.1", "-p", str(self.port),
                 "kaibiao.asgi:application"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_listening(self.proc, self.port, f"Daphne {self.name}", self.log)
        return self

    def kill(self):
        """Die at once, as a crashed process does: no goodbye to its clients or to Redis."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)

    def tail(self) -> str:
        return _tail(self.log)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def log_in(server: Daphne, username: str) -> str:
    """Log in through the login form (CSRF token and all); return the Cookie header to send."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    cookies: dict[str, str] = {}

    def request(method, path, body=None, headers=None):
        sent = {**(headers or {}), **({"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {})}
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        page = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response, page

    try:
        response, page = request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert response.status == 200 and token, f"login page: HTTP {response.status}"
        form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token.group(1).decode()})
        response, _ = request("POST", "/accounts/login/", form.encode(),
                              {"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status == 302 and "sessionid" in cookies, f"{username} not logged in: HTTP {response.status}"
    finally:
        conn.close()
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


class HallClient:
    """One WebSocket connection to the hall, keeping every message it got, in order."""

    def __init__(self, name: str):
        self.name = name
        self.ws = None
        self.messages: list[dict] = []

    async def connect(self, server: Daphne, lot_id: int, *, after: int | None = None, cookie: str | None = None):
        import websockets

        query = f"?after={after}" if after is not None else ""
        self.ws = await websockets.connect(f"ws://127.0.0.1:{server.port}/ws/halls/{lot_id}/{query}",
                                           origin=server.origin, additional_headers={"Cookie": cookie} if cookie else None,
                                           open_timeout=WAIT, ping_interval=None, compression=None)
        first = await self._next()
        assert first["type"] == "snapshot", f"{self.name}: {first}"
        return first

    async def _next(self, timeout: float = WAIT) -> dict:
        message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self.messages.append(message)
        return message

    def events(self) -> list[dict]:
        return [m for m in self.messages if m["type"] == "event"]

    async def through(self, seq: int) -> None:
        """Read until the event numbered `seq` (or later) has come."""
        while not any(e["seq"] >= seq for e in self.events()):
            try:
                await self._next()
            except TimeoutError:
                raise AssertionError(f"{self.name} waited {WAIT} s for event {seq} in vain; it got "
                                     f"{[(m['type'], m.get('seq')) for m in self.messages]}") from None

    async def reply_to(self, ref: str) -> dict:
        while True:
            for m in self.messages:
                if m.get("ref") == ref and m["type"] in ("ok", "error"):
                    return m
            await self._next()

    async def command(self, kind: str, **fields) -> dict:
        ref = secrets.token_hex(4)
        await self.ws.send(json.dumps({"type": kind, "ref": ref, **fields}))
        reply = await self.reply_to(ref)
        assert reply["type"] == "ok", f"{self.name} {kind}: {reply}"
        return reply

    async def quiet(self, seconds: float = 0.7) -> None:
        """Nothing more comes within `seconds` (no repeat, no stray message)."""
        try:
            extra = await asyncio.wait_for(self.ws.recv(), seconds)
        except TimeoutError:
            return
        raise AssertionError(f"{self.name} got a message it should not have: {extra}")

    async def closed_by_server(self) -> None:
        import websockets

        with pytest.raises(websockets.ConnectionClosed):
            while True:
                await asyncio.wait_for(self.ws.recv(), WAIT)

    async def close(self):
        if self.ws is not None:
            await self.ws.close()
