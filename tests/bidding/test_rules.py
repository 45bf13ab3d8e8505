"""Who may do what with sealed bids (bidding.rules): every perm against every kind of person, in
each state of the tender where it matters; what each refusal says; which bids each person may
see; and that the services refuse on their own, without a view asking first."""

from datetime import timedelta
from decimal import Decimal

import pytest
import rules
import time_machine
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation

from bidding.bid_access import my_bids, open_sealed_file
from bidding.ceremony import invite_custodians, register_custodian_key
from bidding.models import BidSecurity, CustodianShare, KeyCeremony, SealedFile, TenderRules
from bidding.opening_keys import hand_in_share
from bidding.rules import BidPolicy, check
from bidding.security import record_bid_security
from bidding.services import update_rules
from bidding.upload import register_bidder_key
from tests.bidding.factories import BidFactory
from tests.trading.factories import LotFactory, UserFactory, bidder, cast
from trading.choices import LotState, Role
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
AGE_RECIPIENT = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"

# How each person stands to the tender: tests.trading.factories.cast's relations, with a custodian who
# holds a share of this tender's key and one who does not, and two bidder organizations (the
# file is the first one's). A bidder account without an organization cannot exist (the
# party_roles_have_organization constraint), so it has no row here. Two people test that a rule
# asks the role as well as the object: a custodian since moved to staff work who is still named in
# the ceremony, and an agent account of the bidder's own organization (which may act as an
# agent in other tenders).
RELATIONS = (
    "center_staff", "other_center_staff", "city_supervisor", "province_supervisor", "unrelated_supervisor",
    "custodian_with_share", "former_custodian_with_share", "custodian", "bidder", "other_bidder",
    "agent_of_bidders_organization",
    "tenderee", "agent", "other_tenderee", "other_agent", "expert", "anonymous",
)
STATES = ("draft", "open", "closed")  # closed: the deadline has passed on the server clock

BIDDERS = {"bidder", "other_bidder"}
CUSTODIANS = {"custodian_with_share", "custodian"}
SUPERVISORS_OVER = {"city_supervisor", "province_supervisor"}
STAFF = {"center_staff"}
NOBODY = set()


def everywhere(allowed):
    return {state: allowed for state in STATES}


# perm -> (what it is asked about, who may, per state)
TABLE = {
    "bidding.host_hall": ("project", everywhere(STAFF)),
    "bidding.watch_hall": ("project", everywhere(SUPERVISORS_OVER)),
    "bidding.hand_in_share": ("project", everywhere({"custodian_with_share"})),
    "bidding.seal_bid": ("lot", everywhere(BIDDERS)),
    "bidding.hand_in_key": ("lot", everywhere(BIDDERS)),
    "bidding.sign_in": ("lot", everywhere(BIDDERS)),
    "bidding.answer_record": ("lot", everywhere(BIDDERS)),
    "bidding.upload_sealed_file": ("sealed_file", everywhere({"bidder"})),
    "bidding.read_sealed_file": ("sealed_file", {"draft": {"bidder"}, "open": {"bidder"},
                                                 "closed": {"bidder", "center_staff"}}),
    "bidding.set_sealing_rules": ("project", {"draft": STAFF, "open": NOBODY, "closed": NOBODY}),
    "bidding.run_key_ceremony": ("project", everywhere(STAFF)),
    "bidding.record_bid_security": ("project", everywhere(STAFF)),
    "bidding.view_sealing_setup": ("project", everywhere(STAFF)),
    "bidding.register_custodian_key": (None, everywhere(CUSTODIANS)),
    "bidding.view_custodian_page": (None, everywhere(CUSTODIANS)),
}


