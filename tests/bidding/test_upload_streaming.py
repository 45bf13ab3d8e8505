"""The Django end of a streamed upload (kaibiao.streaming): the tus PATCH view reads its body
from the ASGI messages as they come, in whatever pieces the server sends them, and a client
that goes away in the middle of a chunk leaves nothing of it behind. Driven through the
project's own ASGI handler (kaibiao.asgi), as a server drives it; the Daphne end and a real
socket are in tests/e2e/test_streamed_upload.py."""

import asyncio
import urllib.parse

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.utils.crypto import get_random_string

from bidding.models import SealedFile
from kaibiao.asgi import django_asgi_app
from tests.bidding.conftest import checksum_header, client_for, seal_bid, start_version, stored_bytes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]

WAIT = 10


def declared(tender, bidder):
    """A declared version; returns (the big file's bytes, its upload path, a logged-in cookie)."""
    sealed = seal_bid(tender, bidder)
    client = client_for(bidder.user)
    response = start_version(client, tender.lot, sealed.manifest())
    assert response.status_code == 201, response.content
    [name] = sealed.file_names
    url = next(f["upload_url"] for f in response.json()["files"] if f["name"] == name)
    return sealed.ciphertexts[name], urllib.parse.urlsplit(url).path, client.cookies["sessionid"].value


def patch_scope(path: str, session: str, offset: int, chunk: bytes) -> dict:
    csrf = get_random_string(32)  # a CSRF secret as Django makes them (letters and digits)
    headers = {
        "host": "testserver",
        "cookie": f"sessionid={session}; csrftoken={csrf}",
        "x-csrftoken": csrf,
        "accept-language": "en",
        "tus-resumable": "1.0.0",
        "content-type": "application/offset+octet-stream",
        "content-length": str(len(chunk)),
        "upload-offset": str(offset),
        "upload-checksum": checksum_header(chunk),
    }
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "PATCH", "scheme": "http",
            "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
            "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}


async def answer(app) -> tuple[int, dict, bytes]:
    start = await app.receive_output(WAIT)
    assert start["type"] == "http.response.start", start
    body = b""
    while True:
        message = await app.receive_output(WAIT)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], {k.decode().lower(): v.decode() for k, v in start["headers"]}, body


async def test_a_chunk_sent_in_uneven_pieces_is_stored_whole(tender, bidder):
    data, path, session = await database_sync_to_async(declared)(tender, bidder)
    chunk = data[:300_001]
    app = ApplicationCommunicator(django_asgi_app, patch_scope(path, session, 0, chunk))
    sizes = [1, 7_777, 100_003, 64 * 1024, 5]  # no piece lines up with the view's 1 MiB reads
    at, turn = 0, 0
    while at < len(chunk):
        piece = chunk[at:at + sizes[turn % len(sizes)]]
        at, turn = at + len(piece), turn + 1
        await app.send_input({"type": "http.request", "body": piece, "more_body": at < len(chunk)})
    status, headers, body = await answer(app)
    assert (status, headers["upload-offset"]) == (204, str(len(chunk))), body
    row = await SealedFile.objects.aget(bid__organization=bidder.user.organization, name__endswith="技术标.pdf.age")
    assert row.received == len(chunk)
    assert await database_sync_to_async(stored_bytes)(row) == chunk


async def test_a_refusal_is_answered_before_the_body_has_come(tender, bidder):
    data, path, session = await database_sync_to_async(declared)(tender, bidder)
    chunk = data[:200_000]
    app = ApplicationCommunicator(django_asgi_app, patch_scope(path, session, 777, chunk))
    await app.send_input({"type": "http.request", "body": chunk[:1000], "more_body": True})
    status, headers, body = await answer(app)  # the rest of the body is never sent
    assert (status, headers["upload-offset"]) == (409, "0"), body
    await app.send_input({"type": "http.disconnect"})
    await app.wait(WAIT)


async def test_a_client_gone_in_the_middle_of_a_chunk_leaves_nothing_of_it(tender, bidder):
    data, path, session = await database_sync_to_async(declared)(tender, bidder)
    chunk = data[:200_000]
    app = ApplicationCommunicator(django_asgi_app, patch_scope(path, session, 0, chunk))
    await app.send_input({"type": "http.request", "body": chunk[:150_000], "more_body": True})
    await app.send_input({"type": "http.disconnect"})
    await app.wait(WAIT)  # no answer: nobody is there to read it
    row = await SealedFile.objects.aget(bid__organization=bidder.user.organization, name__endswith="技术标.pdf.age")
    for _ in range(WAIT * 10):  # the view's thread cuts the file back once it sees the short body
        if await database_sync_to_async(stored_bytes)(row) == b"":
            break
        await asyncio.sleep(0.1)
    assert await database_sync_to_async(stored_bytes)(row) == b""
    await row.arefresh_from_db()
    assert row.received == 0
