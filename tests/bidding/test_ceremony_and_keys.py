"""The key ceremony (the opening identity dealt k-of-n in a browser; the server keeps only the
opening recipient and the shares encrypted to each custodian) and the opening keys after the
deadline: the bidder's identity or a file key, the custodians' shares rebuilding the opening
identity in memory, and the streaming decryption that yields plaintext only when it verified."""

import base64
import hashlib
import itertools
import json
from io import StringIO
from pathlib import Path

import pyshamir
import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from bidding import agefile, opening_keys, storage
from bidding.ceremony import (
    ceremony_recipients,
    complete_ceremony,
    invite_custodians,
    my_encrypted_share,
    register_custodian_key,
)
from bidding.models import CustodianKey, CustodianShare, HandedInShare, KeyCeremony, SealedFile, TenderRules
from bidding.upload import sealing_recipients
from tests.bidding.conftest import (
    FORM,
    MS,
    client_for,
    deal_opening_key,
    events,
    make_bidder,
    make_custodian,
    make_tender,
    share_payload,
    submit,
)
from tests.trading.factories import LotFactory, UserFactory, staff
from trading.choices import LotState, Role
from trading.errors import NotFound, PermissionDenied, RuleViolation

pytestmark = pytest.mark.django_db

VECTORS = json.loads((Path(settings.BASE_DIR) / "frontend/js/test/vectors/opening-shares.json").read_text())


def refused(action, error=RuleViolation) -> str:
    with translation.override("en"), pytest.raises(error) as caught:
        action()
    return str(caught.value)


def draft_project():
    lot = LotFactory(state=LotState.DRAFT)
    return lot.project


# --- the shares format: the same scheme as the browser ------------------------------------------------


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: f"k{c['threshold']}")
def test_vector_shares_every_k_subset_rebuilds_the_opening_identity(case):
    shares = [bytes.fromhex(s) for s in case["shares"]]
    for subset in itertools.combinations(shares, case["threshold"]):
        assert bytes(pyshamir.combine([bytearray(s) for s in subset])).hex() == VECTORS["secret"]
        identity = opening_keys.combine_shares(list(subset), VECTORS["recipient"])
        assert str(identity) == VECTORS["identity"]
        assert str(identity.recipient) == VECTORS["recipient"]


def test_vector_shares_fewer_than_k_refused():
    (case,) = [c for c in VECTORS["cases"] if c["threshold"] == 3]
    shares = [bytes.fromhex(s) for s in case["shares"]]
    for subset in itertools.combinations(shares, 2):
        message = refused(lambda s=subset: opening_keys.combine_shares(list(s), VECTORS["recipient"]))
        assert message == "The shares handed in do not rebuild the opening key: a share is wrong or missing."


def test_vector_shares_of_two_dealings_do_not_mix():
    """Both cases split the same secret; one share of each interpolates to something else."""
    two, three = ([bytes.fromhex(s) for s in c["shares"]] for c in VECTORS["cases"])
    message = refused(lambda: opening_keys.combine_shares([two[0], three[1]], VECTORS["recipient"]))
    assert message == "The shares handed in do not rebuild the opening key: a share is wrong or missing."


def test_vector_secret_encodes_to_the_vector_identity():
    assert opening_keys.identity_from_secret(bytes.fromhex(VECTORS["secret"])) == VECTORS["identity"]
    assert str(agefile.parse_identities([VECTORS["identity"]])[0].recipient) == VECTORS["recipient"]


def test_pyshamir_split_makes_shares_in_the_browser_layout():
    identity = agefile.generate_identity()
    shares = pyshamir.split(identity.secret_bytes(), 5, 3)
    assert all(len(s) == opening_keys.SHARE_LENGTH and s[-1] != 0 for s in shares)
    assert len({s[-1] for s in shares}) == 5  # distinct x-coordinates, last byte
    payload = share_payload(draft_project(), UserFactory(role=Role.CUSTODIAN), shares[0], k=3, n=5,
                            opening_recipient=str(identity.recipient))
    assert opening_keys.parse_share(payload, project_code=json.loads(payload)["tender"]) == bytes(shares[0])
    rebuilt = opening_keys.combine_shares([bytes(s) for s in shares[2:]], str(identity.recipient))
    assert rebuilt.secret_bytes() == identity.secret_bytes()


