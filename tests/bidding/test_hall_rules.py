"""The hall's rules, each written once: its event kinds and their audience, its transition table,
the opening's lifecycle transitions taken by the hall alone, and the guards before the end.
Each test here fails when the rule it names is removed."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from bidding import closing
from bidding import hall as hall_services
from bidding.choices import HallState
from bidding.hall import states
from bidding.hall.core import append, locked
from bidding.hall.events import HALL_EVENTS
from bidding.models import HallEvent, OpeningHall
from rooms.events import UndeclaredEvent
from tests.bidding.conftest import FORM
from tests.bidding.hall_helpers import build_cast, nonce
from tests.trading.factories import supervisor
from trading import lifecycle, selectors
from trading.choices import LotState
from trading.errors import PermissionDenied, RuleViolation
from trading.models import AuditEvent, Lot

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
K_RULES = {"k_low": "0.02", "k_high": "0.05", "k_step": "0.0005"}
HALL_PACKAGE = Path(hall_services.__file__).parent


def refused(error, action) -> str:
    with translation.override("en"):
        with pytest.raises(error) as caught:
            action()
        return str(caught.value)


# --- the event kinds and who sees them -------------------------------------------------------

# Written out here, not read from the catalogue under test.
AUDIENCE = {
    "hall_opened": "everyone", "signed_in": "unstored-until-deadline", "bidding_closed": "everyone",
    "lot_failed": "everyone", "decryption_started": "everyone", "bid_status": "everyone",
    "share_handed_in": "everyone", "opening_key_rebuilt": "everyone", "files_decrypted": "everyone",
    "decryption_ended": "everyone", "row_read": "everyone", "confirmation_open": "everyone", "k_drawn": "everyone",
    "confirmed": "everyone", "objection_raised": "everyone", "objection_answered": "everyone",
    "deemed_accepted": "everyone", "opening_ended": "everyone", "opening_failed": "everyone",
}


def test_every_hall_event_kind_is_declared_with_its_audience():
    assert {kind.name: kind.audience.value for kind in HALL_EVENTS} == AUDIENCE


def test_the_hall_appends_exactly_the_declared_kinds():
    source = "\n".join(path.read_text() for path in HALL_PACKAGE.glob("*.py"))
    appended = set(re.findall(r'\bappend\((?:hall|row|locked\(lot_id\)), "([a-z_]+)"', source))
    assert appended == set(AUDIENCE)


@pytest.mark.parametrize("kind", sorted(AUDIENCE))
def test_every_viewer_sees_an_event_of_each_stored_kind_and_only_after_the_deadline_where_it_is_secret(kind):
    # given a lot past its deadline with three bids, and every kind of person looking
    cast = build_cast([FORM, FORM, FORM], deadline_in=MINUTE)
    lot = cast.tender.lot
    hall_services.ensure_hall(lot)
    deadline = cast.tender.deadline
    people = {"host": cast.tender.staff, "supervisor": cast.supervisor, "bidder": cast.bidders[0].user,
              "other bidder": cast.bidders[1].user, "custodian": cast.tender.custodians[0].user, "public": None}
    # when an event of the kind is stored before the deadline
    with transaction.atomic():
        hall = locked(lot.pk)
        if AUDIENCE[kind] == "unstored-until-deadline":
            with pytest.raises(ValueError):
                append(hall, kind, {}, actor=None, at=deadline - SECOND)
            assert not HallEvent.objects.filter(hall=hall, kind=kind).exists()
        event = append(hall, kind, {}, actor=None, at=deadline + SECOND)
    # then every viewer sees it, the public included (no kind is private yet)
    for person in people.values():
        _lot, viewer = hall_services.viewer_for(person, lot.pk)
        assert viewer.sees(event)
        assert event in hall_services.events_after(hall, viewer, event.seq - 1)


def test_an_undeclared_event_kind_is_not_stored():
    cast = build_cast([FORM, FORM, FORM])
    hall_services.ensure_hall(cast.tender.lot)
    with transaction.atomic():
        hall = locked(cast.lot_id)
        with pytest.raises(UndeclaredEvent):
            append(hall, "bid_peeked", {"bidder": "x"}, actor=None)
    assert OpeningHall.objects.get(lot_id=cast.lot_id).last_seq == 1
    assert list(HallEvent.objects.filter(hall__lot_id=cast.lot_id).values_list("kind", flat=True)) == ["hall_opened"]


def test_a_sign_in_before_the_deadline_is_kept_from_every_reader_of_the_audit_trail_until_the_deadline():
    # given a bidder who signs in a minute before the deadline
    cast = build_cast([FORM, FORM, FORM], deadline_in=timedelta(hours=1))
    deadline = cast.tender.deadline
    hall_services.ensure_hall(cast.tender.lot)
    hall_services.sign_in(actor=cast.bidders[0].user, lot_id=cast.lot_id, nonce=nonce(), now=deadline - MINUTE)
    assert AuditEvent.objects.filter(action="hall.signed_in").count() == 1
    assert not HallEvent.objects.filter(hall__lot_id=cast.lot_id, kind="signed_in").exists()
    # when the center's staff and a supervisor read the trail before the deadline, it is not there
    for reader in (cast.tender.staff, cast.supervisor, supervisor(cast.tender.project.center)):
        actions = set(selectors.audit_events(reader).values_list("action", flat=True))
        assert "hall.hall_opened" in actions  # the trail is read, the sign-in left out
        assert "hall.signed_in" not in actions
    # and after the deadline it is
    late = selectors.hide_sealed_events(AuditEvent.objects.all(), now=deadline + SECOND)
    assert late.filter(action="hall.signed_in").count() == 1


# --- the hall's transition table ---------------------------------------------------------------

H = HallState
STEP_TABLE = {  # step: (states it is taken from, the state it leads to or None)
    "close_bidding": ({H.WAITING}, H.CLOSED),
    "fail_too_few_bids": ({H.WAITING}, H.FAILED),
    "sign_in": ({H.WAITING, H.CLOSED}, None),
    "hand_in_identity": ({H.DECRYPTING}, None),
    "hand_in_share": ({H.DECRYPTING, H.READING, H.CONFIRMING}, None),
    "confirm": ({H.CONFIRMING}, None),
    "start_decryption": ({H.CLOSED}, H.DECRYPTING),
    "apply_remedy": ({H.DECRYPTING, H.READING}, None),
    "end_decryption": ({H.DECRYPTING}, H.READING),
    "read_record": ({H.READING}, H.CONFIRMING),
    "draw_k": ({H.DECRYPTING, H.READING, H.CONFIRMING}, None),
    "answer_objection": ({H.CONFIRMING}, None),
    "end_opening": ({H.CONFIRMING}, H.ENDED),
    "fail_opening": ({H.DECRYPTING, H.READING, H.CONFIRMING}, H.ABORTED),
}


def test_the_hall_s_transition_table_names_every_step_once():
    assert {name: (set(step.sources), step.target) for name, step in states.STEPS.items()} == STEP_TABLE


# The host's commands, each refused in every state its step is not taken from.
HOST_COMMANDS = {
    "start_decryption": lambda cast: hall_services.start_decryption(actor=cast.tender.staff, lot_id=cast.lot_id),
    "end_decryption": lambda cast: hall_services.end_decryption(actor=cast.tender.staff, lot_id=cast.lot_id),
    "read_record": lambda cast: hall_services.read_record(actor=cast.tender.staff, lot_id=cast.lot_id),
    "end_opening": lambda cast: hall_services.end_opening(actor=cast.tender.staff, lot_id=cast.lot_id),
    "fail_opening": lambda cast: hall_services.fail_opening(actor=cast.tender.staff, lot_id=cast.lot_id,
                                                            reason="全部投标文件解密失败"),
    "draw_k": lambda cast: hall_services.draw_k(actor=cast.tender.staff, lot_id=cast.lot_id),
}


@pytest.mark.parametrize(("step", "state"), [(step, state) for step in HOST_COMMANDS for state in HallState.values
                                             if state not in STEP_TABLE[step][0]])
def test_a_host_command_is_refused_in_every_state_its_step_is_not_taken_from(step, state):
    # given a hall (past the deadline, nothing owed to the clock) in `state`
    cast = build_cast([FORM, FORM, FORM], deadline_in=MINUTE, **K_RULES)
    hall = hall_services.ensure_hall(cast.tender.lot)
    Lot.objects.filter(pk=cast.lot_id).update(state=LotState.CLOSED)
    OpeningHall.objects.filter(pk=hall.pk).update(state=state, decryption_deadline=None, confirm_deadline=None)
    cast.tender.project.__class__.objects.filter(pk=cast.tender.project.pk).update(
        bid_deadline=cast.tender.deadline - timedelta(hours=1))
    before = OpeningHall.objects.get(pk=hall.pk).last_seq
    # when the host takes the step, then the table's refusal is what the host reads
    message = refused(RuleViolation, lambda: HOST_COMMANDS[step](cast))
    with translation.override("en"):
        assert message == str(states.STEPS[step].refusal)
    after = OpeningHall.objects.get(pk=hall.pk)
    assert (after.state, after.last_seq) == (state, before)


# --- the opening's transitions are the hall's ----------------------------------------------------


def test_the_project_page_cannot_start_the_opening_and_the_hall_still_can(client):
    # given a lot whose bidding closed with three bids, and its center's staff on the project page
    cast = build_cast([FORM, FORM, FORM], deadline_in=MINUTE)
    # (a deadline a minute away, not a second: three bids are sealed and uploaded before it, which
    # takes more than a second on a busy machine; the test travels past it anyway)
    with time_machine.travel(cast.tender.deadline + SECOND, tick=True):
        closing.close_due_lots()
        client.force_login(cast.tender.staff)
        page = client.get(reverse("trading:project", args=[cast.tender.project.pk]))
        assert b'value="start_opening"' not in page.content
        # when staff post "start the opening" from the project page anyway
        response = client.post(reverse("trading:lot_transition", args=[cast.lot_id]), {"name": "start_opening"},
                               follow=True)
        assert response.status_code == 200
        # then the lot and its hall are as they were
        assert Lot.objects.get(pk=cast.lot_id).state == LotState.CLOSED
        assert OpeningHall.objects.get(lot_id=cast.lot_id).state == HallState.CLOSED
        # and the hall opens the lot when its host starts decryption
        hall_services.start_decryption(actor=cast.tender.staff, lot_id=cast.lot_id)
        assert Lot.objects.get(pk=cast.lot_id).state == LotState.OPENING
        assert OpeningHall.objects.get(lot_id=cast.lot_id).state == HallState.DECRYPTING
        assert AuditEvent.objects.filter(action="lot.start_opening", actor=cast.tender.staff).count() == 1


def run_to_confirmation(cast, at):
    """Sign in, decrypt every bid with its bidder's key, read the record: the hall is confirming."""
    staff, lot_id = cast.tender.staff, cast.lot_id
    closing.close_due_lots(now=at)
    for bidder in cast.bidders:
        hall_services.sign_in(actor=bidder.user, lot_id=lot_id, nonce=nonce(), now=at)
    hall_services.start_decryption(actor=staff, lot_id=lot_id, now=at + SECOND)
    for bidder in cast.bidders:
        hall_services.hand_in_identity(actor=bidder.user, lot_id=lot_id, identity=str(bidder.identity),
                                       now=at + 2 * SECOND)
    hall_services.end_decryption(actor=staff, lot_id=lot_id, now=at + 3 * SECOND)
    hall_services.read_record(actor=staff, lot_id=lot_id, now=at + 4 * SECOND)
    return at + 5 * SECOND


