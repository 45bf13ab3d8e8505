"""The tender lifecycle, per lot (DESIGN.md §3): every transition is taken by the right actor,
from the right state, at the right time on the server clock, and writes its audit event;
every other actor, state and time is refused with a message a person can act on.

Also the tender's legal settings (DOMAIN.md §4): changeable within the law, refused beyond it
with the citation, free when the project need not be tendered by law."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from evaluation.objections import raise_objection
from tests.bidding.factories import complete_bids
from tests.evaluation.awarding import candidates_published, contract_signed, opened, report_final
from tests.trading.factories import RELATIONS, LotFactory, ProjectFactory, bidder, cast, document
from trading import lifecycle, services
from trading.choices import LotState as S
from trading.choices import NoticeKind, Role
from trading.errors import NotFound, PermissionDenied, RuleViolation
from bidding.choices import HallState
from bidding.models import OpeningHall
from trading.models import AuditEvent, Lot, Notice, Project

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MS = timedelta(milliseconds=1)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def refused(error, action):
    """Run `action`, expecting `error`; return its message as an English-speaking user reads it."""
    with translation.override("en"):
        with pytest.raises(error) as caught:
            action()
        return str(caught.value)  # a lazy message is read in the language active when it is read


def take(actor, lot, name, **handed_in):
    """Take `name` as the platform lets a person take it: a live room's transition through that
    room's call (the hall's own commands make it), any other through the lot's service."""
    room = lifecycle.TRANSITIONS[name].room
    if room:
        return services.room_transition(actor=actor, lot_id=lot.pk, name=name, room=room,
                                        reason=handed_in.get("reason", ""))
    return services.transition_lot(actor=actor, lot=lot, name=name, **handed_in)


