"""The staff's sealing page: a GET only reads, a save is one service call that checks, writes
and records in one transaction."""

import pytest
from django.urls import reverse

from bidding.models import TenderRules
from bidding.opening_form import default_items
from tests.bidding.conftest import client_for, events
from tests.trading.factories import LotFactory, cast
from trading.choices import LotState
from trading.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    people = cast()
    LotFactory(project=people.project, state=LotState.DRAFT)
    return people


def url(project):
    return reverse("bidding:sealing_setup", args=[project.pk])


def item_rows(items: list[dict], prefix="items", initial_rows=None) -> dict:
    """The opening form's rows as the page posts them (ORDER in the list's order); the page
    showed `initial_rows` rows (by default as many as `items`)."""
    initial_rows = len(items) if initial_rows is None else initial_rows
    data = {f"{prefix}-TOTAL_FORMS": str(len(items)), f"{prefix}-INITIAL_FORMS": str(initial_rows),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, item in enumerate(items):
        row = {"key": item["key"], "label": item["label"], "type": item["type"],
               "choices": "、".join(item.get("choices", [])), "ORDER": str(index + 1)}
        if item.get("required"):
            row["required"] = "on"
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def rules_form(project, items=None, **changed):
    """The sealing rules as the page posts them: the opening form's rows, the size in MB."""
    data = {**item_rows(default_items(project.category) if items is None else items), "bidders_decrypt": "on",
            "max_file_mb": "2048", "max_files": 20, "decryption_minutes": 30, "k_low": "", "k_high": "", "k_step": "",
            "save_rules": "1"}
    return {**data, **changed}


def test_get_of_the_sealing_page_writes_nothing(people):
    project, staff = people.project, people["center_staff"]
    before = AuditEvent.objects.count()
    page = client_for(staff).get(url(project))
    assert page.status_code == 200
    assert not TenderRules.objects.filter(project=project).exists()
    assert AuditEvent.objects.count() == before
    # the defaults are shown all the same, as the rows the form saves
    rows = page.context["items"]
    assert [form.initial["key"] for form in rows] == [item["key"] for item in default_items(project.category)]


def test_get_of_the_bid_and_hall_pages_writes_no_rules(people):
    from tests.trading.factories import published_lot

    lot = published_lot()
    bidder = people["bidder"]
    assert client_for(bidder).get(reverse("bidding:bid_page", args=[lot.pk])).status_code == 200
    assert client_for(bidder).get(reverse("bidding:sealing_params", args=[lot.pk])).status_code == 200
    assert client_for(None).get(reverse("bidding:hall", args=[lot.pk])).status_code == 200
    assert not TenderRules.objects.filter(project=lot.project).exists()


def test_save_on_the_sealing_page_writes_the_rules_and_their_event(people):
    project, staff = people.project, people["center_staff"]
    answer = client_for(staff).post(url(project), rules_form(project, max_files=7))
    assert answer.status_code == 302
    assert TenderRules.objects.get(project=project).max_files == 7
    [event] = events("bid_rules.updated")
    assert event.actor_id == staff.pk and event.data["max_files"] == 7


def test_save_on_the_sealing_page_of_a_published_tender_refused_by_the_service(people):
    project, staff = people.project, people["center_staff"]
    project.lots.update(state=LotState.PUBLISHED)
    answer = client_for(staff).post(url(project), rules_form(project, max_files=7))
    assert answer.status_code == 200
    assert "The tender is published: its sealing rules cannot change." in answer.content.decode()
    assert not TenderRules.objects.filter(project=project).exists()
    assert events("bid_rules.updated") == []


@pytest.mark.parametrize("relation", ["other_center_staff", "city_supervisor", "tenderee", "bidder"])
def test_the_sealing_page_is_for_the_centers_staff(people, relation):
    answer = client_for(people[relation]).get(url(people.project))
    assert answer.status_code in (403, 404)
    assert not TenderRules.objects.exists()
