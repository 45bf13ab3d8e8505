"""A lot under review: opened with real sealed and decrypted bid files, its committee drawn and formed, its room reviewing.

`reviewing()` makes a lot of a city center's project (tests/evaluation/opened.py) whose bids were
sealed with age to each bidder's own key and decrypted by bidding.opening_keys as the opening
decrypts them (the plaintexts under settings.KAIBIAO_SEALED_ROOT, which `sealed_root` points
at a temporary folder), its scoring table with three checks, its committee drawn by the draw's
own services and confirmed by every member (formed), and its room opened (ensure_room) and
put in the review step with its leader, as the gathering leaves it (H-room's start_review)."""

import hashlib
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from bidding import agefile, opening_keys, storage
from bidding.models import BidOpening, SealedFile
from evaluation import answers
from evaluation.choices import CheckKind, RoomState
from evaluation.models import ScoringTable, TableCheck
from evaluation.room import core
from tests.evaluation.drawn import drawn
from tests.evaluation.opened import opened_lot
from tests.trading.factories import bidder as bidder_user

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PRICES = ["912345.67", "1000000.00", "876543.21", "990000.00", "950000.00"]


@pytest.fixture
def sealed_root(settings, tmp_path):
    """Sealed and opened files in a temporary folder, never in var/."""
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    return settings.KAIBIAO_SEALED_ROOT


@dataclass
class Reviewing:
    lot: object
    room: object
    members: list  # CommitteeMember, by pick; members[0] is the leader
    bids: list  # core.opened_bids(lot): dicts in the record's order
    checks: list  # TableCheck rows in order
    bidders: list  # one user of each bid's organization, in the record's order
    files: dict  # bid id -> {name: plaintext}
    opened: object  # tests.evaluation.opened.Opened: staff, people (supervisors, other parties)
    draw: object = None
    spare: list = field(default_factory=list)

    @property
    def leader(self):
        return self.members[0]

    def user(self, i):
        return self.members[i].expert.user

    def refresh(self):
        self.room.refresh_from_db()
        return self.room


def seal_and_open(bid, user, files: dict) -> None:
    """Seal each file to the bidder's own key as its browser does, store it, and decrypt it as
    the opening does (bidding.opening_keys.decrypt_sealed_file: streaming, every tag checked)."""
    identity = agefile.generate_identity()
    now = timezone.now()
    for name, plaintext in files.items():
        ciphertext = agefile.encrypt_bytes(plaintext, [identity.recipient])
        name_in_storage = storage.new_name()
        path = storage.path_of(name_in_storage)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(ciphertext)
        sealed = SealedFile.objects.create(bid=bid, kind=SealedFile.Kind.FILE, name=name, size=len(ciphertext),
                                           received=len(ciphertext), storage_name=name_in_storage,
                                           sha256=hashlib.sha256(ciphertext).hexdigest(), completed_at=now)
        opening_keys.decrypt_sealed_file(sealed=sealed, identity=identity, opened_with="bidder", actor=user)


def bid_files_for(order: int) -> dict:
    return {"技术标.pdf": PDF + f"% bid {order}\n".encode(), f"资格证明-{order}.zip": b"PK\x03\x04" + bytes([order]) * 64}


def reviewing(*, n=5, bidders=3, checks=3, files=True, state=RoomState.REVIEWING) -> Reviewing:
    opened = opened_lot(bidders=bidders)
    lot = opened.lot
    people = []
    contents = {}
    for opening in BidOpening.objects.filter(hall__lot=lot).select_related("bid__organization").order_by("order"):
        opening.form = {"price": PRICES[(opening.order - 1) % len(PRICES)]}
        opening.save(update_fields=["form"])
        user = bidder_user(opening.bid.organization)
        people.append(user)
        if files:
            contents[opening.bid_id] = bid_files_for(opening.order)
            seal_and_open(opening.bid, user, contents[opening.bid_id])
    table = ScoringTable.objects.create(lot=lot)
    kinds = [CheckKind.QUALIFICATION, CheckKind.QUALIFICATION, CheckKind.RESPONSIVENESS]
    names = ["营业执照有效", "资质等级符合要求", "工期满足招标文件要求", "投标保证金已缴纳", "报价未超过最高限价"]
    made_checks = [TableCheck.objects.create(table=table, kind=kinds[i % 3], name=names[i % len(names)], order=i + 1)
                   for i in range(checks)]
    committee = drawn(lot, n=n)
    for member in committee.members:
        answers.answer(member.expert.user, member.pk, accept=True)
    room = core.ensure_room(lot)
    members = [committee.member(i) for i in range(n)]
    room.state, room.leader = state, members[0]
    room.save(update_fields=["state", "leader"])
    return Reviewing(lot=lot, room=room, members=members, bids=core.opened_bids(lot.pk), checks=made_checks,
                     bidders=people, files=contents, opened=opened, draw=committee.draw)


def record_all(r: Reviewing, i: int, *, fail=(), reason="不符合", submit=True):
    """Member i records every check of every bid: pass, except the (bid index, check index)
    pairs in `fail`; then submits."""
    from evaluation.room import review

    for b, bid in enumerate(r.bids):
        for c, check in enumerate(r.checks):
            failing = (b, c) in fail
            review.record_verdict(actor=r.user(i), lot_id=r.lot.pk, bid_id=bid["id"], check_id=check.pk,
                                  verdict="fail" if failing else "pass", reason=f"{reason}{i}" if failing else "")
    if submit:
        return review.submit_review(actor=r.user(i), lot_id=r.lot.pk)
    return None