def server_time(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M:%S")


def lot_events(lot):
    return list(AuditEvent.objects.filter(object_type="trading.lot", object_id=str(lot.pk)).order_by("seq"))


# --- the table ------------------------------------------------------------------------------

# Who may take each transition (the platform is the clock's scheduled job), written out here
# rather than read from the table under test.
ACTORS = {
    "publish": {Role.STAFF},
    "close": {lifecycle.SYSTEM},
    "fail_too_few_bids": {lifecycle.SYSTEM, Role.STAFF},
    "start_opening": {Role.STAFF},
    "fail_opening": {Role.STAFF},
    "start_evaluation": {Role.STAFF},
    "fail_evaluation": {Role.STAFF},
    "publicize": {Role.STAFF},
    "award": {Role.STAFF},
    "contract": {Role.STAFF},
    "archive": {Role.STAFF},
    "cancel": {Role.STAFF},
}

# For each transition: the state it starts from, where the deadline lies from now, how many
# complete bids the lot has, and what the actor hands in; everything its guard asks is true.
READY = {
    "publish": (S.DRAFT, 25 * DAY, 0, {"facts": {"has_documents": True}}),
    "close": (S.PUBLISHED, -HOUR, 3, {}),
    "fail_too_few_bids": (S.CLOSED, -HOUR, 2, {}),
    "start_opening": (S.CLOSED, -HOUR, 3, {}),
    "fail_opening": (S.OPENING, -HOUR, 3, {"reason": "开标现场全部投标文件解密失败"}),
    "start_evaluation": (S.OPENING, -HOUR, 3, {}),  # and its hall ended (ready_lot)
    "fail_evaluation": (S.EVALUATION, -HOUR, 3, {"reason": "所有投标均未通过符合性审查"}),
    "publicize": (S.EVALUATION, -HOUR, 3, {}),  # and its report final (ready_lot)
    "award": (S.PUBLICITY, -10 * DAY, 3, {"award_price": Decimal("880000.00")}),  # its candidates published
    "contract": (S.AWARDED, -30 * DAY, 3, {}),  # its date and amount recorded (ready_lot)
    "archive": (S.CONTRACTED, -40 * DAY, 3, {}),
    "cancel": (S.PUBLISHED, 25 * DAY, 0, {"reason": "项目资金未落实，招标人终止招标"}),
}
TARGET = {
    "publish": S.PUBLISHED, "close": S.CLOSED, "fail_too_few_bids": S.FAILED, "start_opening": S.OPENING,
    "fail_opening": S.FAILED, "start_evaluation": S.EVALUATION, "fail_evaluation": S.FAILED,
    "publicize": S.PUBLICITY, "award": S.AWARDED, "contract": S.CONTRACTED, "archive": S.ARCHIVED,
    "cancel": S.CANCELLED,
}
STAFF_TRANSITIONS = [name for name, actors in ACTORS.items() if Role.STAFF in actors]
ROOM_TRANSITIONS = {"start_opening", "fail_opening", "start_evaluation"}  # the opening hall's own


def lot_in(state, *, project=None, deadline_in=-HOUR, bids=0, in_state_for=4 * DAY, now=None) -> Lot:
    """A lot in `state`, its deadline `deadline_in` from now, with `bids` complete bids handed in
    before the deadline, and in this state since `in_state_for` ago."""
    now = now or timezone.now()
    project = project or ProjectFactory()
    project.bid_deadline = now + deadline_in
    if state != S.DRAFT:
        project.documents_published_at = project.bid_deadline - 25 * DAY
    project.save()
    lot = LotFactory(project=project, state=state)
    Lot.objects.filter(pk=lot.pk).update(state_changed_at=now - in_state_for)
    complete_bids(lot, bids)
    lot.refresh_from_db()
    return lot


def ready_lot(name, *, project=None, now=None):
    state, deadline_in, bids, handed_in = READY[name]
    lot = lot_in(state, project=project, deadline_in=deadline_in, bids=bids, now=now)
    handed_in = dict(handed_in)
    if name == "start_evaluation":  # the fact the bidding floor owns: the opening's record is closed
        OpeningHall.objects.create(lot=lot, state=HallState.ENDED)
    # The facts the evaluation floor owns: the final report ranking the lot's bidders, their
    # publicity, the contract's date and amount (tests/evaluation/awarding.py).
    if name == "publicize":
        report_final(lot, opened(lot, ["880000.00", "905000.00", "931500.00"]))
    if name == "award":
        candidates_published(lot)
    if name == "contract":
        contract_signed(lot)
    return lot, handed_in


def test_transition_table_names_every_transition_once():
    assert set(lifecycle.TRANSITIONS) == set(ACTORS) == set(TARGET)
    for name, transition in lifecycle.TRANSITIONS.items():
        assert transition.target == TARGET[name]
        assert set(transition.actors) == ACTORS[name]


@pytest.mark.parametrize("role", [*Role.values, lifecycle.SYSTEM])
@pytest.mark.parametrize("name", list(ACTORS))
def test_transition_table_refuses_every_role_but_its_actors(name, role):
    # given a lot where everything but the actor is right
    now = timezone.now()
    lot, handed_in = ready_lot(name, now=now)
    facts = {"complete_bids": READY[name][2], "opening_record_complete": True, **handed_in.get("facts", {}),
             **lifecycle.gather_facts(lot, now)}
    if "award_price" in handed_in:
        facts["award_price"] = handed_in["award_price"]
    # when the table is asked
    with translation.override("en"):
        answer = lifecycle.refusal(lifecycle.TRANSITIONS[name], actor_role=role, lot=lot, now=now, facts=facts,
                                   reason=handed_in.get("reason", ""))
        answer = None if answer is None else str(answer)
        label = str(lifecycle.TRANSITIONS[name].label)
        who = "The platform" if role == lifecycle.SYSTEM else str(Role(role).label)
    # then only the transition's own actors may take it
    if role in ACTORS[name]:
        assert answer is None
    else:
        assert answer == f"{who} may not “{label}”."


# --- taken by the right actor, with its event --------------------------------------------------


@pytest.mark.parametrize("name", STAFF_TRANSITIONS)
def test_transition_by_center_staff_moves_lot_and_writes_event(name):
    # given a lot ready for `name` and the staff of its own center
    lot, handed_in = ready_lot(name)
    actor = lot.project.created_by
    before = lot.state
    # when the staff take the transition
    take(actor, lot, name, **handed_in)
    # then the lot moved and the audit trail says who did what
    lot.refresh_from_db()
    assert lot.state == TARGET[name]
    (event,) = lot_events(lot)
    assert event.action == f"lot.{name}"
    assert event.actor == actor and event.role == Role.STAFF and event.actor_name == actor.username
    assert event.project_id == lot.project_id
    assert event.data["from"] == before and event.data["to"] == TARGET[name]
    if handed_in.get("reason"):
        assert event.data["reason"] == handed_in["reason"]


@pytest.mark.parametrize("name", ["close", "fail_too_few_bids"])
def test_transition_by_platform_clock_writes_system_event(name):
    lot, _handed_in = ready_lot(name)
    services.system_transition(lot_id=lot.pk, name=name)  # the bid count from the bidding floor
    lot.refresh_from_db()
    assert lot.state == TARGET[name]
    (event,) = lot_events(lot)
    assert event.action == f"lot.{name}"
    assert event.actor is None and event.actor_name == "system" and event.role == "system"
    if name == "fail_too_few_bids":
        assert event.data["complete_bids"] == 2


def test_start_opening_records_the_bid_count_in_its_event():
    lot, handed_in = ready_lot("start_opening")
    take(lot.project.created_by, lot, "start_opening", **handed_in)
    (event,) = lot_events(lot)
    assert event.data == {"from": "closed", "to": "opening", "complete_bids": 3}


def test_award_records_the_award_price_on_lot_and_event():
    lot, handed_in = ready_lot("award")
    services.transition_lot(actor=lot.project.created_by, lot=lot, name="award", **handed_in)
    lot.refresh_from_db()
    assert lot.award_price == Decimal("880000.00")
    (event,) = lot_events(lot)
    assert event.data["award_price"] == "880000.00"


# --- refused for every other actor ----------------------------------------------------------


@pytest.mark.parametrize("relation", [r for r in RELATIONS if r != "center_staff"])
@pytest.mark.parametrize("name", [n for n in ACTORS if n not in ROOM_TRANSITIONS])
def test_transition_refused_for_every_other_person(name, relation):
    # given a lot of the cast's project, ready for `name`
    people = cast()
    lot, handed_in = ready_lot(name, project=people.project)
    # when someone who is not the project center's staff tries it
    hidden = lot.state == S.DRAFT and relation not in (
        "city_supervisor", "province_supervisor", "tenderee", "agent")
    message = refused(NotFound if hidden else PermissionDenied,
                      lambda: services.transition_lot(actor=people[relation], lot=lot, name=name, **handed_in))
    # then a draft stays a secret to those who may not see it, and the rest are told no
    assert message == ("No such lot." if hidden else "You do not have permission to do this (transition_lot).")
    lot.refresh_from_db()
    assert lot.state == READY[name][0]
    assert lot_events(lot) == []


def test_room_transitions_are_the_table_s_marked_ones():
    assert {name for name, t in lifecycle.TRANSITIONS.items() if t.room == lifecycle.HALL} == ROOM_TRANSITIONS


@pytest.mark.parametrize("name", sorted(ROOM_TRANSITIONS))
def test_the_opening_s_transitions_are_refused_outside_the_hall(name):
    # given a lot ready for one of the opening's transitions, and its own center's staff
    lot, handed_in = ready_lot(name)
    # when they take it from the project page's service, then it is refused: the hall takes it
    message = refused(RuleViolation, lambda: services.transition_lot(actor=lot.project.created_by, lot=lot, name=name,
                                                                     **handed_in))
    with translation.override("en"):
        assert message == f"“{lifecycle.TRANSITIONS[name].label}” is taken in the opening hall, not here."
    lot.refresh_from_db()
    assert lot.state == READY[name][0]
    assert lot_events(lot) == []
    # and the project page does not offer it
    assert name not in [t.name for t in lifecycle.available(lot, Role.STAFF)]


def test_a_caller_cannot_hand_in_a_fact_its_floor_owns():
    # given a lot with two bids at its deadline, one short of an opening
    lot, _ = ready_lot("fail_too_few_bids")
    # when a caller claims three, then the claim is refused outright, whatever the guard says
    with pytest.raises(ValueError, match="complete_bids"):
        services.transition_lot(actor=lot.project.created_by, lot=lot, name="cancel", reason="x",
                                facts={"complete_bids": 3})
    with pytest.raises(ValueError, match="opening_record_complete"):
        lifecycle.gather_facts(lot, timezone.now(), {"opening_record_complete": True})
    lot.refresh_from_db()
    assert lot.state == S.CLOSED


def test_close_refused_for_center_staff():
    lot, _ = ready_lot("close")
    message = refused(RuleViolation,
                      lambda: services.transition_lot(actor=lot.project.created_by, lot=lot, name="close"))
    assert message == "Trading-center staff may not “Close bidding”."
    lot.refresh_from_db()
    assert lot.state == S.PUBLISHED


@pytest.mark.parametrize("name", [n for n in ACTORS if lifecycle.SYSTEM not in ACTORS[n]])
def test_staff_transition_refused_for_platform_clock(name):
    lot, handed_in = ready_lot(name)
    message = refused(RuleViolation, lambda: services.system_transition(lot_id=lot.pk, name=name))
    with translation.override("en"):
        assert message == f"The platform may not “{lifecycle.TRANSITIONS[name].label}”."
    lot.refresh_from_db()
    assert lot.state == READY[name][0]


def test_transition_refused_for_unknown_action():
    lot, _ = ready_lot("cancel")
    message = refused(RuleViolation, lambda: services.transition_lot(actor=lot.project.created_by, lot=lot,
                                                                     name="delete", reason="x"))
    assert message == "Unknown action."


# --- refused from every other state ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "state"),
    [(name, state) for name, t in lifecycle.TRANSITIONS.items() for state in S.values if state not in t.sources],
)
def test_transition_refused_from_every_other_state(name, state):
    # given a lot in a state the transition does not start from, everything else right
    _, deadline_in, bids, handed_in = READY[name]
    lot = lot_in(state, deadline_in=deadline_in, bids=bids)
    if name == "close":
        take_it = lambda: services.system_transition(lot_id=lot.pk, name=name)  # noqa: E731
    else:
        take_it = lambda: take(lot.project.created_by, lot, name, **handed_in)  # noqa: E731
    # when it is taken, then it is refused naming the action and the lot's state
    message = refused(RuleViolation, take_it)
    with translation.override("en"):
        assert message == f"“{lifecycle.TRANSITIONS[name].label}” is not possible while the lot is “{S(state).label}”."
    lot.refresh_from_db()
    assert lot.state == state
    assert lot_events(lot) == []


