"""Nobody may read a bid before the deadline, and nobody may learn who is bidding before the
opening (电子招标投标办法; 招标投标法 第22条): not staff, not supervisors, not another bidder.
Each way in is refused with a clear message, and the attempts by officials are audited."""

import re
from decimal import Decimal
from datetime import timedelta

import pytest

from trading.formats import local_text
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from bidding import agefile, opening_keys, storage
from bidding.bid_access import my_bids, open_sealed_file
from bidding.models import HandedInShare, SealedFile
from bidding.security import record_bid_security
from tests.bidding.conftest import MS, client_for, events, make_bidder, seal_bid, start_version, submit, upload_bid
from tests.trading.factories import UserFactory, party, staff, supervisor
from trading.choices import Role
from trading.errors import NotFound, PermissionDenied, RuleViolation

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(tender, bidder):
    """The bidder's complete bid: (sealed, uploaded)."""
    return submit(tender, bidder)


def file_of(uploaded, name) -> SealedFile:
    return SealedFile.objects.get(bid_id=uploaded.bid_id, name=name)


def refused(action) -> str:
    with translation.override("en"), pytest.raises(RuleViolation) as caught:
        action()
    return str(caught.value)


def too_early(what: str, tender) -> str:
    return (f"Nobody may {what} before the deadline, "
            f"{local_text(tender.deadline, ms=True)} (Beijing time).")


def officials(tender) -> dict:
    """Everyone who is not the bidder, by how they stand to the tender."""
    center = tender.project.center
    return {
        "center_staff": tender.staff,
        "other_center_staff": staff(),
        "supervisor": supervisor(center),
        "tenderee": party(Role.TENDEREE, tender.project.tenderee),
        "agent": party(Role.AGENT, tender.project.agent),
        "expert": UserFactory(role=Role.EXPERT),
        "custodian": tender.custodians[0].user,
    }


# --- the ciphertext -----------------------------------------------------------------------------------


