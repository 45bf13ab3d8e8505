"""`manage.py load_demo` (the demo app): the demo network loads through the services, once, and
leaves an audit chain that verifies; every bid was sealed and uploaded through the upload service
with its signed receipt; the past tenders were opened in the real opening hall, whose record is
archived; its open tenders take sealed bids (custodian keys, a completed 3-of-5 key ceremony, the
demo's custodian key files); its live-opening tender closes minutes after loading, with four
sealed bids whose bidders' key files open them in the hall; its PDFs carry their font; and no
lower floor knows the demo exists."""

import io
import json
import re
import shutil
import subprocess
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from bidding import agefile, bid_access, closing, hall, opening_keys, storage, upload
from bidding.choices import Confirmation, HallState, OpeningOutcome, OpeningStatus
from bidding.models import Bid, BidderKey, CustodianKey, KeyCeremony, OpeningHall, Receipt, SealedFile, TenderRules
from bidding.opening_form import default_items
from bidding.selectors import complete_bid_count
from demo.data import DEMO_PASSWORD, LIVE_BIDS, LIVE_OPENING, OBJECTIONS, PROJECTS
from tests.bidding.conftest import FORM, SealedBid, client_for, stored_bytes, upload_bid
from trading import uscc
from trading.choices import Category, EvaluationMethod, LotState, NoticeKind, Role
from trading.errors import RuleViolation
from trading.law import DAYS_TO_DEADLINE
from trading.models import AuditChainHead, AuditEvent, Center, Document, Lot, Notice, Organization, Project, User
from trading.rules import ProjectPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _files_in_tmp(settings, tmp_path):
    """The demo's key files, sealed files and the receipt key go to a temporary folder, never into var/."""
    settings.KAIBIAO_DEMO_KEYS_DIR = tmp_path / "demo-keys"
    settings.KAIBIAO_SEALED_ROOT = tmp_path / "sealed"
    settings.KAIBIAO_RECEIPT_KEY_FILE = tmp_path / "keys" / "receipt-signing-key.pem"


def load() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def snapshot():
    head = AuditChainHead.objects.get()
    return {
        "tables": [m.objects.count()
                   for m in (Center, Organization, User, Project, Lot, Notice, Document, Bid, AuditEvent)],
        "head": (head.seq, head.digest),
        "states": list(Lot.objects.order_by("pk").values_list("state", flat=True)),
    }


def test_loads_once_and_a_second_run_changes_nothing():
    first = load()
    assert "Demo loaded" in first and DEMO_PASSWORD in first
    before = snapshot()
    second = load()
    assert "nothing changed" in second
    assert snapshot() == before


def test_a_project_in_every_category_and_an_account_for_every_role():
    load()
    assert set(Project.objects.values_list("category", flat=True)) == set(Category.values)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.filter(role=Role.EXPERT).count() >= 5
    assert User.objects.filter(role=Role.CUSTODIAN).count() >= 5
    assert User.objects.filter(role=Role.BIDDER).values("organization").distinct().count() >= 6
    for role in Role.values:
        assert User.objects.filter(role=role).first().check_password(DEMO_PASSWORD), role
    for org in Organization.objects.all():
        assert uscc.check(org.uscc) == org.uscc, org.name


def test_the_network_and_the_supervisors_reach():
    load()
    province = Center.objects.get(region_code="450000")
    liuzhou = Center.objects.get(region_code="450200")
    luzhai = Center.objects.get(region_code="450223")
    assert luzhai.parent == liuzhou and liuzhou.parent == province
    assert Center.objects.get(region_code="450100").parent == province
    everyone = set(Project.objects.values_list("pk", flat=True))
    sup_gx = User.objects.get(role=Role.SUPERVISOR, center=province)
    sup_lz = User.objects.get(role=Role.SUPERVISOR, center=liuzhou)
    assert set(ProjectPolicy.workspace(sup_gx).values_list("pk", flat=True)) == everyone
    seen = set(ProjectPolicy.workspace(sup_lz).values_list("center__region_code", flat=True))
    assert seen == {"450200", "450223"}
    for center in Center.objects.all():
        assert User.objects.filter(role=Role.STAFF, center=center).exists(), center