@pytest.mark.parametrize("state", [S.DRAFT, S.PUBLISHED, S.CLOSED, S.OPENING, S.EVALUATION, S.PUBLICITY])
def test_cancel_allowed_from_every_live_state(state):
    lot = lot_in(state)
    services.transition_lot(actor=lot.project.created_by, lot=lot, name="cancel", reason="招标人终止招标")
    lot.refresh_from_db()
    assert lot.state == S.CANCELLED
    assert lot_events(lot)[-1].data == {"from": state, "to": "cancelled", "reason": "招标人终止招标"}


@pytest.mark.parametrize("name", ["fail_opening", "fail_evaluation", "cancel"])
def test_transition_refused_without_reason(name):
    lot, handed_in = ready_lot(name)
    handed_in["reason"] = "   "
    message = refused(RuleViolation, lambda: take(lot.project.created_by, lot, name, **handed_in))
    with translation.override("en"):
        label = lifecycle.TRANSITIONS[name].label
        assert message == f"Give the reason for “{label}”; it is published and kept in the record."


# --- publish: the documents at least 20 days before the deadline ------------------------------


def draft_with_documents(**project_fields):
    project = ProjectFactory(**project_fields)
    LotFactory(project=project, number=1)
    LotFactory(project=project, number=2)
    document(project)
    return project