# --- custodians' keys ----------------------------------------------------------------------------------


def test_register_custodian_key_stores_recipient_and_audits(db):
    user = UserFactory(role=Role.CUSTODIAN)
    identity = agefile.generate_identity()
    answer = client_for(user).post(reverse("bidding:custodian_key"), data={"recipient": str(identity.recipient)},
                                   content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"recipient": str(identity.recipient)}
    assert CustodianKey.objects.get(user=user).recipient == str(identity.recipient)
    assert events("custodian.key_registered", actor_id=user.pk)[0].data == {"recipient": str(identity.recipient)}


def test_register_custodian_key_with_identity_instead_of_recipient_refused(db):
    user = UserFactory(role=Role.CUSTODIAN)
    identity = agefile.generate_identity()
    answer = client_for(user).post(reverse("bidding:custodian_key"), data={"recipient": str(identity)},
                                   content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"] == "This is not an age recipient (it starts with “age1”)."
    assert not CustodianKey.objects.exists()
    assert str(identity) not in json.dumps([e.data for e in events("custodian.key_registered")])


def test_register_custodian_key_by_non_custodian_refused(db):
    message = refused(lambda: register_custodian_key(
        actor=staff(), recipient=str(agefile.generate_identity().recipient)), PermissionDenied)
    assert message == "Only a key custodian registers a custodian key."


def test_replace_custodian_key_while_holding_shares_refused(tender):
    custodian = tender.custodians[0]
    message = refused(lambda: register_custodian_key(
        actor=custodian.user, recipient=str(agefile.generate_identity().recipient)))
    assert message == "You hold shares encrypted to your current key; it cannot be replaced now."
    assert CustodianKey.objects.get(user=custodian.user).recipient == str(custodian.identity.recipient)


# --- inviting -------------------------------------------------------------------------------------------


def test_invite_custodians_records_n_and_k(db):
    project = draft_project()
    custodians = [make_custodian() for _ in range(3)]
    ceremony = invite_custodians(actor=project.created_by, project=project,
                                 custodians=[c.user for c in custodians], k=2)
    assert (ceremony.k, ceremony.n, ceremony.complete) == (2, 3, False)
    assert [s.custodian_id for s in ceremony.shares.order_by("index")] == [c.user.pk for c in custodians]
    assert [s.index for s in ceremony.shares.order_by("index")] == [1, 2, 3]
    rules = TenderRules.objects.get(project=project)
    assert (rules.custodians_k, rules.custodians_n) == (2, 3)
    (invited,) = events("ceremony.invited")
    assert invited.data == {"k": 2, "n": 3, "custodians": [c.user.username for c in custodians]}
    recipients = ceremony_recipients(actor=project.created_by, project=project)
    assert [r["recipient"] for r in recipients] == [str(c.identity.recipient) for c in custodians]


@pytest.mark.parametrize("k, message", [
    (1, "At least two custodians must be needed to open, so no single person can open alone."),
    (4, "k must be between 1 and the number of custodians (3)."),
    (0, "k must be between 1 and the number of custodians (3)."),
])
def test_invite_custodians_with_bad_k_refused(db, k, message):
    project = draft_project()
    custodians = [make_custodian().user for _ in range(3)]
    assert refused(lambda: invite_custodians(actor=project.created_by, project=project,
                                             custodians=custodians, k=k)) == message
    assert not KeyCeremony.objects.exists()


def test_invite_single_custodian_refused(db):
    """One custodian alone would open alone; the dealing browser cannot split for one either."""
    project = draft_project()
    message = refused(lambda: invite_custodians(actor=project.created_by, project=project,
                                                custodians=[make_custodian().user], k=1))
    assert message == "At least two custodians must be needed to open, so no single person can open alone."
    assert not KeyCeremony.objects.exists()


def test_invite_custodian_named_twice_refused(db):
    project = draft_project()
    one, two = make_custodian().user, make_custodian().user
    message = refused(lambda: invite_custodians(actor=project.created_by, project=project,
                                                custodians=[one, two, one], k=2))
    assert message == "A custodian is named twice."


def test_invite_non_custodian_refused(db):
    project = draft_project()
    expert = UserFactory(role=Role.EXPERT)
    message = refused(lambda: invite_custodians(actor=project.created_by, project=project,
                                                custodians=[make_custodian().user, expert], k=2))
    assert message == f"{expert} is not a key custodian."


def test_invite_custodian_without_key_refused(db):
    project = draft_project()
    keyless = UserFactory(role=Role.CUSTODIAN)
    message = refused(lambda: invite_custodians(actor=project.created_by, project=project,
                                                custodians=[make_custodian().user, keyless], k=2))
    assert message == f"{keyless} has not registered a custodian key yet."


def test_invite_custodians_by_other_center_staff_refused(db):
    project = draft_project()
    message = refused(lambda: invite_custodians(
        actor=staff(), project=project, custodians=[make_custodian().user for _ in range(2)], k=2), PermissionDenied)
    assert message == "Only staff of this tender's trading center may do this."


def test_invite_again_after_ceremony_done_refused(tender):
    message = refused(lambda: invite_custodians(actor=tender.staff, project=tender.project,
                                                custodians=[make_custodian().user for _ in range(3)], k=2))
    assert message == "The key ceremony of this tender is done; its custodians cannot change."
    assert KeyCeremony.objects.get(project=tender.project).pk == tender.ceremony.pk


# --- completing the ceremony --------------------------------------------------------------------------


def test_complete_ceremony_stores_recipient_and_encrypted_shares_only(tender):
    ceremony = KeyCeremony.objects.get(project=tender.project)
    assert ceremony.opening_recipient == str(tender.dealt_identity.recipient)
    assert ceremony.dealt_by_id == tender.staff.pk and ceremony.dealt_at is not None
    rows = {s.custodian_id: s for s in ceremony.shares.all()}
    for custodian in tender.custodians:
        row = rows[custodian.user.pk]
        blob = bytes(row.encrypted_share)
        assert blob == tender.share_blobs[custodian.user.pk]
        assert row.sha256 == hashlib.sha256(blob).hexdigest()
        assert blob.startswith(b"age-encryption.org/v1\n")
    (completed,) = events("ceremony.completed")
    assert completed.actor_id == tender.staff.pk
    assert completed.data["opening_recipient"] == ceremony.opening_recipient
    assert (completed.data["k"], completed.data["n"]) == (2, 3)
    assert sorted((s["custodian"], s["index"], s["sha256"]) for s in completed.data["shares"]) == sorted(
        (r.custodian_id, r.index, r.sha256) for r in rows.values())


def test_complete_ceremony_leaves_no_trace_of_the_identity_on_the_server(tender):
    """Everything the database holds, and every stored file: no identity, secret or share in clear."""
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    everything = dump.getvalue()
    files = b"".join(p.read_bytes() for p in Path(settings.KAIBIAO_SEALED_ROOT).rglob("*") if p.is_file()) \
        if Path(settings.KAIBIAO_SEALED_ROOT).exists() else b""
    secret = tender.dealt_identity.secret_bytes()
    clear = [str(tender.dealt_identity), str(tender.dealt_identity).lower(), secret.hex(),
             base64.b64encode(secret).decode()]
    for custodian in tender.custodians:
        clear.append(custodian.open_share(tender.share_blobs[custodian.user.pk])["share"])
        clear.append(str(custodian.identity))
    for text in clear:
        assert text not in everything
        assert text.encode() not in files


def test_each_custodian_opens_only_its_own_share(tender):
    for custodian in tender.custodians:
        payload = custodian.open_share(tender.share_blobs[custodian.user.pk])
        assert payload["format"] == "kaibiao-opening-share/1"
        assert payload["tender"] == tender.project.code
        assert payload["custodian"] == str(custodian.user.pk)
        assert payload["openingRecipient"] == str(tender.dealt_identity.recipient)
        for other in tender.custodians:
            if other is not custodian:
                with pytest.raises(agefile.NoIdentityMatch):
                    other.open_share(tender.share_blobs[custodian.user.pk])


def test_my_encrypted_share_is_the_custodians_own(tender):
    custodian = tender.custodians[2]
    share = my_encrypted_share(actor=custodian.user, project=tender.project)
    assert bytes(share.encrypted_share) == tender.share_blobs[custodian.user.pk]
    outsider = make_custodian()
    assert refused(lambda: my_encrypted_share(actor=outsider.user, project=tender.project),
                   NotFound) == "You hold no share of this tender's opening key."


def test_complete_ceremony_over_http_as_the_dealing_browser_sends_it():
    tender = make_tender(ceremony=False)
    project = tender.project
    invite_custodians(actor=tender.staff, project=project, custodians=[c.user for c in tender.custodians], k=2)
    client = client_for(tender.staff)
    url = reverse("bidding:ceremony", args=[project.pk])
    page = client.get(url)
    assert page.status_code == 200
    dealt = json.loads(page.context["custodians_json"])
    assert [d["recipient"] for d in dealt] == [str(c.identity.recipient) for c in tender.custodians]

    identity = agefile.generate_identity()
    shares = pyshamir.split(identity.secret_bytes(), 3, 2)
    body = {"opening_recipient": str(identity.recipient), "shares": [
        {"custodian": d["custodian"], "age": base64.b64encode(agefile.encrypt_bytes(
            share_payload(project, c.user, s, k=2, n=3, opening_recipient=str(identity.recipient)),
            [d["recipient"]])).decode()}
        for d, c, s in zip(dealt, tender.custodians, shares)]}
    answer = client.post(url, data=body, content_type="application/json")
    assert answer.status_code == 200
    assert answer.json()["opening_recipient"] == str(identity.recipient)
    assert KeyCeremony.objects.get(project=project).complete
    again = client.post(url, data=body, content_type="application/json")
    assert again.status_code == 400
    assert again.json()["error"] == "The key ceremony of this tender is already done."


def test_complete_ceremony_missing_a_share_refused(db):
    project = draft_project()
    custodians = [make_custodian() for _ in range(3)]
    invite_custodians(actor=project.created_by, project=project, custodians=[c.user for c in custodians], k=2)
    message = refused(lambda: deal_opening_key(staff_user=project.created_by, project=project,
                                               custodians=custodians[:2], k=2))
    assert message == "Every invited custodian needs exactly one encrypted share."
    ceremony = KeyCeremony.objects.get(project=project)
    assert not ceremony.complete
    assert not CustodianShare.objects.filter(ceremony=ceremony, encrypted_share__isnull=False).exists()


def test_complete_ceremony_with_share_in_clear_refused(db):
    project = draft_project()
    custodians = [make_custodian() for _ in range(2)]
    invite_custodians(actor=project.created_by, project=project, custodians=[c.user for c in custodians], k=2)
    identity = agefile.generate_identity()
    shares = pyshamir.split(identity.secret_bytes(), 2, 2)
    blobs = {c.user.pk: share_payload(project, c.user, s, k=2, n=2, opening_recipient=str(identity.recipient))
             for c, s in zip(custodians, shares)}
    message = refused(lambda: complete_ceremony(actor=project.created_by, project=project,
                                                opening_recipient=str(identity.recipient), shares=blobs))
    assert message.startswith(f"The share for custodian {custodians[0].user.pk} is not an age file:")
    ceremony = KeyCeremony.objects.get(project=project)
    assert not ceremony.complete
    assert not CustodianShare.objects.filter(ceremony=ceremony, sha256__gt="").exists()
    assert not events("ceremony.completed")


def test_complete_ceremony_with_identity_as_recipient_refused(db):
    project = draft_project()
    custodians = [make_custodian() for _ in range(2)]
    invite_custodians(actor=project.created_by, project=project, custodians=[c.user for c in custodians], k=2)
    identity = agefile.generate_identity()
    message = refused(lambda: complete_ceremony(
        actor=project.created_by, project=project, opening_recipient=str(identity),
        shares={c.user.pk: agefile.encrypt_bytes(b"x", [c.identity.recipient]) for c in custodians}))
    assert message == "This is not an age recipient (it starts with “age1”)."
    assert not KeyCeremony.objects.get(project=project).complete


def test_complete_ceremony_before_invitation_refused(db):
    project = draft_project()
    message = refused(lambda: complete_ceremony(
        actor=project.created_by, project=project, opening_recipient=str(agefile.generate_identity().recipient),
        shares={}))
    assert message == "Invite the key custodians first."


def test_complete_ceremony_by_custodian_refused(tender):
    message = refused(lambda: complete_ceremony(
        actor=tender.custodians[0].user, project=tender.project,
        opening_recipient=str(agefile.generate_identity().recipient), shares={}), PermissionDenied)
    assert message == "Only staff of this tender's trading center may do this."


# --- after the deadline: the custodians' shares ----------------------------------------------------------


def hand_in(tender, custodian, *, now=None, payload=None):
    payload = payload if payload is not None else custodian.open_share(tender.share_blobs[custodian.user.pk])
    return opening_keys.hand_in_share(actor=custodian.user, project=tender.project, payload=payload,
                                      now=now or tender.after(MS))


@pytest.fixture
def sent(tender, bidder):
    return submit(tender, bidder)


def rows_of(uploaded):
    return {f.name: f for f in SealedFile.objects.filter(bid_id=uploaded.bid_id)}


def opened_bytes(row) -> bytes:
    return storage.path_of(row.opened_storage_name).read_bytes()


@pytest.mark.parametrize("which", list(itertools.combinations(range(3), 2)), ids=str)
def test_k_custodian_shares_rebuild_opening_identity_that_decrypts(tender, sent, which):
    sealed, uploaded = sent
    first, second = (tender.custodians[i] for i in which)
    assert hand_in(tender, first) == {"count": 1, "k": 2}
    assert opening_keys.opening_identity(tender.project) is None
    assert hand_in(tender, second) == {"count": 2, "k": 2}
    identity = opening_keys.opening_identity(tender.project)
    assert str(identity.recipient) == tender.ceremony.opening_recipient
    for name, row in rows_of(uploaded).items():
        opened = opening_keys.decrypt_sealed_file(sealed=row, identity=identity, opened_with="opening",
                                                  actor=tender.staff, now=tender.after(MS))
        assert opened_bytes(opened) == sealed.plaintexts[name]
        assert (opened.opened_size, opened.opened_with) == (len(sealed.plaintexts[name]), "opening")
    form = rows_of(uploaded)[sealed.form_name]
    assert opening_keys.read_opening_form(form) == FORM
    handed = events("opening.share_handed_in")
    assert [(e.actor_id, e.data) for e in handed] == [(first.user.pk, {"count": 1, "k": 2}),
                                                      (second.user.pk, {"count": 2, "k": 2})]
    decrypted = events("opening.file_decrypted")
    assert {e.data["file"] for e in decrypted} == set(sealed.ciphertexts)
    assert all(e.data["with"] == "opening" for e in decrypted)
    assert {e.data["file"]: e.data["ciphertext_sha256"] for e in decrypted} == {
        n: sealed.digest(n) for n in sealed.ciphertexts}


def test_hand_in_share_at_the_deadline_instant_accepted(tender):
    assert hand_in(tender, tender.custodians[0], now=tender.deadline) == {"count": 1, "k": 2}


def test_hand_in_share_twice_refused(tender):
    hand_in(tender, tender.custodians[0])
    assert refused(lambda: hand_in(tender, tender.custodians[0])) == "You have already handed in your share."
    assert HandedInShare.objects.count() == 1


def test_hand_in_share_of_another_tender_refused(tender):
    other = make_tender()
    custodian = tender.custodians[0]
    foreign = other.custodians[0].open_share(other.share_blobs[other.custodians[0].user.pk])
    message = refused(lambda: hand_in(tender, custodian, payload=foreign))
    assert message == f"This share belongs to tender {other.project.code}, not to this one."
    assert not HandedInShare.objects.exists()


def test_hand_in_shares_that_do_not_fit_refused_at_rebuild(tender, sent):
    """A share from another ceremony relabelled as this tender's interpolates to a wrong key."""
    other = make_tender()
    foreign = other.custodians[0].open_share(other.share_blobs[other.custodians[0].user.pk])
    foreign["tender"] = tender.project.code
    hand_in(tender, tender.custodians[0])
    hand_in(tender, tender.custodians[1], payload=foreign)
    message = refused(lambda: opening_keys.opening_identity(tender.project))
    assert message == "The shares handed in do not rebuild the opening key: a share is wrong or missing."


@pytest.mark.parametrize("payload, message", [
    ("not json", "This is not an opening share."),
    ({"format": "something/1"}, "This is not an opening share (format kaibiao-opening-share/1 expected)."),
    (None, "The share is damaged."),
])
def test_hand_in_malformed_share_refused(tender, payload, message):
    custodian = tender.custodians[0]
    if payload is None:
        payload = {**custodian.open_share(tender.share_blobs[custodian.user.pk])}
        payload["share"] = payload["share"][:-2]
    assert refused(lambda: hand_in(tender, custodian, payload=payload)) == message
    assert not HandedInShare.objects.exists()


def test_hand_in_share_by_non_custodian_refused(tender):
    message = refused(lambda: opening_keys.hand_in_share(actor=tender.staff, project=tender.project, payload={},
                                                         now=tender.after(MS)), PermissionDenied)
    assert message == "Only a key custodian hands in a share."


def test_hand_in_share_by_custodian_of_another_tender_not_found(tender):
    outsider = make_custodian()
    message = refused(lambda: opening_keys.hand_in_share(actor=outsider.user, project=tender.project, payload={},
                                                         now=tender.after(MS)), NotFound)
    assert message == "You hold no share of this tender's opening key."


def test_forget_opening_keys_deletes_handed_in_shares(tender):
    for custodian in tender.custodians[:2]:
        hand_in(tender, custodian)
    assert opening_keys.opening_identity(tender.project) is not None
    opening_keys.forget_opening_keys(actor=tender.staff, project=tender.project)
    assert not HandedInShare.objects.exists()
    assert opening_keys.opening_identity(tender.project) is None
    assert events("opening.keys_forgotten")[0].data == {"shares": 2}


# --- after the deadline: the bidder's identity, or a file key ----------------------------------------------


def test_bidder_identity_after_deadline_decrypts_its_bid(tender, bidder, sent):
    sealed, uploaded = sent
    identity = opening_keys.check_bidder_identity(actor=bidder.user, lot=tender.lot, identity=str(bidder.identity),
                                                  now=tender.after(MS))
    for name, row in rows_of(uploaded).items():
        opened = opening_keys.decrypt_sealed_file(sealed=row, identity=identity, opened_with="bidder",
                                                  actor=bidder.user, now=tender.after(MS))
        assert opened_bytes(opened) == sealed.plaintexts[name]
        assert opened.opened_with == "bidder"
    assert opening_keys.read_opening_form(rows_of(uploaded)[sealed.form_name]) == FORM


def test_bidder_key_file_text_accepted(tender, bidder, sent):
    """The bidder hands in its key file as downloaded: comment lines, then the identity."""
    key_file = f"# 开标 Kaibiao — 投标人解密密钥\n# tender: {tender.project.code}\n{bidder.identity}\n"
    identity = opening_keys.check_bidder_identity(actor=bidder.user, lot=tender.lot, identity=key_file,
                                                  now=tender.after(MS))
    assert str(identity.recipient) == str(bidder.identity.recipient)


def test_bidder_hands_in_another_bidders_identity_refused(tender, bidder, other_bidder, sent):
    message = refused(lambda: opening_keys.check_bidder_identity(
        actor=other_bidder.user, lot=tender.lot, identity=str(bidder.identity), now=tender.after(MS)))
    assert message == "This key is not the one you registered for this tender."


def test_bidder_hands_in_garbage_refused(tender, bidder, sent):
    message = refused(lambda: opening_keys.check_bidder_identity(
        actor=bidder.user, lot=tender.lot, identity="my password", now=tender.after(MS)))
    assert message == "This is not an age identity (AGE-SECRET-KEY-1…)."


def test_non_bidder_hands_in_bidder_identity_refused(tender, bidder, sent):
    message = refused(lambda: opening_keys.check_bidder_identity(
        actor=tender.staff, lot=tender.lot, identity=str(bidder.identity), now=tender.after(MS)), PermissionDenied)
    assert message == "Only the bidder hands in its key."


@pytest.mark.parametrize("as_hex", [True, False], ids=["hex", "bytes"])
def test_file_key_after_deadline_decrypts_that_file(tender, bidder, sent, as_hex):
    sealed, uploaded = sent
    name = sealed.file_names[0]
    row = rows_of(uploaded)[name]
    # what the bidder's hardware-bound key computes and hands in: the file key of this one file
    file_key = agefile.file_key_for(storage.path_of(row.storage_name), [bidder.identity])
    opened = opening_keys.decrypt_sealed_file(sealed=row, file_key=file_key.hex() if as_hex else file_key,
                                              opened_with="file_key", actor=bidder.user, now=tender.after(MS))
    assert opened_bytes(opened) == sealed.plaintexts[name]
    assert opened.opened_with == "file_key"
    assert events("opening.file_decrypted", object_id=str(row.pk))[0].data["with"] == "file_key"


def test_file_key_of_another_file_refused_and_nothing_written(tender, bidder, sent):
    sealed, uploaded = sent
    rows = rows_of(uploaded)
    wrong = agefile.file_key_for(storage.path_of(rows[sealed.form_name].storage_name), [bidder.identity])
    row = rows[sealed.file_names[0]]
    with pytest.raises(agefile.AgeError) as caught:
        opening_keys.decrypt_sealed_file(sealed=row, file_key=wrong, opened_with="file_key", actor=bidder.user,
                                         now=tender.after(MS))
    assert row.name in str(caught.value)
    assert_nothing_opened(row)


def test_identity_of_a_stranger_opens_nothing(tender, sent):
    sealed, uploaded = sent
    row = rows_of(uploaded)[sealed.form_name]
    with pytest.raises(agefile.NoIdentityMatch) as caught:
        opening_keys.decrypt_sealed_file(sealed=row, identity=agefile.generate_identity(), opened_with="opening",
                                         actor=tender.staff, now=tender.after(MS))
    assert str(caught.value).startswith(f"{row.name}: ")
    assert_nothing_opened(row)


# --- a damaged ciphertext ------------------------------------------------------------------------------------


def assert_nothing_opened(row):
    row.refresh_from_db()
    assert (row.opened_storage_name, row.opened_size, row.opened_with) == ("", None, "")
    opened = storage.root() / "opened"
    leftovers = [p for p in opened.rglob("*") if p.is_file()] if opened.exists() else []
    assert leftovers == []
    assert not events("opening.file_decrypted", object_id=str(row.pk))


@pytest.mark.parametrize("where", ["header", "first chunk", "last byte"])
@pytest.mark.parametrize("key", ["bidder", "opening", "file_key"])
def test_decrypt_tampered_ciphertext_fails_naming_file_and_leaves_no_plaintext(tender, bidder, sent, where, key):
    sealed, uploaded = sent
    name = sealed.file_names[0]
    row = rows_of(uploaded)[name]
    path = storage.path_of(row.storage_name)
    if key == "file_key":  # computed before the damage, as the bidder would
        with_ = {"file_key": agefile.file_key_for(path, [bidder.identity])}
    elif key == "bidder":
        with_ = {"identity": bidder.identity}
    else:
        for custodian in tender.custodians[:2]:
            hand_in(tender, custodian)
        with_ = {"identity": opening_keys.opening_identity(tender.project)}
    data = bytearray(path.read_bytes())
    header_end = data.index(b"\n---") + 1
    position = {"header": header_end + 10, "first chunk": data.index(b"\n---") + 200, "last byte": len(data) - 1}[where]
    data[position] ^= 0x01
    path.write_bytes(bytes(data))

    with pytest.raises(agefile.AgeError) as caught:
        opening_keys.decrypt_sealed_file(sealed=row, opened_with=key, actor=tender.staff, now=tender.after(MS), **with_)
    assert str(caught.value).startswith(f"{name}: ")
    assert_nothing_opened(row)
    # the other file of the bid is intact and still opens
    form = rows_of(uploaded)[sealed.form_name]
    if key != "file_key":
        opened = opening_keys.decrypt_sealed_file(sealed=form, opened_with=key, actor=tender.staff,
                                                  now=tender.after(MS), **with_)
        assert opened_bytes(opened) == sealed.plaintexts[sealed.form_name]


def test_bids_of_a_tender_where_bidders_do_not_decrypt_open_with_the_opening_identity_only():
    tender = make_tender(bidders_decrypt=False)
    bidder = make_bidder(tender)
    recipients = sealing_recipients(actor=bidder.user, lot=tender.lot)
    assert recipients == [tender.ceremony.opening_recipient]
    sealed, uploaded = submit(tender, bidder)
    row = rows_of(uploaded)[sealed.file_names[0]]
    with pytest.raises(agefile.NoIdentityMatch):
        opening_keys.decrypt_sealed_file(sealed=row, identity=bidder.identity, opened_with="bidder",
                                         actor=bidder.user, now=tender.after(MS))
    for custodian in tender.custodians[1:]:
        hand_in(tender, custodian)
    opened = opening_keys.decrypt_sealed_file(sealed=row, identity=opening_keys.opening_identity(tender.project),
                                              opened_with="opening", actor=tender.staff, now=tender.after(MS))
    assert opened_bytes(opened) == sealed.plaintexts[row.name]


def test_opening_key_rebuilt_from_good_shares_when_one_handed_in_is_wrong(tender):
    """A wrong share among those handed in does not block the key once k good ones are in."""
    from bidding.models import CustodianShare, HandedInShare, KeyCeremony
    from bidding.opening_keys import opening_identity, parse_share

    ceremony = KeyCeremony.objects.get(project=tender.project)
    first, *others = tender.custodians
    # the first custodian hands in a damaged share (the server only checks its form)
    HandedInShare.objects.create(ceremony=ceremony, custodian=first.user, share=bytes(32) + b"\x07")
    for custodian in others:
        blob = bytes(CustodianShare.objects.get(ceremony=ceremony, custodian=custodian.user).encrypted_share)
        share = parse_share(custodian.open_share(blob), project_code=tender.project.code)
        HandedInShare.objects.create(ceremony=ceremony, custodian=custodian.user, share=share)
    assert str(opening_identity(tender.project).recipient) == ceremony.opening_recipient