def test_a_project_at_every_stage():
    load()
    now = timezone.now()

    def lots(state):
        return list(Lot.objects.filter(state=state).select_related("project"))

    assert lots(LotState.DRAFT)
    open_projects = Project.objects.filter(lots__state=LotState.PUBLISHED).distinct()
    assert open_projects.count() >= 3
    for project in open_projects:
        if project.code == LIVE_OPENING:  # the one to walk the opening hall with: minutes ahead
            assert timedelta(minutes=19) < project.bid_deadline - now <= timedelta(minutes=21)
        else:
            assert project.bid_deadline - now > timedelta(days=25)
        assert project.documents.exists()
        # published at least the legal 20 days before its deadline (招标投标法 第二十四条)
        assert project.bid_deadline - project.documents_published_at >= timedelta(days=DAYS_TO_DEADLINE.bound)

    failed = lots(LotState.FAILED)
    assert failed
    for lot in failed:
        assert lot.project.bid_deadline < now
        assert complete_bid_count(lot) < lot.project.min_bids
    for state in (LotState.EVALUATION, LotState.PUBLICITY, LotState.AWARDED, LotState.CONTRACTED):
        assert lots(state), state
        for lot in lots(state):
            assert complete_bid_count(lot) >= lot.project.min_bids
            # every counted bid was complete before the deadline
            late = Bid.objects.filter(lot=lot, state="complete", completed_at__gte=lot.project.bid_deadline)
            assert not late.exists()
    for lot in lots(LotState.AWARDED) + lots(LotState.CONTRACTED):
        assert lot.award_price

    assert Notice.objects.filter(kind=NoticeKind.CLARIFICATION).exists()
    amendment = Notice.objects.get(kind=NoticeKind.AMENDMENT)
    assert amendment.documents.exists()


def test_lots_keep_the_rules():
    load()
    for lot in Lot.objects.select_related("project"):
        assert lot.bid_security <= (lot.ceiling_price or lot.budget) * Decimal("0.02"), lot
        if lot.project.category in Category.price_sales():
            assert lot.evaluation_method == EvaluationMethod.HIGHEST_PRICE
            assert lot.reserve_price
            if lot.award_price:
                assert lot.award_price >= lot.reserve_price
        elif lot.award_price:
            assert lot.award_price <= (lot.ceiling_price or lot.budget)


def test_the_audit_chain_verifies_and_records_every_step():
    load()
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()
    for lot in Lot.objects.exclude(state=LotState.DRAFT):
        actions = list(AuditEvent.objects.filter(object_type="trading.lot", object_id=str(lot.pk))
                       .order_by("seq").values_list("data__to", flat=True))
        assert actions[-1] == lot.state, lot
    assert AuditEvent.objects.filter(action="project.created").count() == Project.objects.count()



# --- every bid through the upload service, every past opening through the hall -----------------


