"""Shared ground for the sealed-bid tests: a published tender whose opening key was dealt the
way the dealing browser deals it (ceremony.js), bidders with their keys for the tender, bids
sealed with real age encryption, and an uploader that speaks the tus protocol through the real
endpoints with the Django test client. Sealed files and the receipt key live under tmp_path."""

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import timedelta

import pyshamir
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bidding import agefile, services, storage
from bidding.ceremony import complete_ceremony, invite_custodians, register_custodian_key
from bidding.models import SealedFile
from bidding.opening_form import default_items
from bidding.opening_keys import SHARE_FORMAT
from bidding.upload import register_bidder_key, sealing_recipients
from tests.trading.factories import LotFactory, UserFactory
from tests.trading.factories import bidder as bidder_user
from trading.choices import LotState, Role
from trading.models import AuditEvent

MS = timedelta(milliseconds=1)
TUS = "1.0.0"

# A works tender's opening form (the default declared items of the category).
FORM = {"price": "912345.67", "duration_days": 180, "quality": "合格", "project_manager": "张工"}


@pytest.fixture(autouse=True)
def _sealed_files_in_tmp(settings, tmp_path):
    """Sealed files and the receipt signing key go to a temporary folder, never into var/."""
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    settings.KAIBIAO_RECEIPT_KEY_FILE = tmp_path / "keys" / "receipt-signing-key.pem"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- people -----------------------------------------------------------------------------------


@dataclass
class Custodian:
    """A key custodian; `identity` stands for the key file kept in the custodian's browser."""

    user: object
    identity: agefile.X25519Identity

    def open_share(self, blob: bytes) -> dict:
        """What the custodian's browser does at the opening: decrypt its share file."""
        return json.loads(agefile.decrypt_bytes(blob, identities=[self.identity]))


@dataclass
class Bidder:
    """A bidder; `identity` stands for its key file for this one tender."""

    user: object
    identity: agefile.X25519Identity

    @property
    def organization(self):
        return self.user.organization


def make_custodian() -> Custodian:
    user = UserFactory(role=Role.CUSTODIAN)
    identity = agefile.generate_identity()
    register_custodian_key(actor=user, recipient=str(identity.recipient))
    return Custodian(user, identity)


# --- the tender and its key ceremony ------------------------------------------------------------


def share_payload(project, custodian_user, share: bytes, *, k: int, n: int, opening_recipient: str) -> bytes:
    """One custodian's share, as frontend/js/README.md (the opening-share contract) writes it."""
    return json.dumps({
        "format": SHARE_FORMAT, "tender": project.code, "custodian": str(custodian_user.pk),
        "threshold": k, "shares": n, "openingRecipient": opening_recipient, "share": bytes(share).hex(),
    }).encode("utf-8")


def deal_opening_key(*, staff_user, project, custodians: list[Custodian], k: int):
    """What the dealing browser does: generate the opening identity, split its 32-byte secret
    k-of-n (shamir-secret-sharing's scheme: pyshamir), encrypt each share to its custodian's
    own recipient, and send only the recipient and the encrypted shares."""
    identity = agefile.generate_identity()
    recipient = str(identity.recipient)
    shares = pyshamir.split(identity.secret_bytes(), len(custodians), k)
    blobs = {
        c.user.pk: agefile.encrypt_bytes(
            share_payload(project, c.user, share, k=k, n=len(custodians), opening_recipient=recipient),
            [c.identity.recipient],
        )
        for c, share in zip(custodians, shares)
    }
    ceremony = complete_ceremony(actor=staff_user, project=project, opening_recipient=recipient, shares=blobs)
    return ceremony, identity, blobs


@dataclass
class Tender:
    lot: object
    staff: object
    custodians: list[Custodian]
    k: int
    ceremony: object
    # Known to the test only (it played the dealing browser); the server never had it.
    dealt_identity: agefile.X25519Identity
    share_blobs: dict = field(default_factory=dict)

    @property
    def project(self):
        return self.lot.project

    @property
    def deadline(self):
        return self.lot.project.bid_deadline

    def after(self, delta=MS):
        return self.deadline + delta

    def before(self, delta=MS):
        return self.deadline - delta


def make_tender(*, k: int = 2, n: int = 3, deadline_in=timedelta(days=10), ceremony: bool = True, **rules) -> Tender:
    """A tender with one lot: rules set while a draft, custodians invited and the opening key
    dealt, then published with its deadline `deadline_in` from now."""
    lot = LotFactory(state=LotState.DRAFT)
    project = lot.project
    staff_user = project.created_by
    rules.setdefault("declared_items", default_items(project.category))
    services.update_rules(actor=staff_user, project=project, **rules)
    custodians = [make_custodian() for _ in range(n)]
    ceremony_row, identity, blobs = None, None, {}
    if ceremony:
        invite_custodians(actor=staff_user, project=project, custodians=[c.user for c in custodians], k=k)
        ceremony_row, identity, blobs = deal_opening_key(staff_user=staff_user, project=project, custodians=custodians, k=k)
    lot.state = LotState.PUBLISHED
    lot.save()
    project.bid_deadline = timezone.now() + deadline_in
    project.documents_published_at = timezone.now() - timedelta(days=1)
    project.save()
    return Tender(lot=lot, staff=staff_user, custodians=custodians, k=k, ceremony=ceremony_row,
                  dealt_identity=identity, share_blobs=blobs)


