"""An upload chunk streams through the server as `make run` serves it (`python -m
kaibiao.serve`): the view hashes and stores the bytes while they arrive, answers a refusal
without waiting for a body it will not keep, and the server stops reading a body that the
view cannot take yet (so a 1 GB upload does not sit in the server's memory).

Stock Daphne would fail each of these: it reads a whole body into a temporary file before the
application sees a byte. The test speaks raw HTTP/1.1 over a socket, so that it can send part
of a body and look at the server and its disk before sending the rest."""

import base64
import fcntl
import hashlib
import http.client
import json
import os
import socket
import time
import urllib.parse
from pathlib import Path

import pytest

from tests.e2e.processes import ROOT, WAIT, Daphne, log_in, run_script, server_env

MiB = 1024 * 1024
DECLARED = 200 * MiB  # the big sealed file's declared size; this test never sends all of it
MAX_CHUNK = 160 * MiB  # larger than the kernel's socket buffers here (tcp_rmem max 32 MiB)

SETUP = """
import json
import sys
from pathlib import Path

import django

django.setup()
from tests.bidding.conftest import make_bidder, make_tender, seal_bid

tender = make_tender()
bidder = make_bidder(tender)
sealed = seal_bid(tender, bidder, files={"big.pdf": b"%PDF-1.7 " * 1000})
name = sealed.file_names[0]
Path(sys.argv[1]).write_bytes(sealed.ciphertexts[name])
print(json.dumps({"lot": tender.lot.pk, "username": bidder.user.username, "name": name,
                  "form": {"kind": "form", "name": sealed.form_name, "size": len(sealed.ciphertexts[sealed.form_name])}}))
"""


class Upload:
    """A sealed file of DECLARED bytes (a real age file's start, then random bytes: the server
    checks the start and the digests, it decrypts nothing before the opening)."""

    def __init__(self, head: bytes):
        self.head = head
        self.filler = os.urandom(MiB)

    def bytes(self, offset: int, length: int) -> bytes:
        out = bytearray()
        while len(out) < length:
            at = offset + len(out)
            if at < len(self.head):
                out += self.head[at:at + length - len(out)]
            else:
                start = (at - len(self.head)) % MiB
                out += self.filler[start:start + length - len(out)]
        return bytes(out)