def publish(project, deadline, now):
    return services.publish_project(actor=project.created_by, project=project, bid_deadline=deadline,
                                    notice_title="招标公告", notice_body="现就该项目进行公开招标。", now=now)


def test_publish_opens_bidding_on_every_lot_with_notice_and_events():
    # given a draft with two lots and its documents
    project = draft_with_documents()
    now = timezone.now()
    deadline = now + 25 * DAY
    # when the center's staff publish it
    notice = publish(project, deadline, now)
    # then every lot is open for bids until the deadline, announced by the tender notice
    project.refresh_from_db()
    assert list(project.lots.values_list("state", flat=True)) == [S.PUBLISHED, S.PUBLISHED]
    assert project.bid_deadline == deadline and project.documents_published_at == now
    assert notice.kind == NoticeKind.TENDER and notice.new_deadline == deadline and notice.published_at == now
    assert list(project.documents.values_list("notice", flat=True)) == [notice.pk]
    # (each lot's scoring table, fixed with it, is the evaluation floor's event: tests/evaluation)
    actions = list(AuditEvent.objects.filter(project=project).exclude(action__startswith="table.")
                   .values_list("action", flat=True))
    assert actions == ["lot.publish", "lot.publish", "project.published"]


def test_publish_allowed_with_deadline_exactly_twenty_days_after_documents():
    project = draft_with_documents()
    now = timezone.now()
    publish(project, now + 20 * DAY, now)
    assert set(project.lots.values_list("state", flat=True)) == {S.PUBLISHED}


