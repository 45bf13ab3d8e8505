"""The resumable upload (tus 1.0.0 core + checksum) of sealed bids, its refusals, and the rule
that a bid counts only if its last chunk was committed before the deadline (DESIGN.md §4)."""

import hashlib
import io
from datetime import UTC
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from bidding import agefile, storage
from bidding.bid_access import receipt_document, verify_receipt_document
from bidding.choices import BidState
from bidding.models import Bid, BidSecurity, Receipt, SealedFile
from bidding.security import record_bid_security
from bidding.selectors import complete_bid_count
from bidding.upload import DeadlinePassed, _fmt, _running, receive_chunk, register_bidder_key, withdraw_bid
from tests.bidding.conftest import (
    MS,
    checksum_header,
    client_for,
    events,
    head_upload,
    make_bidder,
    make_tender,
    patch_chunk,
    seal_bid,
    send_file,
    start_version,
    stored_bytes,
    submit,
    upload_bid,
)
from tests.trading.factories import LotFactory, UserFactory, party, staff
from tests.trading.factories import bidder as bidder_user
from trading.choices import LotState, Role
from trading.errors import PermissionDenied, RuleViolation

pytestmark = pytest.mark.django_db


def closed_at(deadline) -> str:
    """The deadline as a refusal names it: Beijing time, named, to the millisecond."""
    return timezone.localtime(deadline).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + " (Beijing time)"


def receipt_time(at) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def begin(tender, bidder, sealed=None):
    """Declare a version; returns (sealed, client, {name: upload url}, the POST answer's JSON)."""
    sealed = sealed or seal_bid(tender, bidder)
    client = client_for(bidder.user)
    response = start_version(client, tender.lot, sealed.manifest())
    assert response.status_code == 201, response.content
    body = response.json()
    return sealed, client, {f["name"]: f["upload_url"] for f in body["files"]}, body


def file_row(bid_id, name) -> SealedFile:
    return SealedFile.objects.get(bid_id=bid_id, name=name)


# --- a complete upload --------------------------------------------------------------------------