@pytest.fixture
def served(tmp_path):
    """One server, a tender and a logged-in bidder who declared a version with the big file.
    Yields a dict: server, cookie, csrf, url (the big file's upload path), upload, sealed
    (the sealed-file folder)."""
    env = server_env(tmp_path)
    env["KAIBIAO_UPLOAD_MAX_CHUNK"] = str(MAX_CHUNK)
    run_script(env, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0")
    head_file = tmp_path / "big.age"
    tender = json.loads(run_script(env, "-c", SETUP, str(head_file)).strip().splitlines()[-1])
    server = Daphne("A", env, tmp_path).start()
    try:
        cookie = log_in(server, tender["username"])
        csrf = dict(part.split("=", 1) for part in cookie.split("; "))["csrftoken"]
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
        conn.request("POST", f"/bids/lots/{tender['lot']}/versions/",
                     json.dumps({"files": [tender["form"], {"kind": "file", "name": tender["name"], "size": DECLARED}]}),
                     {"Cookie": cookie, "X-CSRFToken": csrf, "Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        conn.close()
        assert response.status == 201, answer
        url = urllib.parse.urlsplit(next(f["upload_url"] for f in answer["files"] if f["kind"] == "file")).path
        yield {"server": server, "cookie": cookie, "csrf": csrf, "url": url,
               "upload": Upload(head_file.read_bytes()), "sealed": tmp_path / "sealed"}
    finally:
        server.stop()


def patch_head(served, offset: int, body: bytes | None, length: int) -> bytes:
    """The request line and headers of a tus PATCH of `length` bytes at `offset`."""
    headers = {
        "Host": f"127.0.0.1:{served['server'].port}",
        "Cookie": served["cookie"],
        "X-CSRFToken": served["csrf"],
        "Accept-Language": "en",
        "Tus-Resumable": "1.0.0",
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(length),
        "Upload-Offset": str(offset),
    }
    if body is not None:
        headers["Upload-Checksum"] = "sha256 " + base64.b64encode(hashlib.sha256(body).digest()).decode()
    lines = [f"PATCH {served['url']} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def connect(served, *, send_buffer: int | None = None) -> socket.socket:
    sock = socket.socket()
    if send_buffer:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.connect(("127.0.0.1", served["server"].port))
    sock.settimeout(WAIT)
    return sock


def answer(sock) -> tuple[int, dict, bytes]:
    """Read one response from `sock` (the connection stays usable)."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    return response.status, dict(response.getheaders()), body


def head(sock, served) -> tuple[int, dict]:
    sock.sendall((f"HEAD {served['url']} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {served['cookie']}\r\n"
                  "Tus-Resumable: 1.0.0\r\n\r\n").encode())
    response = http.client.HTTPResponse(sock, method="HEAD")
    response.begin()
    return response.status, dict(response.getheaders())


def stored_size(served) -> int:
    files = [p for p in Path(served["sealed"]).rglob("*") if p.is_file()]
    return max((p.stat().st_size for p in files), default=-1)


def stored_file(served) -> Path:
    [path] = [p for p in Path(served["sealed"]).rglob("*") if p.is_file()]
    return path


def rss(server: Daphne) -> int:
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_refused_chunk_is_answered_before_its_body_and_the_connection_goes_on(served):
    chunk = served["upload"].bytes(0, 8 * MiB)
    sock = connect(served)
    # At the wrong offset (the server has 0 bytes): the refusal comes while most of the body is unsent.
    sock.sendall(patch_head(served, 4096, chunk, len(chunk)) + chunk[:256 * 1024])
    status, headers, body = answer(sock)
    assert status == 409, body
    assert headers["Upload-Offset"] == "0"
    assert json.loads(body)["error"] == "This chunk starts at the wrong place: the server has 0 bytes; resume from there."
    # The rest of the refused body is read and dropped; the same connection then works.
    sock.sendall(chunk[256 * 1024:])
    status, headers = head(sock, served)
    assert (status, headers["Upload-Offset"]) == (200, "0")
    sock.sendall(patch_head(served, 0, chunk, len(chunk)) + chunk)
    status, headers, body = answer(sock)
    assert (status, headers["Upload-Offset"]) == (204, str(8 * MiB)), body
    assert stored_file(served).read_bytes() == chunk
    sock.close()


def test_a_chunk_is_stored_while_it_arrives(served):
    chunk = served["upload"].bytes(0, 8 * MiB)
    sock = connect(served)
    sock.sendall(patch_head(served, 0, chunk, len(chunk)) + chunk[:4 * MiB])
    deadline = time.monotonic() + WAIT
    while stored_size(served) < MiB and time.monotonic() < deadline:
        time.sleep(0.02)
    on_disk = stored_size(served)
    assert on_disk >= MiB, f"half the chunk was sent {WAIT} s ago and {on_disk} bytes of it are on disk"
    sock.sendall(chunk[4 * MiB:])
    status, headers, body = answer(sock)
    assert (status, headers["Upload-Offset"]) == (204, str(8 * MiB)), body
    assert stored_file(served).read_bytes() == chunk
    sock.close()


def test_the_server_stops_reading_a_body_its_view_cannot_take_yet(served):
    upload, first = served["upload"], MiB
    sock = connect(served)
    sock.sendall(patch_head(served, 0, upload.bytes(0, first), first) + upload.bytes(0, first))
    assert answer(sock)[0] == 204
    length = MAX_CHUNK
    chunk = upload.bytes(first, length)
    # Another writer holds the stored file: the view waits for its lock before it reads a byte.
    with open(stored_file(served), "rb") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        before = rss(served["server"])
        sending = connect(served, send_buffer=256 * 1024)
        sending.sendall(patch_head(served, first, chunk, length))
        sending.settimeout(3)
        sent = 0
        try:
            while sent < length:
                sent += sending.send(chunk[sent:sent + MiB])
        except TimeoutError:
            pass
        grown = rss(served["server"]) - before
        assert sent < 64 * MiB, f"the server took {sent // MiB} MiB of a body its view was not reading"
        assert grown < 32 * MiB, f"the server holds {grown // MiB} MiB more while its view waits"
        fcntl.flock(holder, fcntl.LOCK_UN)
    sending.settimeout(WAIT)
    sending.sendall(chunk[sent:])
    status, headers, body = answer(sending)
    assert (status, headers["Upload-Offset"]) == (204, str(first + length)), body
    assert hashlib.sha256(stored_file(served).read_bytes()).digest() == hashlib.sha256(upload.bytes(0, first + length)).digest()
    sending.close()
    sock.close()