def test_every_bid_has_a_signed_receipt_that_verifies():
    load()
    bids = list(Bid.objects.select_related("lot__project", "organization", "created_by"))
    past = [spec for spec in PROJECTS if spec.stage not in (LotState.DRAFT, LotState.PUBLISHED)]
    versions = sum(len(spec.bids) + len(spec.replaced) for spec in past) + len(LIVE_BIDS)
    assert len(bids) == versions
    for bid in bids:
        (receipt,) = Receipt.objects.filter(bid=bid, action="submitted")
        document = bid_access.receipt_document(actor=bid.created_by, receipt_id=receipt.pk)
        verdict = bid_access.verify_receipt_document(document)
        assert verdict.valid, verdict.problems
        body = document["receipt"]
        assert (body["project"], body["lot"], body["version"]) == (bid.lot.project.code, bid.lot.number, bid.version)
        assert body["bidder"]["uscc"] == bid.organization.uscc
        # The receipt's time is the bid's completion, before the deadline; its files are the stored ones.
        assert receipt.issued_at == bid.completed_at < bid.lot.project.bid_deadline
        stored = bid.files.order_by("kind", "name").values_list("sha256", flat=True)
        assert [f["sha256"] for f in body["files"]] == list(stored)
        assert AuditEvent.objects.filter(action="bid.completed", object_id=str(bid.pk)).exists()
    # A bidder that replaced its bid: two versions, each with its receipt, the later one counts.
    replaced = Bid.objects.filter(lot__project__code="LZ2026-GC-0056", organization__users__username="bidder.longcheng")
    assert list(replaced.order_by("version").values_list("state", flat=True)) == ["superseded", "complete"]


def test_every_lot_past_bidding_was_opened_in_the_hall():
    load()
    for lot in Lot.objects.filter(state__in=[LotState.EVALUATION, LotState.PUBLICITY, LotState.AWARDED,
                                             LotState.CONTRACTED]).select_related("project"):
        opening_hall = OpeningHall.objects.get(lot=lot)
        assert opening_hall.state == HallState.ENDED and opening_hall.host.role == Role.STAFF
        assert bytes(opening_hall.record_pdf).startswith(b"%PDF") and opening_hall.record_sha256
        assert b"FontFile2" in bytes(opening_hall.record_pdf)
        # The hall ended the opening, and that moved the lot to evaluation: in this order.
        ended = AuditEvent.objects.get(action="hall.opening_ended", object_type="bidding.openinghall",
                                       object_id=str(opening_hall.pk))
        lot_events = AuditEvent.objects.filter(object_type="trading.lot", object_id=str(lot.pk))
        started = lot_events.get(action="lot.start_evaluation")
        opened = lot_events.get(action="lot.start_opening")
        assert opened.seq < ended.seq < started.seq
        assert opened.actor_id == started.actor_id == opening_hall.host_id
        # Every counted bid signed in, was decrypted by its bidder, read, and confirmed or objected.
        openings = list(opening_hall.openings.select_related("bid"))
        assert len(openings) == complete_bid_count(lot) >= lot.project.min_bids
        assert opening_hall.sign_ins.count() == len(openings)
        for o in openings:
            assert o.status == OpeningStatus.DECRYPTED and o.outcome == OpeningOutcome.DECRYPTED and o.read_at
            assert o.confirmation in (Confirmation.CONFIRMED, Confirmation.OBJECTED)
            assert o.form["price"] and not o.flags
        assert opening_hall.supervisors_present.exists()
        if opening_hall.needs_k:
            assert opening_hall.k_value
        prices = {Decimal(o.form["price"]) for o in openings}
        if lot.award_price is not None:  # awarded to a bid that was read at the opening
            assert lot.award_price in prices
    # The objection at the evaluation tender's opening was answered on the spot and recorded.
    code = "LZ2026-GC-0056"
    objection = OpeningHall.objects.get(lot__project__code=code).openings.get(
        bid__organization__users__username=f"bidder.{OBJECTIONS[code][0]}").objections.get()
    assert objection.answer and objection.answered_by.username == "staff.liuzhou"


def test_the_failed_lot_closed_with_too_few_bids_and_its_hall_opened_nothing():
    load()
    (lot,) = Lot.objects.filter(state=LotState.FAILED)
    opening_hall = OpeningHall.objects.get(lot=lot)
    assert opening_hall.state == HallState.FAILED and not opening_hall.openings.exists()
    assert opening_hall.events.filter(kind="lot_failed").exists()
    assert not SealedFile.objects.filter(bid__lot=lot).exclude(opened_storage_name="").exists()
    failed = AuditEvent.objects.get(action="lot.fail_too_few_bids", object_id=str(lot.pk))
    assert failed.actor_id is None and failed.data["complete_bids"] == 2 < lot.project.min_bids