def test_publish_refused_when_deadline_is_less_than_twenty_days_after_documents():
    # given a draft, when it is published with a deadline one millisecond short of 20 days
    project = draft_with_documents()
    now = timezone.now()
    message = refused(RuleViolation, lambda: publish(project, now + 20 * DAY - MS, now))
    # then it is refused, citing the law and naming the earliest deadline allowed
    prefix = ("The deadline must be at least 20 days after the documents are published "
              "(《招标投标法》第二十四条): the earliest allowed now is ")
    assert message.startswith(prefix) and message.endswith(".")
    # the deadline it names, to the minute in server time, is the first minute that would pass
    named = timezone.make_aware(datetime.strptime(message[len(prefix):-1], "%Y-%m-%d %H:%M"))
    assert now + 20 * DAY <= named < now + 20 * DAY + timedelta(minutes=1)
    assert set(project.lots.values_list("state", flat=True)) == {S.DRAFT}
    assert not Notice.objects.filter(project=project).exists()
    assert not AuditEvent.objects.filter(project=project).exists()
    # and a deadline at that minute is accepted
    publish(project, named, now)
    assert set(project.lots.values_list("state", flat=True)) == {S.PUBLISHED}


def test_publish_refused_without_documents():
    project = ProjectFactory()
    LotFactory(project=project)
    now = timezone.now()
    message = refused(RuleViolation, lambda: publish(project, now + 25 * DAY, now))
    assert message == "Upload the tender documents before publishing."


def test_publish_refused_without_deadline():
    lot = LotFactory()
    message = refused(RuleViolation, lambda: services.transition_lot(actor=lot.project.created_by, lot=lot,
                                                                     name="publish", facts={"has_documents": True}))
    assert message == "Set the bid deadline before publishing."


def test_publish_refused_when_already_published():
    project = draft_with_documents()
    now = timezone.now()
    publish(project, now + 25 * DAY, now)
    message = refused(RuleViolation, lambda: publish(project, now + 30 * DAY, now))
    assert message == "No lot of this project is a draft; it is already published."
    project.refresh_from_db()
    assert project.bid_deadline == now + 25 * DAY


# --- close, and fail with too few bids, at the deadline ------------------------------------------