def make_bidder(tender: Tender) -> Bidder:
    """A registered bidder organization's user, with its fresh key for this tender registered."""
    user = bidder_user()
    identity = agefile.generate_identity()
    register_bidder_key(actor=user, lot=tender.lot, recipient=str(identity.recipient))
    return Bidder(user, identity)


@pytest.fixture
def tender(db) -> Tender:
    return make_tender()


@pytest.fixture
def bidder(tender) -> Bidder:
    return make_bidder(tender)


@pytest.fixture
def other_bidder(tender) -> Bidder:
    return make_bidder(tender)


# --- sealing ------------------------------------------------------------------------------------


@dataclass
class SealedBid:
    """A bid sealed as the browser seals it: the opening form and each bid file, age files to
    the recipients the server names for this bidder. Keyed by the sealed file's name."""

    kinds: dict
    plaintexts: dict
    ciphertexts: dict

    def manifest(self) -> list[dict]:
        return [{"kind": self.kinds[n], "name": n, "size": len(self.ciphertexts[n])} for n in self.ciphertexts]

    def digest(self, name) -> str:
        return hashlib.sha256(self.ciphertexts[name]).hexdigest()

    @property
    def form_name(self) -> str:
        return next(n for n, k in self.kinds.items() if k == "form")

    @property
    def file_names(self) -> list[str]:
        return [n for n, k in self.kinds.items() if k == "file"]


def seal_bid(tender: Tender, bidder: Bidder, *, form=None, files=None) -> SealedBid:
    recipients = sealing_recipients(actor=bidder.user, lot=tender.lot)
    form = FORM if form is None else form
    files = {"技术标.pdf": os.urandom(150_000) + b"%%EOF"} if files is None else files
    entries = [("form", "opening-form.json.age", json.dumps(form, ensure_ascii=False).encode("utf-8"))]
    entries += [("file", f"{name}.age", data) for name, data in files.items()]
    return SealedBid(
        kinds={name: kind for kind, name, _data in entries},
        plaintexts={name: data for _kind, name, data in entries},
        ciphertexts={name: agefile.encrypt_bytes(data, recipients) for _kind, name, data in entries},
    )


# --- the upload, over HTTP --------------------------------------------------------------------


def client_for(user) -> Client:
    """A browser session of `user`, asking for English messages."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def checksum_header(chunk: bytes) -> str:
    return "sha256 " + base64.b64encode(hashlib.sha256(chunk).digest()).decode()


def start_version(client, lot, manifest):
    return client.post(reverse("bidding:start_version", args=[lot.pk]), data=json.dumps({"files": manifest}),
                       content_type="application/json")


def patch_chunk(client, url, offset: int, chunk: bytes, *, checksum: str | None = None, headers=None):
    sent = {"Tus-Resumable": TUS, "Upload-Offset": str(offset),
            "Upload-Checksum": checksum if checksum is not None else checksum_header(chunk)}
    sent.update(headers or {})
    return client.patch(url, data=chunk, content_type="application/offset+octet-stream", headers=sent)


def head_upload(client, url):
    return client.head(url, headers={"Tus-Resumable": TUS})


@dataclass
class Uploaded:
    version: dict          # the answer to POST …/versions/
    urls: dict             # sealed file name -> upload URL
    last: object           # the answer to the last PATCH
    statuses: list

    @property
    def document(self) -> dict | None:
        return self.last.json()["receipt"] if self.last.status_code == 200 else None

    @property
    def bid_id(self) -> int:
        return self.version["bid"]


def send_file(client, url: str, data: bytes, *, chunk_size: int, start: int = 0, statuses=None):
    """PATCH `data[start:]` in chunks; stops at the first answer that is not a success."""
    response = None
    offset = start
    while offset < len(data):
        chunk = data[offset: offset + chunk_size]
        response = patch_chunk(client, url, offset, chunk)
        if statuses is not None:
            statuses.append(response.status_code)
        if response.status_code not in (200, 204):
            return response
        offset = int(response["Upload-Offset"])
    return response


def upload_bid(client, lot, sealed: SealedBid, *, chunk_size: int = 40_000) -> Uploaded:
    """Declare the version, then send every sealed file in chunks (the form first)."""
    started = start_version(client, lot, sealed.manifest())
    assert started.status_code == 201, started.content
    version = started.json()
    urls = {f["name"]: f["upload_url"] for f in version["files"]}
    statuses, last = [], None
    for name in [sealed.form_name, *sealed.file_names]:
        last = send_file(client, urls[name], sealed.ciphertexts[name], chunk_size=chunk_size, statuses=statuses)
        if last.status_code not in (200, 204):
            break
    return Uploaded(version=version, urls=urls, last=last, statuses=statuses)


def submit(tender: Tender, bidder: Bidder, sealed: SealedBid | None = None, **kw):
    """Seal (unless given) and upload a complete bid; returns (sealed, uploaded)."""
    sealed = sealed or seal_bid(tender, bidder)
    uploaded = upload_bid(client_for(bidder.user), tender.lot, sealed, **kw)
    assert uploaded.last.status_code == 200, uploaded.last.content
    return sealed, uploaded


# --- reading back ------------------------------------------------------------------------------


def stored_bytes(sealed_file: SealedFile) -> bytes:
    return storage.path_of(sealed_file.storage_name).read_bytes()


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("seq"))
