"""The command-line sealer (`manage.py seal`): its output is standard age, so it uploads like a
browser-sealed bid, gets a receipt that verifies, decrypts at the opening with the bidder's
identity and with the rebuilt opening identity, and decrypts with Debian's `age` too."""

import hashlib
import json
import os
import subprocess
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from bidding import agefile, opening_keys, storage
from bidding.bid_access import verify_receipt_document
from bidding.models import Bid, SealedFile
from tests.bidding.conftest import (
    FORM,
    MS,
    SealedBid,
    client_for,
    make_bidder,
    make_tender,
    send_file,
    start_version,
    upload_bid,
)

pytestmark = pytest.mark.django_db

AGE = "/usr/bin/age"


@pytest.fixture
def plain(tmp_path) -> dict:
    """The bidder's files before sealing, and its opening form."""
    folder = tmp_path / "plain"
    folder.mkdir()
    files = {"商务标.pdf": os.urandom(300_000) + b"%%EOF", "报价清单.xlsx": os.urandom(70_001)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    (folder / "form.json").write_text(json.dumps(FORM, ensure_ascii=False), encoding="utf-8")
    return {"folder": folder, "files": files, "form": folder / "form.json"}


def seal(plain, out, **options) -> str:
    stdout = StringIO()
    call_command("seal", *[str(plain["folder"] / n) for n in plain["files"]], opening_form=str(plain["form"]),
                 out=str(out), stdout=stdout, **options)
    return stdout.getvalue()


def sealed_from(out: Path, plain) -> SealedBid:
    """What the sealer wrote, as the uploader sends it (names as in its manifest)."""
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    kinds, plaintexts, ciphertexts = {}, {}, {}
    for entry in manifest["files"]:
        name = entry["name"]
        kinds[name] = entry["kind"]
        ciphertexts[name] = (out / name).read_bytes()
        plaintexts[name] = (plain["form"].read_bytes() if entry["kind"] == "form"
                            else plain["files"][name.removesuffix(".age")])
    return SealedBid(kinds=kinds, plaintexts=plaintexts, ciphertexts=ciphertexts)


def key_file(tmp_path, identity, label="key") -> Path:
    """An identity file as the bid page offers it: comment lines, then AGE-SECRET-KEY-1…"""
    path = tmp_path / f"{label}.txt"
    path.write_text("# 开标 Kaibiao — 投标人解密密钥 / bidder decryption key\n"
                    f"# public key: {identity.recipient}\n{identity}\n", encoding="utf-8")
    return path


def age_decrypt(key: Path, src: Path, tmp_path) -> subprocess.CompletedProcess:
    out = tmp_path / f"{src.name}.{key.stem}.out"
    result = subprocess.run([AGE, "-d", "-i", str(key), "-o", str(out), str(src)], capture_output=True, timeout=60)
    result.plaintext = out.read_bytes() if result.returncode == 0 else None
    return result


@pytest.fixture
def tender_and_bidder(db):
    tender = make_tender()
    return tender, make_bidder(tender)


def test_seal_writes_age_files_and_manifest(tender_and_bidder, plain, tmp_path):
    tender, bidder = tender_and_bidder
    out = tmp_path / "sealed"
    printed = seal(plain, out, tender=tender.project.code, lot=tender.lot.number, bidder=bidder.organization.uscc)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["project"] == tender.project.code and manifest["lot"] == tender.lot.number
    assert manifest["recipients"] == [tender.ceremony.opening_recipient, str(bidder.identity.recipient)]
    assert [(e["kind"], e["name"]) for e in manifest["files"]] == [
        ("form", "opening-form.json.age"), ("file", "商务标.pdf.age"), ("file", "报价清单.xlsx.age")]
    for entry in manifest["files"]:
        data = (out / entry["name"]).read_bytes()
        assert data.startswith(b"age-encryption.org/v1\n")
        assert (entry["size"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
        assert f"{entry['name']}  {entry['size']} bytes  sha256 {entry['sha256']}" in printed
    assert printed.strip().endswith(
        f"equivalent: age -r {tender.ceremony.opening_recipient} -r {bidder.identity.recipient} -o FILE.age FILE")


def test_sealed_by_command_uploads_verifies_and_decrypts_at_opening(tender_and_bidder, plain, tmp_path):
    tender, bidder = tender_and_bidder
    out = tmp_path / "sealed"
    seal(plain, out, tender=tender.project.code, lot=tender.lot.number, bidder=bidder.organization.uscc)
    sealed = sealed_from(out, plain)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))

    uploaded = upload_bid(client_for(bidder.user), tender.lot, sealed, chunk_size=64 * 1024)
    assert uploaded.last.status_code == 200
    document = uploaded.document
    assert verify_receipt_document(document).valid
    assert {f["name"]: f["sha256"] for f in document["receipt"]["files"]} == {
        e["name"]: e["sha256"] for e in manifest["files"]}
    rows = {f.name: f for f in SealedFile.objects.filter(bid_id=uploaded.bid_id)}
    for name, row in rows.items():
        assert storage.path_of(row.storage_name).read_bytes() == sealed.ciphertexts[name]

    after = tender.after(MS)
    # the bidder's identity, handed in after the deadline
    identity = opening_keys.check_bidder_identity(actor=bidder.user, lot=tender.lot, identity=str(bidder.identity),
                                                  now=after)
    for name, row in rows.items():
        opened = opening_keys.decrypt_sealed_file(sealed=row, identity=identity, opened_with="bidder",
                                                  actor=bidder.user, now=after)
        assert storage.path_of(opened.opened_storage_name).read_bytes() == sealed.plaintexts[name]
    assert opening_keys.read_opening_form(rows["opening-form.json.age"]) == FORM
    # the opening identity, rebuilt from k custodians' shares
    for custodian in tender.custodians[-2:]:
        payload = custodian.open_share(tender.share_blobs[custodian.user.pk])
        opening_keys.hand_in_share(actor=custodian.user, project=tender.project, payload=payload, now=after)
    rebuilt = opening_keys.opening_identity(tender.project)
    for name, row in rows.items():
        opened = opening_keys.decrypt_sealed_file(sealed=row, identity=rebuilt, opened_with="opening",
                                                  actor=tender.staff, now=after)
        assert storage.path_of(opened.opened_storage_name).read_bytes() == sealed.plaintexts[name]
        assert opened.opened_with == "opening"


def test_debian_age_decrypts_command_output_with_identity(tender_and_bidder, plain, tmp_path):
    tender, bidder = tender_and_bidder
    assert Path(AGE).exists(), "Debian's age is expected at /usr/bin/age"
    out = tmp_path / "sealed"
    seal(plain, out, tender=tender.project.code, lot=tender.lot.number, bidder=bidder.organization.uscc)
    sealed = sealed_from(out, plain)

    for custodian in tender.custodians[:2]:
        payload = custodian.open_share(tender.share_blobs[custodian.user.pk])
        opening_keys.hand_in_share(actor=custodian.user, project=tender.project, payload=payload,
                                   now=tender.after(MS))
    keys = {"bidder": key_file(tmp_path, bidder.identity, "bidder"),
            "opening": key_file(tmp_path, opening_keys.opening_identity(tender.project), "opening")}
    for name in sealed.ciphertexts:
        for label, key in keys.items():
            result = age_decrypt(key, out / name, tmp_path)
            assert result.returncode == 0, (label, result.stderr)
            assert result.plaintext == sealed.plaintexts[name]
    # and not with another bidder's key
    stranger = key_file(tmp_path, make_bidder(tender).identity, "stranger")
    refused = age_decrypt(stranger, out / "opening-form.json.age", tmp_path)
    assert refused.returncode != 0
    assert b"no identity matched any of the recipients" in refused.stderr


def test_seal_with_downloaded_parameters_and_own_recipient(tender_and_bidder, plain, tmp_path):
    """A bidder without the platform's database: the parameters file from the bid page."""
    tender, bidder = tender_and_bidder
    answer = client_for(bidder.user).get(reverse("bidding:sealing_params", args=[tender.lot.pk]))
    assert answer.status_code == 200
    assert answer["Content-Disposition"] == (
        f'attachment; filename="sealing-{tender.project.code}-lot{tender.lot.number}.json"')
    params = tmp_path / "sealing.json"
    params.write_bytes(answer.content)
    out = tmp_path / "sealed"
    seal(plain, out, params=str(params), recipient=str(bidder.identity.recipient))
    sealed = sealed_from(out, plain)

    uploaded = upload_bid(client_for(bidder.user), tender.lot, sealed, chunk_size=100_000)
    assert uploaded.last.status_code == 200
    assert verify_receipt_document(uploaded.document).valid
    result = age_decrypt(key_file(tmp_path, bidder.identity), out / "商务标.pdf.age", tmp_path)
    assert result.returncode == 0 and result.plaintext == plain["files"]["商务标.pdf"]


def test_seal_for_tender_where_bidders_do_not_decrypt_uses_opening_recipient_only(plain, tmp_path, db):
    tender = make_tender(bidders_decrypt=False)
    bidder = make_bidder(tender)
    out = tmp_path / "sealed"
    seal(plain, out, tender=tender.project.code, lot=tender.lot.number)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["recipients"] == [tender.ceremony.opening_recipient]
    refused = age_decrypt(key_file(tmp_path, bidder.identity), out / "opening-form.json.age", tmp_path)
    assert refused.returncode != 0


# --- what the sealer refuses -------------------------------------------------------------------------


def refused(plain, out, **options) -> str:
    with pytest.raises(CommandError) as caught:
        seal(plain, out, **options)
    assert not (out / "manifest.json").exists()
    return str(caught.value)


def test_seal_form_that_does_not_fit_refused(tender_and_bidder, plain, tmp_path):
    tender, bidder = tender_and_bidder
    plain["form"].write_text(json.dumps({"price": 912345.67, "colour": "red"}), encoding="utf-8")
    message = refused(plain, tmp_path / "sealed", tender=tender.project.code, lot=tender.lot.number,
                      bidder=bidder.organization.uscc)
    assert message.startswith("the opening form does not fit the tender's declared items:")
    assert "“colour” is not an item this tender declares" in message
    assert "投标报价（元）: write the amount as a string" in message
    assert "工期（日历天）: missing" in message


def test_seal_before_key_ceremony_refused(plain, tmp_path, db):
    tender = make_tender(ceremony=False)
    message = refused(plain, tmp_path / "sealed", tender=tender.project.code, lot=tender.lot.number)
    assert message == "the tender's key ceremony is not done yet: bids cannot be sealed"


def test_seal_without_own_recipient_refused(tender_and_bidder, plain, tmp_path):
    tender, _bidder = tender_and_bidder
    message = refused(plain, tmp_path / "sealed", tender=tender.project.code, lot=tender.lot.number)
    assert message == "this tender asks that bidders decrypt: give --recipient age1… (your key for this tender)"


def test_seal_with_malformed_recipient_refused(tender_and_bidder, plain, tmp_path):
    tender, _bidder = tender_and_bidder
    message = refused(plain, tmp_path / "sealed", tender=tender.project.code, lot=tender.lot.number,
                      recipient="age1notakey")
    assert message.startswith("bad recipient:")


def test_seal_file_over_size_limit_refused(plain, tmp_path, db):
    tender = make_tender(max_file_bytes=100_000)
    bidder = make_bidder(tender)
    message = refused(plain, tmp_path / "sealed", tender=tender.project.code, lot=tender.lot.number,
                      bidder=bidder.organization.uscc)
    assert message == f"{plain['folder'] / '商务标.pdf'} is larger than the tender allows (100000 bytes)"


def test_seal_for_unknown_lot_refused(tender_and_bidder, plain, tmp_path):
    tender, _bidder = tender_and_bidder
    message = refused(plain, tmp_path / "sealed", tender=tender.project.code, lot=99)
    assert message == f"no lot 99 in tender {tender.project.code}"


def test_seal_with_parameters_from_before_the_ceremony_refused(plain, tmp_path, db):
    tender = make_tender(ceremony=False)
    bidder = make_bidder(tender)
    params = tmp_path / "sealing.json"
    params.write_bytes(client_for(bidder.user).get(reverse("bidding:sealing_params", args=[tender.lot.pk])).content)
    message = refused(plain, tmp_path / "sealed", params=str(params), recipient=str(bidder.identity.recipient))
    assert message == "the tender's key ceremony was not done when these parameters were downloaded"


def test_seal_without_tender_or_parameters_refused(plain, tmp_path):
    assert refused(plain, tmp_path / "sealed") == "give --tender and --lot, or --params"


def test_seal_never_to_the_bidders_key_alone(tender_and_bidder, plain, tmp_path):
    """Every file carries two X25519 stanzas, and each recipient's identity alone opens
    it (the real age decryption): the custodians' opening key is always there as the remedy."""
    tender, bidder = tender_and_bidder
    out = tmp_path / "sealed"
    seal(plain, out, tender=tender.project.code, lot=tender.lot.number, bidder=bidder.organization.uscc)
    sealed = sealed_from(out, plain)
    stranger = make_bidder(tender).identity
    for name, ciphertext in sealed.ciphertexts.items():
        header = agefile.parse_header(BytesIO(ciphertext))
        assert [s.type for s in header.stanzas].count("X25519") == 2
        for identity in (bidder.identity, tender.dealt_identity):
            assert agefile.decrypt_bytes(ciphertext, identities=[identity]) == sealed.plaintexts[name]
        with pytest.raises(agefile.NoIdentityMatch):
            agefile.decrypt_bytes(ciphertext, identities=[stranger])


def test_seal_to_the_opening_recipient_as_ones_own_refused(tender_and_bidder, plain, tmp_path):
    tender, _bidder = tender_and_bidder
    message = refused(plain, tmp_path / "sealed", tender=tender.project.code, lot=tender.lot.number,
                      recipient=tender.ceremony.opening_recipient)
    assert message == "--recipient is the tender's opening recipient: give your own key for this tender"


def test_seal_to_a_key_other_than_the_registered_one_refused(tender_and_bidder, plain, tmp_path):
    tender, bidder = tender_and_bidder
    other = str(agefile.generate_identity().recipient)
    message = refused(plain, tmp_path / "sealed", tender=tender.project.code, lot=tender.lot.number,
                      bidder=bidder.organization.uscc, recipient=other)
    assert message == f"--recipient is not the key you registered for this tender ({bidder.identity.recipient})"


def test_the_seal_commands_manifest_declares_each_files_sha256_so_a_cut_copy_is_refused(tender_and_bidder, plain,
                                                                                        tmp_path):
    tender, bidder = tender_and_bidder
    out = tmp_path / "sealed"
    printed = seal(plain, out, tender=tender.project.code, lot=tender.lot.number, bidder=bidder.organization.uscc)
    assert f"upload these files together with {out / 'manifest.json'}: it declares their SHA-256" in printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    sealed = sealed_from(out, plain)
    cut_name = manifest["files"][1]["name"]
    sealed.ciphertexts[cut_name] = sealed.ciphertexts[cut_name][:-16]  # a copy that lost its last bytes
    declared = [{**e, "size": len(sealed.ciphertexts[e["name"]])} for e in manifest["files"]]
    client = client_for(bidder.user)
    started = start_version(client, tender.lot, declared)
    assert started.status_code == 201
    urls = {f["name"]: f["upload_url"] for f in started.json()["files"]}
    answers = [send_file(client, urls[e["name"]], sealed.ciphertexts[e["name"]], chunk_size=64 * 1024)
               for e in manifest["files"][:2]]
    assert answers[0].status_code == 204
    assert answers[1].status_code == 422
    assert f"“{cut_name}” is not the file that was sealed" in answers[1].json()["error"]
    assert not Bid.objects.filter(pk=started.json()["bid"]).exists()
