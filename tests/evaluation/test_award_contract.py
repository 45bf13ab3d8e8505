"""The contract: the lot's center staff record its date and amount with the contract transition; a warning on their workspace and the lot's pages once the project's contract days pass after the award without one."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from evaluation.awarding import contract_overdue, record_contract
from evaluation.models import Contract
from tests.evaluation.awarding import awarded, publicized
from tests.trading.factories import CenterFactory, UserFactory, staff, supervisor
from trading import services
from trading.audit import AuditEvent
from trading.choices import LotState, Role
from trading.errors import PermissionDenied, RuleViolation

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def client_for(user=None, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def english(fn, kind=RuleViolation) -> str:
    with translation.override("en"), pytest.raises(kind) as refused:
        fn()
    with translation.override("en"):
        return str(refused.value)


def awarded_days_ago(days: float):
    """A lot awarded `days` ago (its publicity three days before that)."""
    at = timezone.now() - timedelta(days=days)
    return awarded(publicized(now=at - 3 * DAY - timedelta(minutes=5)), at=at)


def test_staff_record_the_contracts_date_and_amount_and_the_lot_is_contracted():
    scene = awarded_days_ago(10)
    signed_on = timezone.localdate(scene.now) + timedelta(days=8)
    contract = record_contract(actor=scene.staff, lot_id=scene.lot.pk, signed_on=signed_on, amount=Decimal("880000.00"))
    scene.lot.refresh_from_db()
    assert scene.lot.state == LotState.CONTRACTED and contract.signed_on == signed_on
    assert contract.amount == Decimal("880000.00") and contract.recorded_by == scene.staff
    event = AuditEvent.objects.get(action="contract.recorded")
    assert event.data["days_since_award"] == 8 and event.data["within_legal_limit"] is True
    assert AuditEvent.objects.filter(action="lot.contract").exists()


def test_a_contract_signed_after_the_legal_days_is_recorded_and_says_so():
    scene = awarded_days_ago(40)
    record_contract(actor=scene.staff, lot_id=scene.lot.pk, signed_on=timezone.localdate(scene.now) + timedelta(days=35),
                    amount=Decimal("880000.00"))
    event = AuditEvent.objects.get(action="contract.recorded")
    assert event.data["days_since_award"] == 35 and event.data["within_legal_limit"] is False


@pytest.mark.parametrize("when, message", [
    (-1, "The contract is signed between the award"), (+1, "The contract is signed between the award")])
def test_the_contracts_date_lies_between_the_award_and_today(when, message):
    scene = awarded_days_ago(5)
    day = timezone.localdate(scene.now) - DAY if when < 0 else timezone.localdate() + DAY
    assert english(lambda: record_contract(actor=scene.staff, lot_id=scene.lot.pk, signed_on=day,
                                           amount=Decimal("1"))).startswith(message)
    assert not Contract.objects.exists()


def test_the_contract_transition_without_its_date_and_amount_is_refused():
    scene = awarded_days_ago(5)
    message = english(lambda: services.transition_lot(actor=scene.staff, lot=scene.lot, name="contract"))
    assert message == "Record the contract with its date and amount on the lot's contract page."
    scene.lot.refresh_from_db()
    assert scene.lot.state == LotState.AWARDED


@pytest.mark.parametrize("who", ["supervisor", "other_center_staff", "winner", "expert"])
def test_only_the_lots_center_staff_record_it(who):
    scene = awarded_days_ago(5)
    actor = {"supervisor": supervisor(scene.lot.project.center), "other_center_staff": staff(CenterFactory()),
             "winner": scene.bidders[0], "expert": UserFactory(role=Role.EXPERT)}[who]
    english(lambda: record_contract(actor=actor, lot_id=scene.lot.pk, signed_on=timezone.localdate(),
                                    amount=Decimal("1")), PermissionDenied)
    assert not Contract.objects.exists()


@pytest.mark.parametrize("who, status", [("staff", 200), ("supervisor", 403), ("other_center_staff", 403),
                                         ("winner", 403), (None, 302)])
def test_who_opens_the_contract_page(who, status):
    scene = awarded_days_ago(5)
    user = {"staff": scene.staff, "supervisor": supervisor(scene.lot.project.center),
            "other_center_staff": staff(CenterFactory()), "winner": scene.bidders[0], None: None}[who]
    assert client_for(user).get(reverse("evaluation:contract", args=[scene.lot.pk])).status_code == status


def test_the_contract_page_asks_first_then_records():
    scene = awarded_days_ago(5)
    url = reverse("evaluation:contract", args=[scene.lot.pk])
    data = {"signed_on": timezone.localdate().isoformat(), "amount": "880,000.00"}
    asked = client_for(scene.staff).post(url, data)
    assert asked.status_code == 200 and "Record the contract" in asked.content.decode() and not Contract.objects.exists()
    done = client_for(scene.staff).post(url, {**data, "confirmed": "yes"})
    assert done.status_code == 302 and Contract.objects.get().amount == Decimal("880000.00")
    html = client_for().get(reverse("evaluation:result", args=[scene.lot.pk])).content.decode()
    assert 'id="award-contract"' in html and "880,000.00" in html


# --- the warning ---------------------------------------------------------------------------------


def test_the_contract_is_overdue_once_the_contract_days_have_passed_since_the_award():
    scene = awarded_days_ago(1)
    awarded_at = scene.lot.state_changed_at
    assert not contract_overdue(scene.lot, awarded_at + 30 * DAY - timedelta(milliseconds=1))
    assert contract_overdue(scene.lot, awarded_at + 30 * DAY)


def test_the_workspace_and_the_lots_pages_warn_when_the_contract_is_overdue():
    late, on_time = awarded_days_ago(31), awarded_days_ago(29)
    work = client_for(late.staff).get(reverse("trading:dashboard")).content.decode()
    assert reverse("evaluation:contract", args=[late.lot.pk]) in overdue_section(work)
    project = client_for(late.staff).get(reverse("trading:project", args=[late.lot.project_id])).content.decode()
    assert "contract-overdue" in project
    assert 'id="contract-overdue"' in client_for(late.staff).get(
        reverse("evaluation:contract", args=[late.lot.pk])).content.decode()
    # not yet overdue: the project page links the contract page without a warning, the workspace lists nothing
    project = client_for(on_time.staff).get(reverse("trading:project", args=[on_time.lot.project_id])).content.decode()
    assert reverse("evaluation:contract", args=[on_time.lot.pk]) in project and "contract-overdue" not in project
    work = client_for(on_time.staff).get(reverse("trading:dashboard")).content.decode()
    assert reverse("evaluation:contract", args=[on_time.lot.pk]) not in overdue_section(work)
    # the supervisors over it read the warning; recorded, it is gone
    over = client_for(supervisor(late.lot.project.center)).get(reverse("trading:dashboard")).content.decode()
    assert reverse("evaluation:result", args=[late.lot.pk]) in overdue_section(over)
    record_contract(actor=late.staff, lot_id=late.lot.pk, signed_on=timezone.localdate(), amount=Decimal("880000"))
    work = client_for(late.staff).get(reverse("trading:dashboard")).content.decode()
    assert reverse("evaluation:contract", args=[late.lot.pk]) not in overdue_section(work)


def overdue_section(html: str) -> str:
    return re.search(r'<section id="contracts-overdue".*?</section>', html, re.S).group(0)