def test_upload_in_chunks_completes_with_receipt_at_last_chunk(tender, bidder):
    sealed = seal_bid(tender, bidder)
    uploaded = upload_bid(client_for(bidder.user), tender.lot, sealed, chunk_size=40_000)

    # every chunk but the last is acknowledged with 204; the last one brings the receipt
    assert uploaded.statuses[:-1] == [204] * (len(uploaded.statuses) - 1)
    assert uploaded.last.status_code == 200
    assert uploaded.last["Tus-Resumable"] == "1.0.0"
    document = uploaded.document
    body = document["receipt"]
    bid = Bid.objects.get(pk=uploaded.bid_id)
    assert bid.state == BidState.COMPLETE and bid.version == 1
    assert body["action"] == "submitted"
    assert body["server_time"] == receipt_time(bid.completed_at)
    assert body["bidder"] == {"name": bidder.organization.name, "uscc": bidder.organization.uscc}
    assert (body["project"], body["lot"], body["version"]) == (tender.project.code, tender.lot.number, 1)
    # what the bidder's browser hashed is what the receipt names and what is stored
    assert {f["name"]: (f["kind"], f["size"], f["sha256"]) for f in body["files"]} == {
        name: (sealed.kinds[name], len(data), sealed.digest(name)) for name, data in sealed.ciphertexts.items()
    }
    for name, data in sealed.ciphertexts.items():
        row = file_row(bid.pk, name)
        assert stored_bytes(row) == data
        assert (row.received, row.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert Receipt.objects.get(bid=bid).id.hex == body["receipt_id"].replace("-", "")
    completed = events("bid.completed", object_id=str(bid.pk))
    assert len(completed) == 1 and completed[0].data["receipt_id"] == body["receipt_id"]
    assert completed[0].actor_id == bidder.user.pk
    assert complete_bid_count(tender.lot) == 1


def test_start_version_answers_one_upload_url_per_sealed_file(tender, bidder):
    sealed, client, urls, body = begin(tender, bidder)
    assert body["version"] == 1
    assert set(urls) == set(sealed.ciphertexts)
    for name, url in urls.items():
        answer = head_upload(client, url)
        assert answer.status_code == 200
        assert (answer["Upload-Offset"], answer["Upload-Length"]) == ("0", str(len(sealed.ciphertexts[name])))
    assert events("bid.started", object_id=str(body["bid"]))[0].data["version"] == 1


def test_options_announces_tus_version_and_checksum(tender, bidder):
    sealed, client, urls, _body = begin(tender, bidder)
    answer = client.options(urls[sealed.form_name])
    assert answer.status_code == 204
    assert answer["Tus-Version"] == "1.0.0"
    assert answer["Tus-Extension"] == "checksum"
    assert answer["Tus-Checksum-Algorithm"] == "sha256"


# --- resuming -------------------------------------------------------------------------------------


def test_interrupted_upload_resumes_byte_identical(tender, bidder):
    sealed, client, urls, body = begin(tender, bidder)
    send_file(client, urls[sealed.form_name], sealed.ciphertexts[sealed.form_name], chunk_size=100)
    name = sealed.file_names[0]
    data = sealed.ciphertexts[name]
    send_file(client, urls[name], data[:50_000], chunk_size=25_000)
    row = file_row(body["bid"], name)

    # the connection drops in the middle of the next chunk: 10,000 of 30,000 bytes arrive
    stream = io.BytesIO(data[50_000:60_000])
    with translation.override("en"), pytest.raises(RuleViolation) as cut:
        receive_chunk(actor=bidder.user, file_id=row.pk, offset=50_000, read=stream.read, length=30_000)
    assert str(cut.value) == "The chunk was cut short: 10000 of 30000 bytes arrived. Send it again."
    assert storage.path_of(row.storage_name).stat().st_size == 50_000
    # the server restarts: the running hash of the upload is gone from memory
    _running.clear()

    # the browser asks where to resume, and sends the rest from there
    resume = head_upload(client, urls[name])
    assert resume["Upload-Offset"] == "50000"
    last = send_file(client, urls[name], data, chunk_size=30_000, start=int(resume["Upload-Offset"]))
    assert last.status_code == 200
    document = last.json()["receipt"]

    row.refresh_from_db()
    assert stored_bytes(row) == data
    assert row.sha256 == hashlib.sha256(data).hexdigest()
    assert {f["name"]: f["sha256"] for f in document["receipt"]["files"]}[name] == hashlib.sha256(data).hexdigest()
    # and the resumed file is still the bid the bidder sealed
    assert agefile.decrypt_bytes(stored_bytes(row), identities=[bidder.identity]) == sealed.plaintexts[name]


def test_patch_at_wrong_offset_refused_with_resume_point(tender, bidder):
    sealed, client, urls, body = begin(tender, bidder)
    name = sealed.file_names[0]
    data = sealed.ciphertexts[name]
    send_file(client, urls[name], data[:1000], chunk_size=1000)

    # the browser did not see the answer to its first chunk, and sends it again
    again = patch_chunk(client, urls[name], 0, data[:1000])
    assert again.status_code == 409
    assert again.json()["error"] == "This chunk starts at the wrong place: the server has 1000 bytes; resume from there."
    assert again["Upload-Offset"] == "1000"
    ahead = patch_chunk(client, urls[name], 5000, data[5000:6000])
    assert ahead.status_code == 409 and ahead["Upload-Offset"] == "1000"
    row = file_row(body["bid"], name)
    assert row.received == 1000
    assert stored_bytes(row) == data[:1000]


def test_patch_with_wrong_digest_refused_and_nothing_kept(tender, bidder):
    sealed, client, urls, body = begin(tender, bidder)
    name = sealed.file_names[0]
    data = sealed.ciphertexts[name]
    send_file(client, urls[name], data[:1000], chunk_size=1000)

    damaged = bytearray(data[1000:2000])
    damaged[17] ^= 0x40
    answer = patch_chunk(client, urls[name], 1000, bytes(damaged),
                         checksum=checksum_header(data[1000:2000]))
    assert answer.status_code == 460
    assert answer.json()["error"] == (
        "The chunk's SHA-256 does not match what was sent: it was damaged on the way. Send it again."
    )
    row = file_row(body["bid"], name)
    assert row.received == 1000
    assert stored_bytes(row) == data[:1000]
    # sent again intact, it is taken, and the whole file ends byte-identical
    last = send_file(client, urls[name], data, chunk_size=60_000, start=1000)
    assert last.status_code == 204  # the opening form is still missing
    assert stored_bytes(file_row(body["bid"], name)) == data


@pytest.mark.parametrize("header, message", [
    ("md5 1B2M2Y8AsgTpgAmY7PhCfg==", "Only sha256 checksums are supported."),
    ("sha256 not-base64!", "The checksum is not valid base64."),
    ("sha256 AAAA", "A sha256 checksum has 32 bytes."),
])
def test_patch_with_unusable_checksum_header_refused(tender, bidder, header, message):
    sealed, client, urls, _body = begin(tender, bidder)
    answer = patch_chunk(client, urls[sealed.form_name], 0, sealed.ciphertexts[sealed.form_name], checksum=header)
    assert answer.status_code == 400
    assert answer.json()["error"] == message


def test_patch_without_tus_header_refused(tender, bidder):
    sealed, client, urls, _body = begin(tender, bidder)
    answer = client.patch(urls[sealed.form_name], data=sealed.ciphertexts[sealed.form_name],
                          content_type="application/offset+octet-stream", headers={"Upload-Offset": "0"})
    assert answer.status_code == 412
    assert answer.json()["error"] == "Send the header Tus-Resumable: 1.0.0."
    assert answer["Tus-Version"] == "1.0.0"


def test_patch_with_wrong_content_type_refused(tender, bidder):
    sealed, client, urls, _body = begin(tender, bidder)
    answer = client.patch(urls[sealed.form_name], data=sealed.ciphertexts[sealed.form_name],
                          content_type="application/octet-stream",
                          headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "0"})
    assert answer.status_code == 415
    assert answer.json()["error"] == "A chunk is sent as application/offset+octet-stream."