def test_download_sealed_file_by_its_bidder_before_deadline(tender, bidder, sent):
    sealed, uploaded = sent
    row = file_of(uploaded, sealed.file_names[0])
    answer = client_for(bidder.user).get(reverse("bidding:sealed_download", args=[row.pk]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == sealed.ciphertexts[row.name]


def test_download_sealed_file_by_another_bidder_not_found(tender, other_bidder, sent):
    sealed, uploaded = sent
    row = file_of(uploaded, sealed.file_names[0])
    url = reverse("bidding:sealed_download", args=[row.pk])
    assert client_for(other_bidder.user).get(url).status_code == 404
    with time_machine.travel(tender.after(MS), tick=False):
        assert client_for(other_bidder.user).get(url).status_code == 404


@pytest.mark.parametrize("relation", ["center_staff", "other_center_staff", "supervisor", "tenderee", "agent",
                                      "expert", "custodian"])
def test_download_sealed_file_before_deadline_by_anyone_else_not_found(tender, sent, relation):
    sealed, uploaded = sent
    row = file_of(uploaded, sealed.form_name)
    user = officials(tender)[relation]
    answer = client_for(user).get(reverse("bidding:sealed_download", args=[row.pk]))
    assert answer.status_code == 404
    assert sealed.ciphertexts[row.name] not in answer.content
    with translation.override("en"), pytest.raises(NotFound) as caught:
        open_sealed_file(actor=user, file_id=row.pk)
    assert str(caught.value) == "No such sealed file."


@pytest.mark.parametrize("relation", ["center_staff", "supervisor"])
def test_download_sealed_file_by_official_before_deadline_is_audited(tender, sent, relation):
    sealed, uploaded = sent
    row = file_of(uploaded, sealed.form_name)
    user = officials(tender)[relation]
    client_for(user).get(reverse("bidding:sealed_download", args=[row.pk]))
    attempts = events("sealed_file.read_refused", object_id=str(row.pk))
    assert len(attempts) == 1
    assert attempts[0].actor_id == user.pk and attempts[0].data == {"until": str(row.bid.lot.project.bid_deadline)}


def test_download_sealed_file_one_millisecond_before_deadline_by_staff_not_found(tender, sent):
    sealed, uploaded = sent
    row = file_of(uploaded, sealed.form_name)
    with time_machine.travel(tender.before(MS), tick=False):
        assert client_for(tender.staff).get(reverse("bidding:sealed_download", args=[row.pk])).status_code == 404


def test_download_sealed_file_by_center_staff_after_deadline(tender, sent):
    sealed, uploaded = sent
    row = file_of(uploaded, sealed.form_name)
    with time_machine.travel(tender.after(MS), tick=False):
        answer = client_for(tender.staff).get(reverse("bidding:sealed_download", args=[row.pk]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == sealed.ciphertexts[row.name]


def test_download_sealed_file_anonymous_sent_to_login(tender, sent):
    sealed, uploaded = sent
    row = file_of(uploaded, sealed.form_name)
    answer = client_for(None).get(reverse("bidding:sealed_download", args=[row.pk]))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))


def test_download_unfinished_upload_not_found_even_to_its_bidder(tender, bidder):
    sealed = seal_bid(tender, bidder)
    client = client_for(bidder.user)
    version = start_version(client, tender.lot, sealed.manifest()).json()
    file_id = version["files"][0]["id"]
    assert client.get(reverse("bidding:sealed_download", args=[file_id])).status_code == 404


# --- keys, shares and decryption before the deadline ------------------------------------------------


def test_hand_in_bidder_identity_before_deadline_refused_and_audited(tender, bidder, sent):
    message = refused(lambda: opening_keys.check_bidder_identity(
        actor=bidder.user, lot=tender.lot, identity=str(bidder.identity), now=tender.before(MS)))
    assert message == too_early("hand in a bid's key", tender)
    (attempt,) = events("opening.refused_before_deadline")
    assert attempt.actor_id == bidder.user.pk and attempt.data["what"] == "hand in a bid's key"
    assert attempt.object_type == "trading.lot" and attempt.object_id == str(tender.lot.pk)


def test_hand_in_share_before_deadline_refused_and_audited(tender, sent):
    custodian = tender.custodians[0]
    payload = custodian.open_share(tender.share_blobs[custodian.user.pk])
    message = refused(lambda: opening_keys.hand_in_share(actor=custodian.user, project=tender.project, payload=payload,
                                                         now=tender.before(MS)))
    assert message == too_early("hand in a key share", tender)
    assert not HandedInShare.objects.exists()
    (attempt,) = events("opening.refused_before_deadline")
    assert attempt.actor_id == custodian.user.pk and attempt.data["what"] == "hand in a key share"


def test_hand_in_share_at_real_time_before_deadline_refused(tender, sent):
    """Without an explicit time the service reads the server clock."""
    custodian = tender.custodians[1]
    payload = custodian.open_share(tender.share_blobs[custodian.user.pk])
    with time_machine.travel(tender.before(MS), tick=False):
        message = refused(lambda: opening_keys.hand_in_share(actor=custodian.user, project=tender.project,
                                                             payload=payload))
    assert message == too_early("hand in a key share", tender)
    assert not HandedInShare.objects.exists()


@pytest.mark.parametrize("key", ["bidder", "file_key", "opening"])
def test_decrypt_before_deadline_refused_audited_and_nothing_written(tender, bidder, sent, key):
    sealed, uploaded = sent
    row = file_of(uploaded, sealed.file_names[0])
    with_ = {
        "bidder": {"identity": bidder.identity},
        "file_key": {"file_key": agefile.file_key_for(sealed.ciphertexts[row.name], [bidder.identity])},
        "opening": {"identity": tender.dealt_identity},
    }[key]
    message = refused(lambda: opening_keys.decrypt_sealed_file(sealed=row, opened_with=key, actor=tender.staff,
                                                               now=tender.before(MS), **with_))
    assert message == too_early("decrypt a bid", tender)
    row.refresh_from_db()
    assert (row.opened_storage_name, row.opened_size, row.opened_at) == ("", None, None)
    assert not (storage.root() / "opened").exists()
    (attempt,) = events("opening.refused_before_deadline")
    assert attempt.actor_id == tender.staff.pk and attempt.data["what"] == "decrypt a bid"
    assert attempt.object_type == "bidding.sealedfile" and attempt.object_id == str(row.pk)
    assert not events("opening.file_decrypted")


def test_opening_identity_not_rebuilt_before_deadline(tender, sent):
    for custodian in tender.custodians:
        payload = custodian.open_share(tender.share_blobs[custodian.user.pk])
        refused(lambda: opening_keys.hand_in_share(actor=custodian.user, project=tender.project, payload=payload,
                                                   now=tender.before(MS)))
    assert opening_keys.opening_identity(tender.project) is None
    assert len(events("opening.refused_before_deadline")) == len(tender.custodians)


# --- who is bidding ------------------------------------------------------------------------------------


def normalized(html: str) -> str:
    """A page without what differs on every request (CSRF tokens, CSP nonces)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    return re.sub(r'nonce="[^"]*"', "", html)


def pages_for(tender) -> dict:
    """Every page that shows the tender, as each kind of reader sees it."""
    project, lot = tender.project, tender.lot
    boss = supervisor(project.center)
    return {
        "staff project": (tender.staff, reverse("trading:project", args=[project.pk])),
        "staff dashboard": (tender.staff, reverse("trading:dashboard")),
        "staff sealing setup": (tender.staff, reverse("bidding:sealing_setup", args=[project.pk])),
        "staff audit trail": (tender.staff, reverse("trading:audit") + f"?project={project.pk}"),
        "staff audit trail, all projects": (tender.staff, reverse("trading:audit")),
        "supervisor project": (boss, reverse("trading:project", args=[project.pk])),
        "supervisor audit trail": (boss, reverse("trading:audit") + f"?project={project.pk}"),
        "public tender": (None, reverse("reporting:tender", args=[project.pk])),
        "public portal": (None, reverse("reporting:portal")),
        "public tender list": (None, reverse("reporting:tenders")),
    }


def read_pages(pages: dict, at) -> dict:
    """The pages as read at server time `at` (pages show the server clock)."""
    out = {}
    with time_machine.travel(at, tick=False):
        for name, (user, url) in pages.items():
            answer = client_for(user).get(url)
            assert answer.status_code == 200, (name, answer.status_code)
            out[name] = normalized(answer.content.decode())
    return out


@pytest.mark.parametrize("page", ["staff project", "staff dashboard", "staff sealing setup", "supervisor project",
                                  "public tender", "public portal", "public tender list"])
def test_page_before_deadline_same_whether_or_not_anyone_bids(tender, page):
    pages = {page: pages_for(tender)[page]}
    bidders = [make_bidder(tender) for _ in range(2)]  # registered, with their keys: not yet bidding
    at = tender.before(timedelta(days=1))
    before = read_pages(pages, at)
    for b in bidders:
        submit(tender, b)
    after = read_pages(pages, at)
    assert after == before
    if page != "staff sealing setup":  # lists every registered bidder organization, bidding or not
        for b in bidders:
            assert b.organization.name not in after[page] and b.organization.uscc not in after[page]


@pytest.mark.parametrize("page", ["staff audit trail", "staff audit trail, all projects", "supervisor audit trail"])
def test_audit_trail_before_deadline_names_no_bidder(tender, bidder, page):
    user, url = pages_for(tender)[page]
    submit(tender, bidder)
    record_bid_security(actor=tender.staff, lot=tender.lot, organization=bidder.organization,
                        amount=Decimal("10000.00"), method="transfer", reference="T-7")
    html = client_for(user).get(url).content.decode()
    assert bidder.organization.name not in html
    assert bidder.organization.uscc not in html
    assert bidder.user.username not in html
    for action in ("bidder_key.registered", "bid.started", "bid.completed", "bid_security.recorded"):
        assert action not in html
    # the events are kept, and shown once the deadline has passed
    with time_machine.travel(tender.after(MS), tick=False):
        later = client_for(user).get(url).content.decode()
    for action in ("bidder_key.registered", "bid.started", "bid.completed", "bid_security.recorded"):
        assert action in later
    assert bidder.user.username in later


def test_bid_page_shows_each_bidder_only_its_own_versions(tender, bidder, other_bidder):
    url = reverse("bidding:bid_page", args=[tender.lot.pk])
    at = tender.before(timedelta(days=1))
    with time_machine.travel(at, tick=False):
        before = normalized(client_for(other_bidder.user).get(url).content.decode())
    _sealed, uploaded = submit(tender, bidder)
    with time_machine.travel(at, tick=False):
        page = client_for(other_bidder.user).get(url)
    assert normalized(page.content.decode()) == before
    assert page.context["versions"] == []
    own = client_for(bidder.user).get(url)
    assert [v.pk for v in own.context["versions"]] == [uploaded.bid_id]
    assert bidder.organization.name not in page.content.decode()
    assert uploaded.document["receipt"]["receipt_id"] not in page.content.decode()


def test_my_bids_lists_only_own_organization(tender, bidder, other_bidder):
    submit(tender, bidder)
    submit(tender, other_bidder)
    mine = my_bids(actor=other_bidder.user, lot=tender.lot)
    assert {b.organization_id for b in mine} == {other_bidder.organization.pk}


@pytest.mark.parametrize("relation", ["center_staff", "supervisor", "tenderee", "agent", "custodian"])
def test_my_bids_by_non_bidder_refused(tender, bidder, relation):
    submit(tender, bidder)
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        my_bids(actor=officials(tender)[relation], lot=tender.lot)
    assert str(caught.value) == "Only a registered bidder organization may do this."


def test_sealing_parameters_name_no_bidder(tender, bidder, other_bidder):
    url = reverse("bidding:sealing_params", args=[tender.lot.pk])
    before = client_for(other_bidder.user).get(url).json()
    submit(tender, bidder)
    after = client_for(other_bidder.user).get(url).json()
    assert after == before
    assert set(after) == {"project", "lot", "lot_id", "deadline", "opening_recipient", "bidders_decrypt",
                          "max_file_bytes", "max_files", "declared_items"}


def test_upload_of_another_bidders_file_reveals_nothing(tender, bidder, other_bidder):
    sealed = seal_bid(tender, bidder)
    client = client_for(bidder.user)
    uploaded = upload_bid(client, tender.lot, sealed)
    url = uploaded.urls[sealed.form_name]
    answer = client_for(other_bidder.user).head(url, headers={"Tus-Resumable": "1.0.0"})
    assert answer.status_code == 404
    assert "Upload-Offset" not in answer and "Upload-Length" not in answer
