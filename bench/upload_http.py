"""The upload benchmark's server and client: Daphne, its memory, and HTTP as the browser speaks it.

For bench/bench_upload.py: Daphne started as `make run` starts it (or stock, with a request
buffer), its memory and CPU read from /proc, and a keep-alive client that logs in and uploads a
bid version with tus PATCH requests, each chunk's body sent with sendfile."""

import base64
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from throwaway import free_port, wait_listening  # bench/ is the script's folder: first on sys.path
from upload_tender import chunk_plan

ROOT = Path(__file__).resolve().parent.parent
KiB = 1024


# --- the server and its memory -----------------------------------------------------------------


# Daphne as `make run` starts it (kaibiao.serve: streamed bodies, 1 MiB pieces), or
# (--daphne-buffer-kb) stock Daphne with that request_buffer_size.
DAPHNE_WITH_BUFFER = """
import sys
import daphne.server
init = daphne.server.Server.__init__
def patched(self, *args, **kwargs):
    kwargs.setdefault("request_buffer_size", BUFFER)
    init(self, *args, **kwargs)
daphne.server.Server.__init__ = patched
from daphne.cli import CommandLineInterface
sys.argv[0] = "daphne"
CommandLineInterface.entrypoint()
"""


def start_daphne(env: dict, folder: Path, buffer_kb: int | None = None) -> tuple[subprocess.Popen, int]:
    port = free_port()
    serve = ["-b", "127.0.0.1", "-p", str(port), "kaibiao.asgi:application"]
    if buffer_kb:
        launcher = [sys.executable, "-c", DAPHNE_WITH_BUFFER.replace("BUFFER", str(buffer_kb * KiB))]
    else:
        launcher = [sys.executable, "-m", "kaibiao.serve"]  # as `make run` starts it
    with open(folder / "daphne.log", "wb") as log:
        proc = subprocess.Popen(launcher + serve, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_listening(proc, port, "Daphne", folder / "daphne.log")
    return proc, port


def status_field(pid: int, field: str) -> int:
    """A /proc/<pid>/status memory figure, in bytes."""
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * KiB
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: clear_refs 5), so each run has its own peak."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class MemoryWatch(threading.Thread):
    """Samples the server's VmRSS every `interval` seconds while an upload runs."""

    def __init__(self, pid: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.interval, self.samples, self.stop = pid, interval, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                self.samples.append((time.perf_counter(), status_field(self.pid, "VmRSS")))
            except (OSError, KeyError):
                return
            self.stop.wait(self.interval)

    def peak(self, until: float | None = None) -> int:
        return max((rss for t, rss in self.samples if until is None or t <= until), default=0)


# --- HTTP, as the browser speaks it ------------------------------------------------------------


class Browser:
    """One keep-alive connection with a cookie jar (the standard library only)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.cookies: dict[str, str] = {}

    def _headers(self, extra: dict) -> dict:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**({"Cookie": cookie} if cookie else {}), **extra}

    def _response(self):
        response = self.conn.getresponse()
        body = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return response, body

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        self.conn.request(method, path, body=body, headers=self._headers(headers or {}))
        return self._response()

    def log_in(self, username: str, password: str):
        response, page = self.request("GET", "/accounts/login/")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if response.status != 200 or not match:
            raise RuntimeError(f"login page: HTTP {response.status}")
        form = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrfmiddlewaretoken": match.group(1).decode()}).encode()
        response, _ = self.request("POST", "/accounts/login/", form, {"Content-Type": "application/x-www-form-urlencoded"})
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(f"login refused: HTTP {response.status}")

    def json(self, method: str, path: str, data: dict):
        response, body = self.request(method, path, json.dumps(data).encode(),
                                      {"Content-Type": "application/json", "X-CSRFToken": self.cookies["csrftoken"]})
        return response.status, json.loads(body or b"{}")

    def patch(self, path: str, fh, offset: int, length: int, checksum: bytes) -> tuple:
        """One tus PATCH, its body streamed from `fh` with sendfile; returns (status, offset,
        JSON body or None, when the last byte was handed to the socket)."""
        headers = self._headers({
            "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(length),
            "Upload-Offset": str(offset),
            "Upload-Checksum": "sha256 " + base64.b64encode(checksum).decode(),
            "X-CSRFToken": self.cookies["csrftoken"],
        })
        self.conn.putrequest("PATCH", path, skip_accept_encoding=True)
        for key, value in headers.items():
            self.conn.putheader(key, value)
        self.conn.endheaders()
        first_byte = time.perf_counter()
        sent = self.conn.sock.sendfile(fh, offset, length)
        if sent != length:
            raise RuntimeError(f"sendfile sent {sent} of {length} bytes")
        last_byte = time.perf_counter()
        response, body = self._response()
        doc = json.loads(body) if body and response.headers.get("Content-Type", "").startswith("application/json") else None
        self.sending, self.answering = last_byte - first_byte, time.perf_counter() - last_byte
        return response.status, int(response.headers.get("Upload-Offset", -1)), doc, last_byte


def upload_version(browser: Browser, lot_id: int, form: Path, big: Path, chunk: int, checksums: list[bytes]) -> dict:
    """Declare a version (form + big file), upload the form, then the big file in `chunk`s.
    Returns the timings and the receipt."""
    size = big.stat().st_size
    status, version = browser.json("POST", f"/bids/lots/{lot_id}/versions/", {"files": [
        {"kind": "form", "name": "opening-form.age", "size": form.stat().st_size},
        {"kind": "file", "name": big.name, "size": size},
    ]})
    if status != 201:
        raise RuntimeError(f"declaring the version: HTTP {status} {version}")
    urls = {f["kind"]: urllib.parse.urlsplit(f["upload_url"]).path for f in version["files"]}
    with open(form, "rb") as fh:
        status, _, _, _ = browser.patch(urls["form"], fh, 0, form.stat().st_size,
                                        hashlib.sha256(form.read_bytes()).digest())
    if status != 204:
        raise RuntimeError(f"uploading the form: HTTP {status}")
    receipt, quarter_at, sending, answering = None, None, [], []
    with open(big, "rb") as fh:
        start = time.perf_counter()
        for index, (offset, length) in enumerate(chunk_plan(size, chunk)):
            status, new_offset, doc, last_byte = browser.patch(urls["file"], fh, offset, length, checksums[index])
            if status not in (200, 204) or new_offset != offset + length:
                raise RuntimeError(f"chunk at {offset}: HTTP {status} {doc}, server offset {new_offset}")
            if length == chunk:
                sending.append(browser.sending)
                answering.append(browser.answering)
            if quarter_at is None and new_offset >= size / 4:
                quarter_at = time.perf_counter()
            if doc is not None:
                receipt = doc["receipt"]
        end = time.perf_counter()
    if status != 200 or receipt is None:
        raise RuntimeError("the last chunk brought no receipt")
    return {"seconds": end - start, "receipt_after": end - last_byte, "receipt": receipt, "quarter_at": quarter_at,
            "sending": sum(sending) / max(1, len(sending)),
            "answering": sum(answering) / max(1, len(answering)), "answering_max": max(answering, default=0),
            "file_id": next(f["id"] for f in version["files"] if f["kind"] == "file"), "version": version["version"]}