def test_patch_past_declared_size_refused(tender, bidder):
    sealed, client, urls, body = begin(tender, bidder)
    data = sealed.ciphertexts[sealed.form_name]
    answer = patch_chunk(client, urls[sealed.form_name], 0, data + b"extra")
    assert answer.status_code == 400
    assert answer.json()["error"] == (
        f"This chunk runs past the declared size of “opening-form.json.age” ({len(data)} bytes)."
    )
    assert file_row(body["bid"], sealed.form_name).received == 0


def test_patch_of_plaintext_refused_as_not_sealed(tender, bidder):
    plain = b"%PDF-1.7\n" + b"x" * 5000
    sealed, client, urls, body = begin(tender, bidder)
    name = sealed.file_names[0]
    answer = patch_chunk(client, urls[name], 0, plain[:4000])
    assert answer.status_code == 415
    error = answer.json()["error"]
    assert error.startswith("“技术标.pdf.age” is not a sealed (age) file, so it is refused:")
    assert error.endswith("Seal it first.")
    row = file_row(body["bid"], name)
    assert row.received == 0 and row.completed_at is None


def test_patch_after_version_complete_refused(tender, bidder):
    sealed, uploaded = submit(tender, bidder)
    url = uploaded.urls[sealed.form_name]
    answer = patch_chunk(client_for(bidder.user), url, 0, sealed.ciphertexts[sealed.form_name])
    assert answer.status_code == 400
    assert answer.json()["error"] == "This version is no longer being uploaded."


def test_patch_of_another_bidders_upload_refused(tender, bidder, other_bidder):
    sealed, _client, urls, body = begin(tender, bidder)
    intruder = client_for(other_bidder.user)
    answer = patch_chunk(intruder, urls[sealed.form_name], 0, sealed.ciphertexts[sealed.form_name])
    assert answer.status_code == 404
    assert answer.json()["error"] == "No such upload."
    assert head_upload(intruder, urls[sealed.form_name]).status_code == 404
    assert file_row(body["bid"], sealed.form_name).received == 0


# --- what a version may declare -----------------------------------------------------------------


def test_start_version_with_file_over_size_limit_refused():
    tender = make_tender(max_file_bytes=1024 * 1024)
    bidder = make_bidder(tender)
    manifest = [{"kind": "form", "name": "opening-form.json.age", "size": 400},
                {"kind": "file", "name": "技术标.pdf.age", "size": 1024 * 1024 + 1}]
    answer = start_version(client_for(bidder.user), tender.lot, manifest)
    assert answer.status_code == 400
    assert answer.json()["error"] == "“技术标.pdf.age” is larger than this tender allows (1 MiB)."
    assert not Bid.objects.filter(lot=tender.lot).exists()
    # exactly at the limit is fine
    manifest[1]["size"] = 1024 * 1024
    assert start_version(client_for(bidder.user), tender.lot, manifest).status_code == 201