class Stage:
    """One tender of a city center, in `state`, with its people, a lot and one sealed file of
    the first bidder's bid."""

    def __init__(self, state: str):
        self.people = cast()
        self.project = self.people.project
        self.lot = LotFactory(project=self.project, state=LotState.DRAFT if state == "draft" else LotState.PUBLISHED)
        if state != "draft":
            self.project.bid_deadline = timezone.now() + (DAY if state == "open" else -DAY)
            self.project.documents_published_at = timezone.now() - 2 * DAY
            self.project.save()
        people = dict(self.people.people)
        people["custodian_with_share"] = UserFactory(role=Role.CUSTODIAN)
        people["other_bidder"] = bidder()
        people["former_custodian_with_share"] = UserFactory(role=Role.STAFF, center=self.people.other_city)
        people["agent_of_bidders_organization"] = UserFactory(role=Role.AGENT,
                                                              organization=people["bidder"].organization)
        self.people = people
        ceremony = KeyCeremony.objects.create(project=self.project, k=2, n=2, invited_by=self.staff)
        CustodianShare.objects.create(ceremony=ceremony, custodian=people["custodian_with_share"], index=1)
        CustodianShare.objects.create(ceremony=ceremony, custodian=people["former_custodian_with_share"], index=2)
        bid = BidFactory(lot=self.lot, organization=people["bidder"].organization)
        self.sealed_file = SealedFile.objects.create(bid=bid, kind=SealedFile.Kind.FORM, name="opening-form.json.age",
                                                     size=10, received=10, storage_name="x.age",
                                                     completed_at=timezone.now() - 2 * DAY)
        assert set(self.people) == set(RELATIONS)

    @property
    def staff(self):
        return self.people["center_staff"]

    def __getitem__(self, relation):
        return self.people[relation]

    def object(self, kind):
        return None if kind is None else getattr(self, kind)


@pytest.fixture(scope="module")
def _stages(django_db_setup, django_db_blocker):
    """The three stages, built once for the whole table (only read by it)."""
    # Built in a transaction rolled back at the end, so that nothing outlives this module; with
    # the fast hasher the function-scoped settings of conftest cannot give a module fixture.
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), fast, transaction.atomic():
        yield {state: Stage(state) for state in STATES}
        transaction.set_rollback(True)


def test_the_table_names_every_bidding_perm():
    assert set(TABLE) == {name for name in rules.permissions.permissions if name.startswith("bidding.")}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("perm", TABLE)
def test_perm_for_every_person(_stages, perm, state):
    stage = _stages[state]
    kind, allowed = TABLE[perm]
    granted = {relation for relation in RELATIONS if rules.has_perm(perm, stage[relation], stage.object(kind))}
    assert granted == allowed[state]


# --- what a refusal says ---------------------------------------------------------------------


def refusal(user, perm, obj, message=None):
    with translation.override("en"), pytest.raises((PermissionDenied, NotFound, RuleViolation)) as caught:
        check(user, perm, obj, message=message)
    return type(caught.value), str(caught.value)


STAFF_ONLY = (PermissionDenied, "Only staff of this tender's trading center may do this.")
BIDDERS_ONLY = (PermissionDenied, "Only a registered bidder organization may do this.")

REFUSALS = [
    # perm, state, who, what
    ("bidding.host_hall", "open", "city_supervisor", (PermissionDenied, "Only the trading center's host may do this.")),
    ("bidding.watch_hall", "open", "unrelated_supervisor",
     (PermissionDenied, "Only a supervisor of this trading center watches the opening as its supervisor.")),
    ("bidding.hand_in_share", "closed", "center_staff", (PermissionDenied, "Only a key custodian hands in a share.")),
    ("bidding.hand_in_share", "closed", "custodian", (NotFound, "You hold no share of this tender's opening key.")),
    ("bidding.seal_bid", "open", "tenderee", BIDDERS_ONLY),
    ("bidding.seal_bid", "closed", "center_staff", BIDDERS_ONLY),
    ("bidding.hand_in_key", "closed", "center_staff", (PermissionDenied, "Only the bidder hands in its key.")),
    ("bidding.sign_in", "closed", "center_staff", (PermissionDenied, "Only bidders sign in.")),
    ("bidding.answer_record", "closed", "custodian", (PermissionDenied, "Only bidders confirm or object.")),
    ("bidding.upload_sealed_file", "open", "agent", BIDDERS_ONLY),
    ("bidding.upload_sealed_file", "open", "other_bidder", (NotFound, "No such upload.")),
    ("bidding.read_sealed_file", "open", "center_staff", (NotFound, "No such sealed file.")),
    ("bidding.read_sealed_file", "closed", "other_bidder", (NotFound, "No such sealed file.")),
    ("bidding.read_sealed_file", "closed", "city_supervisor", (NotFound, "No such sealed file.")),
    ("bidding.set_sealing_rules", "open", "center_staff",
     (RuleViolation, "The tender is published: its sealing rules cannot change.")),
    ("bidding.set_sealing_rules", "draft", "other_center_staff", STAFF_ONLY),
    ("bidding.run_key_ceremony", "draft", "province_supervisor", STAFF_ONLY),
    ("bidding.record_bid_security", "open", "other_center_staff", STAFF_ONLY),
    ("bidding.view_sealing_setup", "draft", "tenderee", STAFF_ONLY),
    ("bidding.register_custodian_key", "open", "center_staff",
     (PermissionDenied, "Only a key custodian registers a custodian key.")),
    ("bidding.view_custodian_page", "open", "bidder", (PermissionDenied, "This page is for key custodians.")),
]