def test_the_portal_counts_down_to_the_open_tenders(client):
    load()
    page = client.get(reverse("reporting:portal")).content.decode()
    for project in Project.objects.filter(lots__state=LotState.PUBLISHED).distinct():
        assert project.name in page
    assert page.count('class="countdown"') >= 2


# --- sealed bids in the demo ------------------------------------------------------------------


def open_projects():
    return list(Project.objects.filter(lots__state=LotState.PUBLISHED).distinct().order_by("code"))


def key_file(settings, username) -> str:
    return (settings.KAIBIAO_DEMO_KEYS_DIR / f"{username}.txt").read_text(encoding="utf-8")


def test_the_open_tenders_have_their_rules_and_a_completed_3_of_5_ceremony():
    out = load()
    assert "DEMO SHORTCUT" in out
    custodians = set(User.objects.filter(role=Role.CUSTODIAN))
    assert len(custodians) == 5
    assert CustodianKey.objects.filter(user__in=custodians).count() == 5
    assert {p.code for p in open_projects()} == {"NN2026-GC-0031", "GX2026-ZC-0107", LIVE_OPENING}
    # Every published tender, open or past, was sealed: rules set and key dealt while a draft.
    projects = list(Project.objects.exclude(lots__state=LotState.DRAFT).distinct())
    assert len(projects) == len([spec for spec in PROJECTS if spec.stage != LotState.DRAFT])
    for project in projects:
        ceremony = KeyCeremony.objects.get(project=project)
        assert ceremony.complete and (ceremony.k, ceremony.n) == (3, 5)
        shares = list(ceremony.shares.select_related("custodian"))
        assert len(shares) == 5 and {s.custodian for s in shares} == custodians
        assert all(s.encrypted_share and s.sha256 for s in shares)
        rules = TenderRules.objects.get(project=project)
        assert rules.declared_items == default_items(project.category)
        assert (rules.custodians_k, rules.custodians_n) == (3, 5)
        # the rules were set, and the key dealt, before the tender was published
        seq = {a: AuditEvent.objects.get(action=a, project=project).seq
               for a in ("bid_rules.updated", "ceremony.completed", "project.published")}
        assert seq["bid_rules.updated"] < seq["ceremony.completed"] < seq["project.published"]
    for code in ("NN2026-GC-0031", LIVE_OPENING, "LZ2026-GC-0056"):
        k_range = TenderRules.objects.get(project__code=code)
        assert (k_range.k_low, k_range.k_high, k_range.k_step) == ("0.02", "0.05", "0.0005")
    # Only the published tenders: the draft is left for staff to try the sealing pages on.
    assert KeyCeremony.objects.count() == len(projects)
    assert not KeyCeremony.objects.filter(project__code="LZ2026-ZC-0042").exists()
    # No sealed bids made for newcomers, but for the live opening's four bidders.
    assert not Bid.objects.filter(lot__state=LotState.PUBLISHED).exclude(lot__project__code=LIVE_OPENING).exists()


