"""The audit trail a reader sees does not count or time the events hidden from it (招标投标法 第二十二条).

Staff and supervisors read the trail while bids come in; the bidders' events stay out of it
until the deadline. Its numbers and ids must not betray them either: a draft registered before
and one after a bidder's upload read exactly as when nobody bid in between."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from bidding import agefile
from bidding.upload import register_bidder_key
from tests.bidding.conftest import Bidder, client_for, make_tender, seal_bid, upload_bid
from tests.trading.factories import supervisor, tenderee_organization
from tests.trading.factories import bidder as bidder_user
from trading import services
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

ROW = re.compile(r"<tr><td>.*?</tr>", re.S)
CELL = re.compile(r"<td>(.*?)</td>", re.S)
OBJECT_ID = re.compile(r">(\d+)<")  # the object's number in its cell (Project <code>30</code>)
SHOWN_DIGEST = re.compile(r'^<code class="digest">[0-9a-f]{16}…</code>$')


@pytest.fixture(autouse=True)
def _sealed_files_in_tmp(settings, tmp_path):
    """Sealed files and the receipt signing key go to a temporary folder, never into var/."""
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    settings.KAIBIAO_RECEIPT_KEY_FILE = tmp_path / "keys" / "receipt-signing-key.pem"


def register_draft(staff_user, tenderee, code):
    return services.create_project(
        actor=staff_user, center=staff_user.center, code=code, name=f"{code} 道路工程", category="works",
        region_code="450100", tenderee=tenderee, agent=None,
        lots=[{"number": 1, "name": "道路", "budget": Decimal("800000"), "evaluation_method": "lowest_evaluated"}],
    )


def trail_rows(user, query: dict, placeholders: dict) -> list[list[str]]:
    """The trail's rows (their cells) as `user` reads them, this run's own drafts named by their
    part in the story (a rolled-back run's keys are not reused on PostgreSQL). The digest shown is
    masked: it commits to the whole chain, hidden events included, but tells nothing of them to
    one who lacks the previous event's full digest, which no reader is shown."""
    page = client_for(user).get(reverse("trading:audit"), query)
    assert page.status_code == 200
    rows = []
    for row in ROW.findall(page.content.decode()):
        cells = CELL.findall(row)
        assert len(cells) == 9 and SHOWN_DIGEST.match(cells[8]), cells
        cells[6] = OBJECT_ID.sub(lambda m: f">{placeholders.get(m.group(1), m.group(1))}<", cells[6])
        rows.append(cells[:8])
    return rows


def one_run(tender, readers, tenderee, someone, *, bidder_acts: bool) -> dict:
    """Register a draft, let a bidder (or nobody) seal a bid on the other tender, register another
    draft; read the trail as each reader, then undo the run."""
    with transaction.atomic():
        first = register_draft(tender.staff, tenderee, "DRAFT-0001")
        if bidder_acts:
            identity = agefile.generate_identity()
            register_bidder_key(actor=someone, lot=tender.lot, recipient=str(identity.recipient))
            sealed = seal_bid(tender, Bidder(someone, identity))
            uploaded = upload_bid(client_for(someone), tender.lot, sealed)
            assert uploaded.last.status_code == 200  # complete, with its receipt
        second = register_draft(tender.staff, tenderee, "DRAFT-0002")
        placeholders = {str(first.pk): "first draft", str(second.pk): "second draft"}
        seen = {}
        for reader in readers:
            for name, query in {"all": {}, "first": {"project": first.pk}, "second": {"project": second.pk}}.items():
                seen[reader.username, name] = trail_rows(reader, query, placeholders)
        if bidder_acts:
            assert AuditEvent.objects.filter(project=tender.project, action__startswith="bid.").exists()
        transaction.set_rollback(True)
    return seen


def test_the_trail_reads_the_same_whether_or_not_a_bidder_sealed_a_bid_meanwhile():
    # given a published tender, its center's staff and supervisor, and a bidder who has not yet bid
    tender = make_tender()
    readers = [tender.staff, supervisor(tender.project.center)]
    tenderee, someone = tenderee_organization(), bidder_user()
    at = timezone.now() + timedelta(hours=1)  # every event of both runs at one server time

    with time_machine.travel(at, tick=False):
        # when staff register two drafts with a bidder's key, version and upload in between
        with_bid = one_run(tender, readers, tenderee, someone, bidder_acts=True)
        # and the same without the bidder
        without = one_run(tender, readers, tenderee, someone, bidder_acts=False)

    # then every reader's trail reads the same, numbers and ids alike
    assert with_bid.keys() == without.keys()
    for key in with_bid:
        assert with_bid[key] == without[key], key
    # and its rows are numbered by their place in what the reader sees (newest first)
    for key, rows in without.items():
        numbers = [int(row[0]) for row in rows]
        assert numbers == list(range(len(rows), 0, -1)), key