@pytest.mark.parametrize("perm, state, relation, expected", REFUSALS, ids=lambda v: v if isinstance(v, str) else None)
def test_refusal_says_why(_stages, perm, state, relation, expected):
    stage = _stages[state]
    assert refusal(stage[relation], perm, stage.object(TABLE[perm][0])) == expected


def test_refusal_message_given_by_the_caller_wins(_stages):
    stage = _stages["open"]
    assert refusal(stage["tenderee"], "bidding.seal_bid", stage.lot, message="The bid page is for bidders.") == (
        PermissionDenied, "The bid page is for bidders.")


def test_refusal_is_translated_when_raised(_stages):
    stage = _stages["open"]
    with translation.override("zh-hans"), pytest.raises(PermissionDenied) as caught:
        check(stage["tenderee"], "bidding.record_bid_security", stage.project)
    assert str(caught.value) != STAFF_ONLY[1] and caught.value.message


def test_a_perm_without_its_own_message_is_refused_by_name(_stages):
    stage = _stages["open"]
    assert refusal(stage["bidder"], "trading.publish_project", stage.project) == (
        PermissionDenied, "You do not have permission to do this (publish_project).")


def test_the_centers_staff_may_read_a_sealed_file_from_the_deadline_on(_stages):
    stage = _stages["open"]
    deadline = stage.project.bid_deadline
    with time_machine.travel(deadline - timedelta(milliseconds=1), tick=False):
        assert not rules.has_perm("bidding.read_sealed_file", stage.staff, stage.sealed_file)
    with time_machine.travel(deadline, tick=False):
        assert rules.has_perm("bidding.read_sealed_file", stage.staff, stage.sealed_file)


def test_check_lets_through_whoever_has_the_perm(_stages):
    stage = _stages["closed"]
    check(stage.staff, "bidding.read_sealed_file", stage.sealed_file)  # raises nothing


# --- which bids each person sees --------------------------------------------------------------


@pytest.mark.parametrize("state, sees", [
    ("open", {"bidder"}),
    ("closed", {"bidder", "center_staff", "city_supervisor", "province_supervisor"}),
])
def test_bid_policy_shows_own_bids_and_after_the_deadline_the_officials(_stages, state, sees):
    stage = _stages[state]
    bid = stage.sealed_file.bid
    seeing = {relation for relation in RELATIONS if BidPolicy.visible(stage[relation]).filter(pk=bid.pk).exists()}
    assert seeing == sees


def test_bid_policy_gives_a_bidder_only_its_own_organizations(_stages):
    stage = _stages["closed"]
    other = BidFactory(lot=stage.lot, organization=stage["other_bidder"].organization)
    try:
        assert list(BidPolicy.visible(stage["other_bidder"]).filter(lot=stage.lot)) == [other]
        assert stage.sealed_file.bid in BidPolicy.visible(stage.staff)
        assert other in BidPolicy.visible(stage.staff)
    finally:
        other.delete()