def test_each_key_file_opens_its_custodians_share_and_three_rebuild_the_opening_key(settings):
    load()
    for project in open_projects():
        ceremony = KeyCeremony.objects.get(project=project)
        opened = []
        for share in ceremony.shares.select_related("custodian__custodian_key").order_by("index"):
            text = key_file(settings, share.custodian.username)
            lines = [line for line in text.splitlines() if line]
            assert lines[0].startswith("# 开标 Kaibiao") and "DEMO ONLY" in text
            assert f"# public key: {share.custodian.custodian_key.recipient}" in lines
            assert lines[-1].startswith("AGE-SECRET-KEY-1") and all(line.startswith("#") for line in lines[:-1])
            payload = json.loads(agefile.decrypt_bytes(share.encrypted_share, identities=[text]))
            assert payload == {**payload, "format": opening_keys.SHARE_FORMAT, "tender": project.code,
                               "custodian": str(share.custodian_id), "threshold": 3, "shares": 5,
                               "openingRecipient": ceremony.opening_recipient}
            opened.append(opening_keys.parse_share(payload, project_code=project.code))
            others = [s for s in ceremony.shares.all() if s.custodian_id != share.custodian_id]
            with pytest.raises(agefile.AgeError):
                agefile.decrypt_bytes(others[0].encrypted_share, identities=[text])
        identity = opening_keys.combine_shares(opened[1:4], ceremony.opening_recipient)
        assert str(identity.recipient) == ceremony.opening_recipient
        with pytest.raises(RuleViolation):  # two shares are not enough
            opening_keys.combine_shares(opened[:2], ceremony.opening_recipient)


def test_a_second_run_leaves_the_key_files_alone(settings):
    load()
    before = {p.name: p.read_text() for p in settings.KAIBIAO_DEMO_KEYS_DIR.iterdir()}
    assert sorted(before) == sorted([f"custodian.0{i}.txt" for i in range(1, 6)]
                                    + [f"bidder.{key}-{LIVE_OPENING}-1.txt" for key in LIVE_BIDS])
    out = load()
    assert "nothing changed" in out and str(settings.KAIBIAO_DEMO_KEYS_DIR) in out
    assert {p.name: p.read_text() for p in settings.KAIBIAO_DEMO_KEYS_DIR.iterdir()} == before


def test_a_bidder_seals_and_uploads_a_bid_to_a_demo_lot(settings, tmp_path):
    load()
    user = User.objects.get(username="bidder.yongjiang")
    lot = Lot.objects.get(project__code="NN2026-GC-0031", number=1)
    client = client_for(user)
    # From the portal's tender page to the lot's bid page.
    tender_page = client.get(reverse("reporting:tender", args=[lot.project.pk])).content.decode()
    assert reverse("bidding:bid_page", args=[lot.pk]) in tender_page
    assert client.get(reverse("bidding:bid_page", args=[lot.pk])).status_code == 200
    # The browser generates the bidder's key and registers its recipient.
    identity = agefile.generate_identity()
    answer = client.post(reverse("bidding:register_key", args=[lot.pk]),
                         data=json.dumps({"recipient": str(identity.recipient)}), content_type="application/json")
    assert answer.status_code == 200, answer.content
    recipients = upload.sealing_recipients(actor=user, lot=lot)
    ceremony = KeyCeremony.objects.get(project=lot.project)
    assert recipients == [ceremony.opening_recipient, str(identity.recipient)]
    # It seals the opening form and a bid file, then uploads them.
    plaintexts = {"opening-form.json.age": json.dumps(FORM, ensure_ascii=False).encode(),
                  "技术标.pdf.age": b"%PDF-1.7 demo bid\n%%EOF"}
    sealed = SealedBid(kinds={"opening-form.json.age": "form", "技术标.pdf.age": "file"}, plaintexts=plaintexts,
                       ciphertexts={n: agefile.encrypt_bytes(d, recipients) for n, d in plaintexts.items()})
    uploaded = upload_bid(client, lot, sealed)
    assert uploaded.last.status_code == 200, uploaded.last.content
    document = uploaded.document
    assert document["receipt"]["project"] == "NN2026-GC-0031" and document["receipt"]["version"] == 1
    bid = Bid.objects.get(pk=uploaded.bid_id)
    assert bid.state == "complete" and bid.organization == user.organization
    # The receipt verifies, as `manage.py verify_receipt receipt.json` checks it.
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with translation.override("en"):
        call_command("verify_receipt", str(path), stdout=out)
    assert out.getvalue() == "Valid: the platform signed exactly this receipt.\n"
    # At the opening three custodians' key files rebuild the key that opens it.
    shares = [opening_keys.parse_share(agefile.decrypt_bytes(s.encrypted_share,
                                                             identities=[key_file(settings, s.custodian.username)]),
                                       project_code=lot.project.code)
              for s in ceremony.shares.select_related("custodian").order_by("index")[:3]]
    opening = opening_keys.combine_shares(shares, ceremony.opening_recipient)
    form = SealedFile.objects.get(bid=bid, kind="form")
    assert json.loads(agefile.decrypt_bytes(stored_bytes(form), identities=[opening])) == FORM