@pytest.mark.parametrize("manifest, message", [
    ([{"kind": "file", "name": "a.age", "size": 10}], "A bid has exactly one sealed opening form, then its bid files."),
    ([{"kind": "form", "name": "f.age", "size": 10}, {"kind": "form", "name": "g.age", "size": 10},
      {"kind": "file", "name": "a.age", "size": 10}], "A bid has exactly one sealed opening form, then its bid files."),
    ([{"kind": "form", "name": "f.age", "size": 10}], "Add at least one bid file."),
    ([{"kind": "form", "name": "f.age", "size": 10}, {"kind": "file", "name": "../a.age", "size": 10}],
     "Each sealed file needs its own plain name (no folders, at most 200 characters)."),
    ([{"kind": "form", "name": "f.age", "size": 10}, {"kind": "file", "name": "f.age", "size": 10}],
     "Each sealed file needs its own plain name (no folders, at most 200 characters)."),
    ([{"kind": "form", "name": "f.age", "size": 10}, {"kind": "file", "name": "a.age", "size": 0}],
     "“a.age”: the size must be a positive number of bytes."),
])
def test_start_version_with_bad_manifest_refused(tender, bidder, manifest, message):
    answer = start_version(client_for(bidder.user), tender.lot, manifest)
    assert answer.status_code == 400
    assert answer.json()["error"] == message
    assert not Bid.objects.filter(lot=tender.lot).exists()


def test_start_version_with_more_files_than_allowed_refused():
    tender = make_tender(max_files=2)
    bidder = make_bidder(tender)
    manifest = [{"kind": "form", "name": "f.age", "size": 10}] + [
        {"kind": "file", "name": f"{i}.age", "size": 10} for i in range(3)]
    answer = start_version(client_for(bidder.user), tender.lot, manifest)
    assert answer.status_code == 400
    assert answer.json()["error"] == "At most 2 bid files."


def test_start_version_without_json_refused(tender, bidder):
    answer = client_for(bidder.user).post(reverse("bidding:start_version", args=[tender.lot.pk]), data=b"files",
                                          content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("Send the list of sealed files as JSON")


def test_start_version_for_draft_lot_refused(bidder):
    draft = LotFactory(state=LotState.DRAFT)
    answer = start_version(client_for(bidder.user), draft, [{"kind": "form", "name": "f.age", "size": 10},
                                                            {"kind": "file", "name": "a.age", "size": 10}])
    assert answer.status_code == 404
    assert answer.json()["error"] == "No such lot."


def test_start_version_for_cancelled_lot_of_open_tender_refused(tender, bidder):
    cancelled = LotFactory(project=tender.project, state=LotState.CANCELLED)
    sealed = seal_bid(tender, bidder)
    answer = start_version(client_for(bidder.user), cancelled, sealed.manifest())
    assert answer.status_code == 400
    assert answer.json()["error"] == "This lot is not open for bidding."
    assert not Bid.objects.filter(lot=cancelled).exists()


def test_upload_to_lot_cancelled_during_upload_refused(tender, bidder):
    sealed, client, urls, body = begin(tender, bidder)
    LotFactory(project=tender.project, state=LotState.PUBLISHED)  # the tender stays open for another lot
    tender.lot.state = LotState.CANCELLED
    tender.lot.save()
    answer = patch_chunk(client, urls[sealed.form_name], 0, sealed.ciphertexts[sealed.form_name])
    assert answer.status_code == 400
    assert answer.json()["error"] == "This lot is not open for bidding."
    assert file_row(body["bid"], sealed.form_name).received == 0


def test_start_version_after_deadline_refused(tender, bidder):
    sealed = seal_bid(tender, bidder)
    with time_machine.travel(tender.after(MS), tick=False):
        answer = start_version(client_for(bidder.user), tender.lot, sealed.manifest())
    assert answer.status_code == 400
    assert answer.json()["error"] == f"Bidding for this tender closed at {closed_at(tender.deadline)}."
    assert not Bid.objects.filter(lot=tender.lot).exists()


@pytest.mark.parametrize("role", [Role.EXPERT, Role.CUSTODIAN])
def test_start_version_by_user_without_registered_organization_refused(tender, role):
    nobody = UserFactory(role=role)
    answer = start_version(client_for(nobody), tender.lot, [{"kind": "form", "name": "f.age", "size": 10},
                                                             {"kind": "file", "name": "a.age", "size": 10}])
    assert answer.status_code == 403
    assert answer.json()["error"] == "Only a registered bidder organization may do this."


@pytest.mark.parametrize("role", [Role.TENDEREE, Role.AGENT, Role.STAFF])
def test_start_version_by_non_bidder_refused(tender, role):
    user = tender.staff if role == Role.STAFF else party(role)
    answer = start_version(client_for(user), tender.lot, [{"kind": "form", "name": "f.age", "size": 10},
                                                           {"kind": "file", "name": "a.age", "size": 10}])
    assert answer.status_code == 403
    assert answer.json()["error"] == "Only a registered bidder organization may do this."


def test_start_version_anonymous_sent_to_login(tender):
    answer = start_version(client_for(None), tender.lot, [])
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("login"))