def test_bid_policy_reads_the_clock_it_is_given(_stages):
    stage = _stages["open"]
    bid = stage.sealed_file.bid
    assert not BidPolicy.visible(stage.staff).filter(pk=bid.pk).exists()
    later = stage.project.bid_deadline
    assert BidPolicy.visible(stage.staff, now=later).filter(pk=bid.pk).exists()


# --- the services refuse on their own -----------------------------------------------------------


def no_event_written(before: int) -> bool:
    return AuditEvent.objects.count() == before


def test_update_rules_by_staff_of_another_center_refused_in_the_service():
    stage = Stage("draft")
    before = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        update_rules(actor=stage["other_center_staff"], project=stage.project, max_files=3)
    assert str(caught.value) == STAFF_ONLY[1]
    assert not TenderRules.objects.filter(project=stage.project).exists() and no_event_written(before)


def test_update_rules_of_a_published_tender_refused_in_the_service():
    stage = Stage("open")
    before = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(RuleViolation) as caught:
        update_rules(actor=stage.staff, project=stage.project, max_files=3)
    assert str(caught.value) == "The tender is published: its sealing rules cannot change."
    assert not TenderRules.objects.filter(project=stage.project).exists() and no_event_written(before)


def test_update_rules_by_the_centers_staff_on_a_draft_saves_and_records():
    stage = Stage("draft")
    rules_row = update_rules(actor=stage.staff, project=stage.project, max_files=3)
    assert TenderRules.objects.get(project=stage.project).max_files == 3 == rules_row.max_files
    assert AuditEvent.objects.filter(action="bid_rules.updated", actor=stage.staff).count() == 1


def test_invite_custodians_by_a_supervisor_refused_in_the_service():
    stage = Stage("draft")
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        invite_custodians(actor=stage["city_supervisor"], project=stage.project,
                          custodians=[stage["custodian"], stage["custodian_with_share"]], k=2)
    assert str(caught.value) == STAFF_ONLY[1]
    assert KeyCeremony.objects.get(project=stage.project).shares.count() == 2  # the stage's, untouched


def test_record_bid_security_by_the_tenderee_refused_in_the_service():
    stage = Stage("open")
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        record_bid_security(actor=stage["tenderee"], lot=stage.lot, organization=stage["bidder"].organization,
                            amount=Decimal("10000.00"), method=BidSecurity.Method.TRANSFER, reference="T-1")
    assert str(caught.value) == STAFF_ONLY[1]
    assert not BidSecurity.objects.exists()


def test_register_bidder_key_by_the_agent_refused_in_the_service():
    stage = Stage("open")
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        register_bidder_key(actor=stage["agent"], lot=stage.lot, recipient=AGE_RECIPIENT)
    assert str(caught.value) == BIDDERS_ONLY[1]


def test_register_custodian_key_by_a_bidder_refused_in_the_service():
    stage = Stage("open")
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        register_custodian_key(actor=stage["bidder"], recipient=AGE_RECIPIENT)
    assert str(caught.value) == "Only a key custodian registers a custodian key."


def test_hand_in_share_by_a_custodian_without_a_share_not_found_in_the_service():
    stage = Stage("closed")
    with translation.override("en"), pytest.raises(NotFound) as caught:
        hand_in_share(actor=stage["custodian"], project=stage.project, payload={})
    assert str(caught.value) == "You hold no share of this tender's opening key."


def test_my_bids_by_the_centers_staff_refused_in_the_service_even_after_the_deadline():
    stage = Stage("closed")
    with translation.override("en"), pytest.raises(PermissionDenied) as caught:
        my_bids(actor=stage.staff, lot=stage.lot)
    assert str(caught.value) == BIDDERS_ONLY[1]


@pytest.mark.parametrize("relation", ["other_bidder", "city_supervisor", "tenderee"])
def test_open_sealed_file_after_the_deadline_not_found_in_the_service(relation):
    stage = Stage("closed")
    with translation.override("en"), pytest.raises(NotFound) as caught:
        open_sealed_file(actor=stage[relation], file_id=stage.sealed_file.pk)
    assert str(caught.value) == "No such sealed file."