def test_staff_reach_the_sealing_page_from_the_project_page():
    load()
    staff = User.objects.get(username="staff.nanning")
    project = Project.objects.get(code="NN2026-GC-0031")
    client = client_for(staff)
    page = client.get(reverse("trading:project", args=[project.pk])).content.decode()
    assert reverse("bidding:sealing_setup", args=[project.pk]) in page
    sealing = client.get(reverse("bidding:sealing_setup", args=[project.pk])).content.decode()
    assert KeyCeremony.objects.get(project=project).opening_recipient in sealing
    other = Project.objects.get(code="GX2026-ZC-0107")  # another center's tender: no link
    assert reverse("bidding:sealing_setup", args=[other.pk]) not in client.get(
        reverse("trading:project", args=[other.pk])).content.decode()


# --- the live opening ---------------------------------------------------------------------------


def live_lot():
    return Lot.objects.select_related("project", "project__center").get(project__code=LIVE_OPENING)


def bidder_key_file(settings, username) -> str:
    return (settings.KAIBIAO_DEMO_KEYS_DIR / f"{username}-{LIVE_OPENING}-1.txt").read_text(encoding="utf-8")


def secret_key_line(text: str) -> str:
    """What hall-page.js (keys.js loadKeyFile) takes from a key file: its one AGE-SECRET-KEY line."""
    (line,) = [line.strip() for line in text.splitlines() if line.strip().startswith("AGE-SECRET-KEY-1")]
    return line


def test_the_live_opening_tender_closes_minutes_after_loading_with_four_sealed_bids():
    out = load()
    lot = live_lot()
    project = lot.project
    now = timezone.now()
    assert lot.state == LotState.PUBLISHED and project.center.code == "nnggzy"
    assert project.category == Category.WORKS and project.must_be_tendered
    assert timedelta(minutes=19) < project.bid_deadline - now <= timedelta(minutes=21)
    assert project.bid_deadline.second == 0 and project.bid_deadline.microsecond == 0
    assert project.bid_deadline - project.documents_published_at >= timedelta(days=20)
    assert lot.ceiling_price == Decimal("4750000")
    assert f"{LIVE_OPENING}" in out and "/halls/" in out and "staff.nanning" in out
    assert timezone.localtime(project.bid_deadline).strftime("%Y-%m-%d %H:%M:%S") in out  # the server time
    # Its sealing rules: bidders decrypt (the default), a K range, the custodians' remedy.
    rules = TenderRules.objects.get(project=project)
    assert rules.bidders_decrypt and rules.remedy_custodian_stanza
    assert rules.declared_items == default_items(Category.WORKS)
    ceremony = KeyCeremony.objects.get(project=project)
    assert ceremony.complete and (ceremony.k, ceremony.n) == (3, 5)
    # Four complete bids, each its bidder's only version, uploaded through the service with its receipt.
    bids = list(Bid.objects.filter(lot=lot).select_related("organization"))
    assert sorted(b.organization.name for b in bids) == sorted(
        User.objects.get(username=f"bidder.{key}").organization.name for key in LIVE_BIDS)
    assert complete_bid_count(lot) == 4 >= project.min_bids
    for bid in bids:
        assert bid.state == "complete" and bid.version == 1 and bid.completed_at < project.bid_deadline
        files = list(bid.files.order_by("kind"))
        assert [f.kind for f in files] == ["file", "form"]
        assert all(f.received == f.size and f.sha256 and f.completed_at for f in files)
        receipt = Receipt.objects.get(bid=bid)
        assert receipt.action == "submitted"
        document = bid_access.receipt_document(actor=bid.created_by, receipt_id=receipt.pk)
        assert document["receipt"]["project"] == LIVE_OPENING
        assert bid_access.verify_receipt_document(document).valid
        assert AuditEvent.objects.filter(action="bid.completed", object_id=str(bid.pk)).exists()
        assert AuditEvent.objects.filter(action="bidder_key.registered", project=project,
                                         data__recipient=BidderKey.objects.get(
                                             project=project, organization=bid.organization).recipient).exists()