def test_close_refused_one_millisecond_before_deadline():
    lot = lot_in(S.PUBLISHED, deadline_in=25 * DAY)
    deadline = lot.project.bid_deadline
    message = refused(RuleViolation, lambda: services.system_transition(lot_id=lot.pk, name="close", now=deadline - MS))
    assert message == f"Bidding is open until the deadline {server_time(deadline)} (Beijing time); it cannot close before."
    lot.refresh_from_db()
    assert lot.state == S.PUBLISHED


def test_close_allowed_at_the_deadline_instant():
    lot = lot_in(S.PUBLISHED, deadline_in=25 * DAY)
    services.system_transition(lot_id=lot.pk, name="close", now=lot.project.bid_deadline)
    lot.refresh_from_db()
    assert lot.state == S.CLOSED and lot.state_changed_at == lot.project.bid_deadline


def test_fail_too_few_bids_refused_when_enough_bids():
    lot = lot_in(S.CLOSED, bids=3)
    message = refused(RuleViolation, lambda: services.transition_lot(actor=lot.project.created_by, lot=lot,
                                                                     name="fail_too_few_bids"))
    assert message == "3 complete bids were received; the lot can be opened, it has not failed."
    lot.refresh_from_db()
    assert lot.state == S.CLOSED


def test_fail_too_few_bids_refused_before_deadline():
    lot = lot_in(S.CLOSED, deadline_in=HOUR, bids=0)
    message = refused(RuleViolation, lambda: services.transition_lot(actor=lot.project.created_by, lot=lot,
                                                                     name="fail_too_few_bids"))
    assert message.startswith("Bidding is open until the deadline ")


def test_start_opening_refused_with_fewer_than_three_bids():
    lot = lot_in(S.CLOSED, bids=2)
    message = refused(RuleViolation, lambda: take(lot.project.created_by, lot, "start_opening"))
    assert message == ("Fewer than 3 complete bids at the deadline (《招标投标法实施条例》第四十四条): "
                       "the lot cannot be opened.")
    lot.refresh_from_db()
    assert lot.state == S.CLOSED


def test_start_opening_counts_only_bids_complete_before_deadline():
    # given two bids complete in time, one complete at the deadline instant, one still uploading
    lot = lot_in(S.CLOSED, bids=2)
    deadline = lot.project.bid_deadline
    complete_bids(lot, 1, completed_at=deadline)
    complete_bids(lot, 1, state="uploading")
    # then the lot has two bids, not three, and cannot be opened
    message = refused(RuleViolation, lambda: take(lot.project.created_by, lot, "start_opening"))
    assert "Fewer than 3 complete bids" in message


def test_start_opening_refused_before_deadline():
    lot = lot_in(S.CLOSED, deadline_in=HOUR, bids=3)
    message = refused(RuleViolation, lambda: take(lot.project.created_by, lot, "start_opening"))
    assert message.startswith("Bidding is open until the deadline ")


# --- the opening, evaluation and publicity ---------------------------------------------------------


def test_start_evaluation_refused_until_opening_record_complete():
    lot = lot_in(S.OPENING, bids=3)
    message = refused(RuleViolation, lambda: take(lot.project.created_by, lot, "start_evaluation"))
    assert message == "The opening record is not complete: every bid must be read and confirmed or answered."


def test_publicize_refused_until_report_signed():
    lot = lot_in(S.EVALUATION, bids=3)
    message = refused(RuleViolation, lambda: services.transition_lot(actor=lot.project.created_by, lot=lot,
                                                                     name="publicize"))
    assert message == "The evaluation report must be signed by every committee member first."


def test_award_refused_one_millisecond_before_publicity_ends():
    # given candidates in publicity since a moment ago
    now = timezone.now()
    lot = lot_in(S.PUBLICITY, deadline_in=-10 * DAY, bids=3, in_state_for=timedelta(0), now=now)
    ends = now + 3 * DAY
    # when the award is taken one millisecond before the three days are over
    message = refused(RuleViolation, lambda: services.transition_lot(
        actor=lot.project.created_by, lot=lot, name="award", award_price=Decimal("880000.00"), now=ends - MS))
    # then it is refused, naming when publicity ends and the law
    assert message == (f"The candidates are in publicity until {server_time(ends)} (Beijing time): "
                       "at least 3 days (《招标投标法实施条例》第五十四条).")
    lot.refresh_from_db()
    assert lot.state == S.PUBLICITY and lot.award_price is None


