"""A sealed file gets a receipt only if it is a whole age v1 file: its header checked as it
arrives whatever the chunking, its payload whole STREAM chunks, and its SHA-256 the one its
sealer declared. A refused file leaves the earlier complete version counting."""

import base64
import hashlib
import os
import random

import pytest

from bidding import storage
from bidding.choices import BidState
from bidding.models import Bid, SealedFile
from bidding.selectors import complete_bid_count
from tests.bidding.conftest import client_for, events, patch_chunk, seal_bid, send_file, start_version, submit

pytestmark = pytest.mark.django_db

CHUNK = 64 * 1024 + 16  # a whole STREAM chunk, as stored


def header_size(data: bytes) -> int:
    """Where the payload starts: after the header's MAC line ("--- <MAC>")."""
    return data.index(b"\n", data.index(b"\n--- ") + 1) + 1


def truncations(data: bytes) -> dict:
    """The ways a sealed file was found cut short, each a legal-looking file of its own size."""
    head = header_size(data)
    return {
        "half": data[: len(data) // 2],
        "header alone": data[:head],
        "last 16 bytes cut": data[:-16],
        "cut at a chunk boundary": data[: head + 16 + CHUNK],
    }


def upload_version(tender, bidder, sealed, replacement: bytes, *, declare: bool, chunk_size=40_000, headers=None):
    """A version whose bid file is `replacement` (the form as sealed); returns the last answer."""
    name = sealed.file_names[0]
    manifest = sealed.manifest()
    for entry in manifest:
        if entry["name"] == name:
            entry["size"] = len(replacement)
        if declare:
            entry["sha256"] = sealed.digest(entry["name"])  # what the sealer made
    client = client_for(bidder.user)
    started = start_version(client, tender.lot, manifest)
    assert started.status_code == 201, started.content
    urls = {f["name"]: f["upload_url"] for f in started.json()["files"]}
    form = send_file(client, urls[sealed.form_name], sealed.ciphertexts[sealed.form_name], chunk_size=chunk_size)
    assert form.status_code == 204
    offset = 0
    answer = None
    while offset < len(replacement):
        chunk = replacement[offset: offset + chunk_size]
        last = offset + len(chunk) == len(replacement)
        answer = patch_chunk(client, urls[name], offset, chunk, headers=headers if last else None)
        if answer.status_code != 204:
            break
        offset += len(chunk)
    return started.json()["bid"], answer


def stored_files() -> set[str]:
    root = storage.root()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def assert_refused_and_first_counts(tender, bidder, first, bid_id, answer, *, message):
    assert answer.status_code == 422, answer.content
    assert message in answer.json()["error"]
    assert answer.json()["error"].endswith("Nothing of this version is kept: seal the file again and upload a new version.")
    # the refused version is gone, files and all; the earlier one still counts, as it was
    assert not Bid.objects.filter(pk=bid_id).exists()
    assert stored_files() == set(SealedFile.objects.values_list("storage_name", flat=True))
    v1 = Bid.objects.get(pk=first.bid_id)
    assert v1.state == BidState.COMPLETE
    assert complete_bid_count(tender.lot) == 1
    assert Bid.objects.filter(lot=tender.lot, state=BidState.COMPLETE).get() == v1
    refused = events("bid.refused", object_id=str(bid_id))
    assert len(refused) == 1 and refused[0].actor_id == bidder.user.pk


@pytest.mark.parametrize("cut", ["half", "header alone", "last 16 bytes cut", "cut at a chunk boundary"])
def test_a_truncated_file_with_a_declared_digest_is_refused_and_the_earlier_version_counts(tender, bidder, cut):
    _good, first = submit(tender, bidder)
    sealed = seal_bid(tender, bidder)
    data = sealed.ciphertexts[sealed.file_names[0]]
    bid_id, answer = upload_version(tender, bidder, sealed, truncations(data)[cut], declare=True)
    message = "is cut short: after its age header" if cut == "header alone" else "is not the file that was sealed"
    assert_refused_and_first_counts(tender, bidder, first, bid_id, answer, message=message)


@pytest.mark.parametrize("cut", ["header alone", "inside the nonce", "final chunk shorter than its tag",
                                 "empty final chunk after others", "inside the header"])
def test_a_file_that_is_not_whole_age_chunks_is_refused_without_a_declared_digest(tender, bidder, cut):
    _good, first = submit(tender, bidder)
    sealed = seal_bid(tender, bidder)
    data = sealed.ciphertexts[sealed.file_names[0]]
    head = header_size(data)
    replacement = {
        "header alone": data[:head],
        "inside the nonce": data[: head + 9],
        "final chunk shorter than its tag": data[: head + 16 + CHUNK + 5],
        "empty final chunk after others": data[: head + 16 + CHUNK] + os.urandom(16),
        "inside the header": data[: head - 20],
    }[cut]
    bid_id, answer = upload_version(tender, bidder, sealed, replacement, declare=False)
    message = {"header alone": "is cut short", "inside the header": "ends inside its age header",
               "empty final chunk after others": "ends with an empty chunk"}.get(cut, "whole chunks")
    assert_refused_and_first_counts(tender, bidder, first, bid_id, answer, message=message)


def repr_digest(data: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"


def test_the_digest_declared_with_the_last_chunk_refuses_a_cut_at_a_chunk_boundary(tender, bidder):
    _good, first = submit(tender, bidder)
    sealed = seal_bid(tender, bidder)
    data = sealed.ciphertexts[sealed.file_names[0]]
    cut = truncations(data)["cut at a chunk boundary"]
    bid_id, answer = upload_version(tender, bidder, sealed, cut, declare=False,
                                    headers={"Repr-Digest": repr_digest(data)})
    assert_refused_and_first_counts(tender, bidder, first, bid_id, answer, message="is not the file that was sealed")


def test_a_whole_file_as_declared_gets_its_receipt(tender, bidder):
    sealed = seal_bid(tender, bidder)
    data = sealed.ciphertexts[sealed.file_names[0]]
    bid_id, answer = upload_version(tender, bidder, sealed, data, declare=True,
                                    headers={"Repr-Digest": repr_digest(data)})
    assert answer.status_code == 200, answer.content
    assert Bid.objects.get(pk=bid_id).state == BidState.COMPLETE
    assert SealedFile.objects.get(bid_id=bid_id, name=sealed.file_names[0]).declared_sha256 == sealed.digest(sealed.file_names[0])
    assert events("bid.started", object_id=str(bid_id))[0].data["files"][0]["sha256"] == sealed.digest(sealed.form_name)


def test_a_malformed_declared_digest_is_refused(tender, bidder):
    sealed = seal_bid(tender, bidder)
    manifest = sealed.manifest()
    manifest[0]["sha256"] = "abc"
    answer = start_version(client_for(bidder.user), tender.lot, manifest)
    assert answer.status_code == 400
    assert answer.json()["error"] == "A declared sha256 is the file's SHA-256 as 64 hexadecimal digits."
    data = sealed.ciphertexts[sealed.file_names[0]]
    _bid, answer = upload_version(tender, bidder, sealed, data, declare=False, headers={"Repr-Digest": "sha-256=abc"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "Repr-Digest: the sha-256 value is not base64 between colons."


# --- the header, whatever the chunking --------------------------------------------------------


PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"x" * 3000 + b"\n%%EOF\n"


def chunkings(size: int):
    rng = random.Random(size)
    sizes = []
    while sum(sizes) < size:
        sizes.append(rng.randint(1, 40))
    return {"1-byte": [1] * size, "7-byte": [7] * -(-size // 7), "random": sizes}


def send_in(client, url, data: bytes, sizes):
    offset, answer = 0, None
    for n in sizes:
        chunk = data[offset: offset + n]
        if not chunk:
            break
        answer = patch_chunk(client, url, offset, chunk)
        if answer.status_code != 204:
            return answer, offset
        offset += len(chunk)
    return answer, offset


@pytest.mark.parametrize("chunking", ["1-byte", "7-byte", "random"])
@pytest.mark.parametrize("plain", ["a plaintext PDF", "a plaintext PDF behind the age first line",
                                   "a plaintext PDF behind a byte"])
def test_a_plaintext_pdf_is_refused_whatever_the_chunking(tender, bidder, chunking, plain):
    data = {"a plaintext PDF": PDF, "a plaintext PDF behind the age first line": b"age-encryption.org/v1\n" + PDF,
            "a plaintext PDF behind a byte": b"a" + PDF}[plain]
    sealed = seal_bid(tender, bidder)
    name = sealed.file_names[0]
    manifest = [e | ({"size": len(data)} if e["name"] == name else {}) for e in sealed.manifest()]
    client = client_for(bidder.user)
    started = start_version(client, tender.lot, manifest)
    url = next(f["upload_url"] for f in started.json()["files"] if f["name"] == name)
    answer, stored = send_in(client, url, data, chunkings(len(data))[chunking][:400])
    assert answer.status_code == 415, (answer.status_code, stored)
    error = answer.json()["error"]
    assert error.startswith(f"“{name}” is not a sealed (age) file, so it is refused:") and error.endswith("Seal it first.")
    row = SealedFile.objects.get(pk=url.rsplit("/", 1)[1])
    assert row.received == stored < 64 and row.completed_at is None
    assert storage.path_of(row.storage_name).read_bytes() == data[:stored]


def test_an_age_file_sent_a_byte_at_a_time_through_its_header_is_taken(tender, bidder):
    sealed = seal_bid(tender, bidder)
    client = client_for(bidder.user)
    started = start_version(client, tender.lot, sealed.manifest())
    urls = {f["name"]: f["upload_url"] for f in started.json()["files"]}
    form = sealed.ciphertexts[sealed.form_name]
    head = header_size(form)
    answer, offset = send_in(client, urls[sealed.form_name], form, [1] * (head + 20) + [len(form)])
    assert answer.status_code == 204 and offset == len(form)
    name = sealed.file_names[0]
    data = sealed.ciphertexts[name]
    answer, offset = send_in(client, urls[name], data, [7] * 60 + [len(data)])
    assert answer.status_code == 200, answer.content
    assert Bid.objects.get(pk=started.json()["bid"]).state == BidState.COMPLETE


def test_the_refusal_of_a_file_cut_short_is_in_chinese(tender, bidder):
    sealed = seal_bid(tender, bidder)
    data = sealed.ciphertexts[sealed.file_names[0]]
    client = client_for(bidder.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    manifest = [e | ({"size": header_size(data) + 9} if e["name"] == sealed.file_names[0] else {}) for e in sealed.manifest()]
    started = start_version(client, tender.lot, manifest)
    url = next(f["upload_url"] for f in started.json()["files"] if f["name"] == sealed.file_names[0])
    answer = patch_chunk(client, url, 0, data[: header_size(data) + 9])
    assert answer.status_code == 422
    assert answer.json()["error"] == (
        "“技术标.pdf.age”不完整：age 文件头之后的加密内容不是 16 字节的随机数加若干完整数据块（每块 64 KiB 加 16 字节，"
        "最后一块可较短）。此版本的任何内容均未保留：请重新加密该文件，并作为新版本上传。")