def test_each_bidder_key_file_is_the_registered_key_and_opens_its_own_bid(settings):
    load()
    lot = live_lot()
    ceremony = KeyCeremony.objects.get(project=lot.project)
    for key, (price, days, quality, manager) in LIVE_BIDS.items():
        user = User.objects.get(username=f"bidder.{key}")
        text = bidder_key_file(settings, user.username)
        lines = [line for line in text.splitlines() if line]
        # The browser's bidder key-file format (keys.js keyFileText), with the demo note.
        assert lines[0] == "# 开标 Kaibiao — 投标人解密密钥 / bidder decryption key"
        assert lines[1:4] == [f"# tender: {LIVE_OPENING}", "# lot: 1", f"# bidder: {user.organization.name}"]
        assert "DEMO ONLY" in text and all(line.startswith("#") for line in lines[:-1])
        identity = agefile.parse_identities([secret_key_line(text)])[0]
        registered = BidderKey.objects.get(project=lot.project, organization=user.organization).recipient
        assert str(identity.recipient) == registered
        assert f"# public key: {registered}" in lines
        # Sealed to the opening key and to the bidder's own: the key file opens the opening form.
        form = SealedFile.objects.get(bid__lot=lot, bid__organization=user.organization, kind="form")
        assert json.loads(agefile.decrypt_bytes(stored_bytes(form), identities=[text])) == {
            "price": price, "duration_days": days, "quality": quality, "project_manager": manager}
        assert upload.sealing_recipients(actor=user, lot=lot) == [ceremony.opening_recipient, registered]


def test_the_live_opening_can_be_walked_with_the_key_files(settings):
    """What the walk in the README does, through the hall's services on a clock set past the deadline."""
    load()
    lot = live_lot()
    staff = User.objects.get(username="staff.nanning")
    at = lot.project.bid_deadline + timedelta(seconds=1)
    closing.close_due_lots(now=at)  # the task worker's job at the deadline
    lot.refresh_from_db()
    assert lot.state == LotState.CLOSED
    opening_hall = hall.ensure_hall(lot)
    assert opening_hall.state == HallState.CLOSED and opening_hall.needs_k and opening_hall.openings.count() == 4
    hall.start_decryption(actor=staff, lot_id=lot.pk, now=at + timedelta(minutes=1))
    for key in LIVE_BIDS:
        user = User.objects.get(username=f"bidder.{key}")
        identity = secret_key_line(bidder_key_file(settings, user.username))
        opening = hall.hand_in_identity(actor=user, lot_id=lot.pk, identity=identity, now=at + timedelta(minutes=2))
        assert opening.status == OpeningStatus.DECRYPTED, opening.reason
    hall.end_decryption(actor=staff, lot_id=lot.pk, now=at + timedelta(minutes=3))
    hall.read_record(actor=staff, lot_id=lot.pk, now=at + timedelta(minutes=4))
    hall.draw_k(actor=staff, lot_id=lot.pk, now=at + timedelta(minutes=5))
    opening_hall.refresh_from_db()
    assert opening_hall.state == HallState.CONFIRMING and opening_hall.k_value
    openings = opening_hall.openings.select_related("bid__organization")
    above = {o.bid.organization.name: o.above_ceiling for o in openings}
    assert above == {User.objects.get(username=f"bidder.{key}").organization.name: key == "hengtong"
                     for key in LIVE_BIDS}
    assert not any(o.flags for o in opening_hall.openings.all())