def test_start_version_without_bidder_key_refused(tender):
    user = bidder_user()
    answer = start_version(client_for(user), tender.lot, [{"kind": "form", "name": "f.age", "size": 10},
                                                          {"kind": "file", "name": "a.age", "size": 10}])
    assert answer.status_code == 400
    assert answer.json()["error"] == "Generate and save your key for this tender first."


def test_start_version_before_key_ceremony_refused():
    tender = make_tender(ceremony=False)
    bidder = make_bidder(tender)
    answer = start_version(client_for(bidder.user), tender.lot, [{"kind": "form", "name": "f.age", "size": 10},
                                                                 {"kind": "file", "name": "a.age", "size": 10}])
    assert answer.status_code == 400
    assert answer.json()["error"] == "The tender's key ceremony is not done yet: bids cannot be sealed."


def test_register_bidder_key_malformed_recipient_refused(tender):
    user = bidder_user()
    client = client_for(user)
    url = reverse("bidding:register_key", args=[tender.lot.pk])
    answer = client.post(url, data={"recipient": "ssh-ed25519 AAAA"}, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"] == "This is not an age recipient (it starts with “age1”)."
    answer = client.post(url, data={"recipient": "age1notarecipient"}, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("This age recipient is malformed:")
    identity = agefile.generate_identity()
    answer = client.post(url, data={"recipient": str(identity.recipient)}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["recipient"] == str(identity.recipient)
    assert events("bidder_key.registered", actor_id=user.pk)[0].data["recipient"] == str(identity.recipient)


def test_register_bidder_key_after_deadline_refused(tender):
    user = bidder_user()
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        register_bidder_key(actor=user, lot=tender.lot, recipient=str(agefile.generate_identity().recipient),
                            now=tender.after(MS))
    assert str(refused.value) == f"Bidding for this tender closed at {closed_at(tender.deadline)}."


# --- the deadline: the commit is the one authority ---------------------------------------------


def _all_but_last_chunk(tender, bidder, *, chunk_size=50_000):
    """A version whose form is in and whose bid file misses its last chunk."""
    sealed, client, urls, body = begin(tender, bidder)
    send_file(client, urls[sealed.form_name], sealed.ciphertexts[sealed.form_name], chunk_size=chunk_size)
    name = sealed.file_names[0]
    data = sealed.ciphertexts[name]
    cut = len(data) - 1000
    send_file(client, urls[name], data[:cut], chunk_size=chunk_size)
    return sealed, client, urls[name], data, cut, body


def test_last_chunk_one_millisecond_after_deadline_refused(tender, bidder):
    sealed, client, url, data, cut, body = _all_but_last_chunk(tender, bidder)
    with time_machine.travel(tender.after(MS), tick=False):
        answer = patch_chunk(client_for(bidder.user), url, cut, data[cut:])
    assert answer.status_code == 410
    assert answer.json()["error"] == (
        f"Bidding for this tender closed at {closed_at(tender.deadline)}. "
        f"The upload of “技术标.pdf.age” was not complete ({cut} of {len(data)} bytes). "
        "You have no complete bid for this lot."
    )
    bid = Bid.objects.get(pk=body["bid"])
    assert bid.state == BidState.UPLOADING and bid.completed_at is None
    assert not Receipt.objects.filter(bid=bid).exists()
    assert file_row(bid.pk, "技术标.pdf.age").received == cut
    assert complete_bid_count(tender.lot) == 0


def test_last_chunk_one_millisecond_before_deadline_counts(tender, bidder):
    sealed, client, url, data, cut, body = _all_but_last_chunk(tender, bidder)
    with time_machine.travel(tender.before(MS), tick=False):
        answer = patch_chunk(client_for(bidder.user), url, cut, data[cut:])
    assert answer.status_code == 200
    bid = Bid.objects.get(pk=body["bid"])
    assert bid.state == BidState.COMPLETE
    assert bid.completed_at == tender.before(MS)
    assert answer.json()["receipt"]["receipt"]["server_time"] == receipt_time(tender.before(MS))
    assert complete_bid_count(tender.lot) == 1


def test_last_chunk_received_before_deadline_but_committed_after_refused(tender, bidder):
    sealed, client, url, data, cut, body = _all_but_last_chunk(tender, bidder)
    row = file_row(body["bid"], "技术标.pdf.age")
    # The request arrived (and its bytes streamed in) before the deadline; its transaction
    # commits 1 ms after it. The commit's server time decides.
    with time_machine.travel(tender.after(MS), tick=False), translation.override("en"):
        with pytest.raises(DeadlinePassed) as refused:
            receive_chunk(actor=bidder.user, file_id=row.pk, offset=cut, read=io.BytesIO(data[cut:]).read,
                          length=len(data) - cut, now=tender.before(MS))
    assert str(refused.value) == (
        f"Bidding for this tender closed at {closed_at(tender.deadline)}. "
        "You have no complete bid for this lot."
    )
    row.refresh_from_db()
    assert row.received == cut and row.completed_at is None
    assert Bid.objects.get(pk=body["bid"]).state == BidState.UPLOADING
    assert not Receipt.objects.exists()
    assert not events("bid.completed")
    assert complete_bid_count(tender.lot) == 0


# --- versions: replace and withdraw until the deadline -----------------------------------------


def test_replace_before_deadline_each_version_has_its_own_receipt(tender, bidder):
    _first, one = submit(tender, bidder)
    _second, two = submit(tender, bidder)
    v1, v2 = Bid.objects.get(pk=one.bid_id), Bid.objects.get(pk=two.bid_id)
    assert (v1.version, v1.state) == (1, BidState.SUPERSEDED)
    assert (v2.version, v2.state) == (2, BidState.COMPLETE)
    assert one.document["receipt"]["version"] == 1 and two.document["receipt"]["version"] == 2
    assert one.document["receipt"]["receipt_id"] != two.document["receipt"]["receipt_id"]
    assert Receipt.objects.filter(bid=v1).count() == 1 and Receipt.objects.filter(bid=v2).count() == 1
    assert complete_bid_count(tender.lot) == 1
    # both receipts stay downloadable, exactly as issued
    client = client_for(bidder.user)
    for uploaded in (one, two):
        rid = uploaded.document["receipt"]["receipt_id"]
        again = client.get(reverse("bidding:receipt", args=[rid]))
        assert again.status_code == 200
        assert again.json()["receipt"] == uploaded.document["receipt"]
        assert again.json()["signature"] == uploaded.document["signature"]


def test_withdraw_before_deadline_gets_receipt_and_stops_counting(tender, bidder):
    _sealed, uploaded = submit(tender, bidder)
    client = client_for(bidder.user)
    answer = client.post(reverse("bidding:withdraw", args=[tender.lot.pk]), {"confirmed": "yes"}, follow=True)
    assert answer.status_code == 200
    bid = Bid.objects.get(pk=uploaded.bid_id)
    assert bid.state == BidState.WITHDRAWN and bid.withdrawn_at is not None
    withdrawal = Receipt.objects.get(bid=bid, action="withdrawn")
    assert f"Your bid is withdrawn (receipt {withdrawal.id})." in answer.content.decode()
    document = receipt_document(actor=bidder.user, receipt_id=withdrawal.id)
    assert document["receipt"]["action"] == "withdrawn"
    assert verify_receipt_document(document).valid
    assert complete_bid_count(tender.lot) == 0
    assert events("bid.withdrawn", object_id=str(bid.pk))[0].data["receipt_id"] == str(withdrawal.id)


def test_withdraw_then_new_version_counts(tender, bidder):
    submit(tender, bidder)
    withdraw_bid(actor=bidder.user, lot=tender.lot)
    _sealed, again = submit(tender, bidder)
    assert again.document["receipt"]["version"] == 2
    assert complete_bid_count(tender.lot) == 1


def test_withdraw_without_complete_bid_refused(tender, bidder):
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        withdraw_bid(actor=bidder.user, lot=tender.lot)
    assert str(refused.value) == "You have no complete bid for this lot to withdraw."


def test_withdraw_one_millisecond_after_deadline_refused(tender, bidder):
    _sealed, uploaded = submit(tender, bidder)
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        withdraw_bid(actor=bidder.user, lot=tender.lot, now=tender.after(MS))
    assert str(refused.value) == f"Bidding for this tender closed at {closed_at(tender.deadline)}."
    assert Bid.objects.get(pk=uploaded.bid_id).state == BidState.COMPLETE
    assert complete_bid_count(tender.lot) == 1


def test_unfinished_replacement_at_deadline_leaves_last_complete_version_counting(tender, bidder):
    _first, one = submit(tender, bidder)
    v1 = Bid.objects.get(pk=one.bid_id)
    sealed, client, url, data, cut, body = _all_but_last_chunk(tender, bidder)
    assert complete_bid_count(tender.lot) == 1
    with time_machine.travel(tender.after(MS), tick=False):
        answer = patch_chunk(client_for(bidder.user), url, cut, data[cut:])
    assert answer.status_code == 410
    assert answer.json()["error"].endswith(
        f"Your version 1, received {_fmt(v1.completed_at)}, counts."
    )
    assert Bid.objects.get(pk=body["bid"]).state == BidState.UPLOADING
    v1.refresh_from_db()
    assert v1.state == BidState.COMPLETE
    assert complete_bid_count(tender.lot) == 1


def test_new_version_discards_unfinished_one(tender, bidder):
    sealed, client, url, data, cut, body = _all_but_last_chunk(tender, bidder)
    stale_files = list(SealedFile.objects.filter(bid_id=body["bid"]))
    _sealed, fresh = submit(tender, bidder)
    assert not Bid.objects.filter(pk=body["bid"]).exists()
    assert not SealedFile.objects.filter(pk__in=[f.pk for f in stale_files]).exists()
    assert not any(storage.path_of(f.storage_name).exists() for f in stale_files)
    assert Bid.objects.get(pk=fresh.bid_id).state == BidState.COMPLETE
    assert complete_bid_count(tender.lot) == 1


def test_complete_bid_count_counts_bidders_not_versions(tender, bidder, other_bidder):
    submit(tender, bidder)
    submit(tender, bidder)
    submit(tender, other_bidder)
    assert Bid.objects.filter(lot=tender.lot).count() == 3
    assert complete_bid_count(tender.lot) == 2


# --- bid security -----------------------------------------------------------------------------------


def test_bid_without_required_security_does_not_count():
    tender = make_tender(require_bid_security=True)
    bidder = make_bidder(tender)
    submit(tender, bidder)
    assert complete_bid_count(tender.lot) == 0
    security = record_bid_security(actor=tender.staff, lot=tender.lot, organization=bidder.organization,
                                   amount=Decimal("10000.00"), method=BidSecurity.Method.GUARANTEE,
                                   reference="BG-2026-001")
    assert complete_bid_count(tender.lot) == 1
    recorded = events("bid_security.recorded", object_id=str(security.pk))[0]
    assert recorded.actor_id == tender.staff.pk and recorded.data["reference"] == "BG-2026-001"


def test_bid_without_security_counts_when_tender_does_not_require_it(tender, bidder):
    submit(tender, bidder)
    assert complete_bid_count(tender.lot) == 1


def test_record_bid_security_below_required_amount_refused(tender, bidder):
    with translation.override("en"), pytest.raises(RuleViolation) as refused:
        record_bid_security(actor=tender.staff, lot=tender.lot, organization=bidder.organization,
                            amount=Decimal("5000.00"), method=BidSecurity.Method.TRANSFER, reference="T-1")
    assert str(refused.value) == "The tender asks for 10,000.00 yuan of bid security; 5,000.00 is less."
    assert not BidSecurity.objects.exists()


def test_record_bid_security_by_other_center_staff_refused(tender, bidder):
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        record_bid_security(actor=staff(), lot=tender.lot, organization=bidder.organization,
                            amount=Decimal("10000.00"), method=BidSecurity.Method.TRANSFER, reference="T-1")
    assert str(refused.value) == "Only staff of this tender's trading center may do this."