def test_award_allowed_when_publicity_ends():
    now = timezone.now()
    lot = lot_in(S.PUBLICITY, deadline_in=-10 * DAY, bids=3, in_state_for=timedelta(0), now=now)
    candidates_published(lot)
    services.transition_lot(actor=lot.project.created_by, lot=lot, name="award", award_price=Decimal("880000.00"),
                            now=now + 3 * DAY)
    lot.refresh_from_db()
    assert lot.state == S.AWARDED


def test_award_refused_with_unanswered_objection():
    lot, handed_in = ready_lot("award")
    raise_objection(actor=bidder(lot.bids.first().organization), lot_id=lot.pk, text="异议",
                    now=lot.state_changed_at + HOUR)
    message = refused(RuleViolation, lambda: services.transition_lot(
        actor=lot.project.created_by, lot=lot, name="award", **handed_in))
    assert message == "1 objection(s) to the publicity are not yet answered."


def test_award_refused_without_award_price():
    # no price handed in, and no published candidate to take it from (the evaluation floor's fact)
    lot = lot_in(S.PUBLICITY, deadline_in=-10 * DAY, bids=3)
    message = refused(RuleViolation, lambda: services.transition_lot(actor=lot.project.created_by, lot=lot,
                                                                     name="award"))
    assert message == "Name the award price."


# --- the legal settings ---------------------------------------------------------------------

# (setting, the law's bound, a value beyond it, the message's meaning, the citation)
LEGAL = [
    ("min_days_to_deadline", 20, 19, "days from the tender documents to the bid deadline", "at least",
     "《招标投标法》第二十四条"),
    ("amendment_min_days", 15, 14,
     "days an amendment that changes bids must precede the deadline, or the deadline moves", "at least",
     "《招标投标法实施条例》第二十一条"),
    ("min_bids", 3, 2, "bids needed at the deadline to open; with fewer the tender fails", "at least",
     "《招标投标法实施条例》第四十四条"),
    ("publicity_days", 3, 2, "days the winning candidates stay in publicity before the award", "at least",
     "《招标投标法实施条例》第五十四条"),
    ("contract_days", 30, 31, "days from the award notice within which the contract is signed (at most)", "at most",
     "《招标投标法》第四十六条"),
]
STRICTER = {"min_days_to_deadline": 30, "amendment_min_days": 20, "min_bids": 5, "publicity_days": 5,
            "contract_days": 15}


@pytest.mark.parametrize(("setting", "bound", "beyond", "meaning", "limit", "citation"), LEGAL)
def test_update_legal_settings_allowed_at_the_law_bound(setting, bound, beyond, meaning, limit, citation):
    project = ProjectFactory()
    services.update_legal_settings(actor=project.created_by, project=project, **{setting: STRICTER[setting]})
    services.update_legal_settings(actor=project.created_by, project=project, **{setting: bound})
    project.refresh_from_db()
    assert getattr(project, setting) == bound
    event = AuditEvent.objects.filter(project=project, action="project.updated").last()
    assert event.data == {"before": {setting: STRICTER[setting]}, "after": {setting: bound}}


@pytest.mark.parametrize(("setting", "bound", "beyond", "meaning", "limit", "citation"), LEGAL)
def test_update_legal_settings_refused_beyond_the_law_with_citation(setting, bound, beyond, meaning, limit, citation):
    # given a project that must be tendered by law
    project = ProjectFactory(must_be_tendered=True)
    default = getattr(project, setting)
    # when the staff set a value the law forbids
    message = refused(RuleViolation, lambda: services.update_legal_settings(
        actor=project.created_by, project=project, **{setting: beyond}))
    # then the message names the setting, the bound, the article and the value refused
    assert message == f"{meaning}: the law requires {limit} {bound} ({citation}); {beyond} is not allowed."
    project.refresh_from_db()
    assert getattr(project, setting) == default
    assert not AuditEvent.objects.filter(project=project, action="project.updated").exists()