def test_the_opening_can_be_set_minutes_ahead():
    out = io.StringIO()
    call_command("load_demo", opening_in=5, stdout=out)
    deadline = Project.objects.get(code=LIVE_OPENING).bid_deadline
    assert timedelta(minutes=4) < deadline - timezone.now() <= timedelta(minutes=6)
    assert "in about 5 minutes" in out.getvalue()


def test_an_opening_too_soon_is_refused_and_nothing_is_loaded():
    with pytest.raises(CommandError, match="--opening-in"):
        call_command("load_demo", opening_in=1, stdout=io.StringIO())
    assert not Center.objects.exists()


# --- the demo's PDFs, and the floors -------------------------------------------------------------


def demo_pdfs() -> dict[str, bytes]:
    """Every PDF the demo made: the tender documents, and the bid files the hall decrypted."""
    pdfs = {f"document {d.title}": d.file.read() for d in Document.objects.all()}
    for sealed in SealedFile.objects.filter(kind="file").exclude(opened_storage_name=""):
        pdfs[f"bid file {sealed.storage_name}"] = storage.path_of(sealed.opened_storage_name).read_bytes()
    return pdfs


def pdffonts_rows(path: Path) -> list[dict]:
    """poppler's pdffonts table, one dict per font, its columns cut where the header's dashes are."""
    lines = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout.splitlines()
    spans = [m.span() for m in re.finditer(r"-+", lines[1])]
    names = [lines[0][a:b].strip() for a, b in spans]
    return [{name: line[a:b].strip() for name, (a, b) in zip(names, spans)} for line in lines[2:] if line.strip()]


def test_the_demo_pdfs_embed_their_font(tmp_path):
    load()
    pdfs = demo_pdfs()
    assert len([name for name in pdfs if name.startswith("bid file")]) >= 12
    for name, data in pdfs.items():
        assert data.startswith(b"%PDF"), name
        assert b"/FontFile2" in data and b"/Type1" not in data and b"STSong" not in data, name
    if shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils is not installed: the PDFs were checked by their bytes only")
    for i, (name, data) in enumerate(pdfs.items()):
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(data)
        rows = pdffonts_rows(path)
        assert rows and all(row["emb"] == "yes" for row in rows), (name, rows)


def test_no_lower_floor_mentions_the_demo():
    """The demo stands above every floor: nothing in trading/ or bidding/ names it."""
    root = Path(django_settings.BASE_DIR)
    for floor in ("trading", "bidding"):
        for path in (root / floor).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                text = path.read_bytes().decode("utf-8", errors="ignore")
                assert "demo" not in text.lower(), path


def test_a_load_that_fails_saves_nothing_and_leaves_no_bid_files(settings, tmp_path):
    """The key files are written last: if they cannot be, the rows are rolled back and every file
    the load wrote (the sealed bids, the bids the hall opened) is removed."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the key folder should be")
    settings.KAIBIAO_DEMO_KEYS_DIR = blocker / "demo-keys"
    with pytest.raises(CommandError, match="key files could not be written"):
        call_command("load_demo", stdout=io.StringIO())
    assert not Center.objects.exists() and not Bid.objects.exists()
    sealed_root = Path(settings.KAIBIAO_SEALED_ROOT)
    # the load had written sealed and opened files (their folders remain; a path does not say
    # which is which: storage.new_name), and none of them is left
    assert [p for p in sealed_root.rglob("*") if p.is_dir()]
    assert not [p for p in sealed_root.rglob("*") if p.is_file()]