def test_the_opening_does_not_end_while_an_objection_is_unanswered():
    cast = build_cast([FORM, FORM, FORM], deadline_in=MINUTE)
    staff, lot_id, bidders = cast.tender.staff, cast.lot_id, cast.bidders
    now = run_to_confirmation(cast, cast.tender.deadline + SECOND)
    hall_services.confirm(actor=bidders[0].user, lot_id=lot_id, now=now)
    hall_services.confirm(actor=bidders[1].user, lot_id=lot_id, now=now)
    objection = hall_services.raise_objection(actor=bidders[2].user, lot_id=lot_id, question="报价读错了", now=now)
    message = refused(RuleViolation, lambda: hall_services.end_opening(actor=staff, lot_id=lot_id, now=now))
    assert message == "Answer every objection before ending the opening."
    assert OpeningHall.objects.get(lot_id=lot_id).state == HallState.CONFIRMING
    hall_services.answer_objection(actor=staff, lot_id=lot_id, objection_id=objection.pk, answer="已核对，无误", now=now)
    hall_services.end_opening(actor=staff, lot_id=lot_id, now=now + SECOND)
    assert OpeningHall.objects.get(lot_id=lot_id).state == HallState.ENDED
    # the hall, ending the opening, starts the evaluation: the lifecycle's fact is the hall's record
    assert Lot.objects.get(pk=lot_id).state == LotState.EVALUATION
    actions = list(AuditEvent.objects.filter(action__in=["hall.opening_ended", "lot.start_evaluation"])
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["hall.opening_ended", "lot.start_evaluation"]


def test_the_opening_does_not_end_before_k_is_drawn_where_the_tender_draws_it():
    cast = build_cast([FORM, FORM, FORM], deadline_in=MINUTE, **K_RULES)
    staff, lot_id = cast.tender.staff, cast.lot_id
    now = run_to_confirmation(cast, cast.tender.deadline + SECOND)
    for bidder in cast.bidders:
        hall_services.confirm(actor=bidder.user, lot_id=lot_id, now=now)
    message = refused(RuleViolation, lambda: hall_services.end_opening(actor=staff, lot_id=lot_id, now=now))
    assert message == "Draw K before ending the opening."
    assert Lot.objects.get(pk=lot_id).state == LotState.OPENING
    hall_services.draw_k(actor=staff, lot_id=lot_id, now=now)
    hall_services.end_opening(actor=staff, lot_id=lot_id, now=now + SECOND)
    assert Lot.objects.get(pk=lot_id).state == LotState.EVALUATION


def test_the_host_fails_an_opening_that_cannot_go_on_and_the_lot_fails_with_the_reason():
    cast = build_cast([FORM, FORM, FORM], deadline_in=MINUTE)
    staff, lot_id = cast.tender.staff, cast.lot_id
    at = cast.tender.deadline + SECOND
    closing.close_due_lots(now=at)
    hall_services.start_decryption(actor=staff, lot_id=lot_id, now=at)
    # a bidder, a supervisor and another center's staff may not; a reason is needed
    for person in (cast.bidders[0].user, cast.supervisor):
        refused(PermissionDenied, lambda: hall_services.fail_opening(actor=person, lot_id=lot_id, reason="x", now=at))
    assert refused(RuleViolation, lambda: hall_services.fail_opening(actor=staff, lot_id=lot_id, reason=" ", now=at)) \
        == "Give the reason the opening fails (1 to 2000 characters)."
    hall_services.fail_opening(actor=staff, lot_id=lot_id, reason="开标系统故障，无法继续", now=at + SECOND)
    hall = OpeningHall.objects.get(lot_id=lot_id)
    assert hall.state == HallState.ABORTED
    lot = Lot.objects.get(pk=lot_id)
    assert lot.state == LotState.FAILED
    (event,) = HallEvent.objects.filter(hall=hall, kind="opening_failed")
    assert event.data["reason"] == "开标系统故障，无法继续"
    (audited,) = AuditEvent.objects.filter(action="lot.fail_opening")
    assert audited.data["reason"] == "开标系统故障，无法继续" and audited.actor == staff
    assert lifecycle.TRANSITIONS["fail_opening"].room == lifecycle.HALL


def test_each_step_is_stamped_and_recorded_at_the_server_time_it_was_taken():
    """A command given its `now` (a scheduled job's, the demo's past) stamps its events with it,
    and the record lists the steps at those times; the audit trail keeps the time of writing."""
    from bidding.record import build_record

    cast = build_cast([FORM, FORM, FORM], deadline_in=MINUTE)
    staff, lot_id = cast.tender.staff, cast.lot_id
    at = cast.tender.deadline + timedelta(hours=2)
    now = run_to_confirmation(cast, at)
    for bidder in cast.bidders:
        hall_services.confirm(actor=bidder.user, lot_id=lot_id, now=now)
    hall_services.end_opening(actor=staff, lot_id=lot_id, now=now + SECOND)
    stamps = dict(HallEvent.objects.filter(hall__lot_id=lot_id).values_list("kind", "at"))
    assert stamps["bidding_closed"] == at and stamps["decryption_started"] == at + SECOND
    assert stamps["confirmation_open"] == at + 4 * SECOND and stamps["opening_ended"] == now + SECOND
    record = build_record(OpeningHall.objects.get(lot_id=lot_id))
    steps = {step["action"]: step["at"] for step in record["steps"]}
    assert steps["hall.decryption_started"] == (at + SECOND).isoformat()
    assert steps["hall.opening_ended"] == (now + SECOND).isoformat()
    audited = AuditEvent.objects.get(action="hall.opening_ended").at
    assert audited < at  # written now, two hours before the time the command was given