@pytest.mark.parametrize(("setting", "bound", "beyond", "meaning", "limit", "citation"), LEGAL)
def test_update_legal_settings_allowed_beyond_the_law_when_not_must_be_tendered(
        setting, bound, beyond, meaning, limit, citation):
    project = ProjectFactory(must_be_tendered=False)
    services.update_legal_settings(actor=project.created_by, project=project, **{setting: beyond})
    project.refresh_from_db()
    assert getattr(project, setting) == beyond


def test_update_legal_settings_refused_for_unknown_setting():
    project = ProjectFactory()
    message = refused(RuleViolation, lambda: services.update_legal_settings(
        actor=project.created_by, project=project, colour=3))
    assert message == "Unknown setting: colour"


def test_update_project_refused_for_field_it_does_not_own():
    project = ProjectFactory()
    message = refused(RuleViolation, lambda: services.update_project(
        actor=project.created_by, project=project, colour="红"))
    assert message == "“colour” cannot be changed here."
    message = refused(RuleViolation, lambda: services.update_project(
        actor=project.created_by, project=project, bid_deadline=timezone.now()))
    assert message == "“bid_deadline” cannot be changed here."


def test_update_project_refused_to_bind_the_law_over_settings_beyond_it():
    # given a project not bound by the law, with a short period to the deadline
    project = ProjectFactory(must_be_tendered=False)
    services.update_legal_settings(actor=project.created_by, project=project, min_days_to_deadline=5)
    # when it is made one that must be tendered, the short period is no longer allowed
    message = refused(RuleViolation, lambda: services.update_project(
        actor=project.created_by, project=project, must_be_tendered=True))
    assert "《招标投标法》第二十四条" in message and "5 is not allowed" in message
    project.refresh_from_db()
    assert project.must_be_tendered is False


def test_update_legal_settings_refused_once_published():
    lot = lot_in(S.PUBLISHED, deadline_in=25 * DAY)
    project = lot.project
    message = refused(PermissionDenied, lambda: services.update_legal_settings(
        actor=project.created_by, project=project, min_bids=5))
    assert message == "You do not have permission to do this (change_project)."
    assert Project.objects.get(pk=project.pk).min_bids == 3


def test_publish_follows_a_shorter_period_when_not_must_be_tendered():
    # given a project not bound by the law, whose staff allowed six days to the deadline
    project = draft_with_documents(must_be_tendered=False)
    services.update_legal_settings(actor=project.created_by, project=project, min_days_to_deadline=6)
    now = timezone.now()
    # then a deadline six days away is allowed, and five days and a bit is not
    message = refused(RuleViolation, lambda: publish(project, now + 6 * DAY - MS, now))
    assert "at least 6 days" in message
    publish(project, now + 6 * DAY, now)
    assert set(project.lots.values_list("state", flat=True)) == {S.PUBLISHED}



@pytest.mark.django_db
@pytest.mark.parametrize("days_after_award, on_time", [(30, True), (31, False)])
def test_contract_records_whether_it_came_within_the_legal_days(days_after_award, on_time):
    from datetime import timedelta

    from trading.models import AuditEvent
    from trading.services import transition_lot

    from tests.trading.factories import staff as make_staff

    lot = LotFactory(state="awarded")
    actor = make_staff(lot.project.center)
    contract_signed(lot)
    transition_lot(actor=actor, lot=lot, name="contract", now=lot.state_changed_at + timedelta(days=days_after_award))
    event = AuditEvent.objects.get(action="lot.contract", object_id=str(lot.pk))
    assert event.data["days_since_award"] == days_after_award
    assert event.data["within_legal_limit"] is on_time
