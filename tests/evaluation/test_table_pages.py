"""The scoring table's staff page through the real stack: those who prepare the tender set it in the
form (rows added without script, refusals beside their fields, nothing typed lost), the supervisors
read it, nobody else reaches it; once published it reads as fixed and a late save is refused; the
project's page links to it."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from evaluation.models import ScoringTable
from evaluation.table_services import set_table
from evaluation.table_spec import PRICE_CITATION
from tests.trading.factories import RELATIONS
from trading.choices import Category, EvaluationMethod
from trading.models import AuditEvent

from .tables import average, comprehensive, draft, form_data, price_only, publish

pytestmark = pytest.mark.django_db
D = Decimal

PREPARERS = {"center_staff", "tenderee", "agent"}
READERS = {"city_supervisor", "province_supervisor"}


def client_for(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None and user.is_authenticated:
        client.force_login(user)
    return client


def url(lot):
    return reverse("evaluation:table", args=[lot.pk])


def text(page) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.content.decode()))


@pytest.mark.parametrize("relation", RELATIONS)
def test_who_reaches_the_page_of_a_draft_lots_table(relation):
    c, lot = draft()
    page = client_for(c[relation]).get(url(lot))
    if relation == "anonymous":
        assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    elif relation in PREPARERS:
        assert page.status_code == 200 and 'id="scoring-table"' in page.content.decode()
    elif relation in READERS:
        assert page.status_code == 200 and 'id="scoring-table"' not in page.content.decode()
        assert "Read only" in text(page)
    else:
        assert page.status_code == 404  # the draft is not theirs to know of


@pytest.mark.parametrize("relation", [r for r in RELATIONS if r not in PREPARERS])
def test_nobody_but_the_preparers_saves_a_table(relation):
    c, lot = draft()
    page = client_for(c[relation]).post(url(lot), form_data(comprehensive()))
    assert page.status_code in (302, 403, 404)
    if page.status_code == 302:
        assert "/accounts/login/" in page["Location"]
    assert not ScoringTable.objects.filter(lot=lot).exists()


def test_a_published_lots_page_refuses_outsiders_who_can_see_the_tender():
    c, lot = draft()
    publish(c.project)
    for relation in ("bidder", "other_center_staff", "other_tenderee", "unrelated_supervisor", "expert"):
        assert client_for(c[relation]).get(url(lot)).status_code == 403, relation


def test_the_staff_set_the_table_in_the_form_and_it_is_saved_whole():
    c, lot = draft(Category.WORKS)
    client = client_for(c["center_staff"])
    first = client.get(url(lot))
    assert "Not saved yet" in text(first)  # the default shows, unsaved
    page = client.post(url(lot), form_data(average(decimals=3)))
    assert page.status_code == 302 and page["Location"] == url(lot)
    table = ScoringTable.objects.get(lot=lot)
    assert (table.price_formula, table.price_weight, table.uses_k, table.decimals) == ("average_benchmark", D(60), True, 3)
    assert [i.name for i in table.items.all()] == ["施工组织设计", "项目管理机构"]
    html = client.get(url(lot)).content.decode()
    assert "The scoring table is saved" in html and "Not saved yet" not in html
    assert re.search(r"data-total-points>100<", html)  # the total: 60 + 25 + 15


def test_a_refusal_shows_beside_its_field_and_keeps_what_was_typed():
    c, lot = draft(Category.GOODS)
    client = client_for(c["tenderee"])
    page = client.post(url(lot), form_data(comprehensive(weight="20", highs=("50", "30"))))
    assert page.status_code == 200
    html = page.content.decode()
    # Beside the price weight: the law's words, the figures; the items typed are still there.
    start = html.index('class="field field-price_weight')
    weight_field = html[start:html.index('class="field field-', start + 1)]
    assert PRICE_CITATION in weight_field and "here 20 of 100 points, 20%" in weight_field
    assert 'value="施工组织设计"' in html and 'value="20"' in html
    assert "Not saved yet: correct what is marked below" in text(page)
    assert not ScoringTable.objects.filter(lot=lot).exists()


def test_a_row_problem_shows_on_its_row():
    c, lot = draft(Category.WORKS)
    page = client_for(c["center_staff"]).post(url(lot), form_data(comprehensive(), **{"items-1-high": "0"}))
    html = page.content.decode()
    assert page.status_code == 200 and "The highest points must be above the lowest." in html
    row = html[html.index('name="items-1-high"') - 2000:html.index('name="items-1-high"') + 400]
    assert "The highest points must be above the lowest." in row


def test_items_under_the_lowest_price_are_refused_above_the_items():
    c, lot = draft(Category.WORKS)
    page = client_for(c["center_staff"]).post(url(lot), form_data(comprehensive(),
                                                                  method=EvaluationMethod.LOWEST_PRICE))
    assert page.status_code == 200 and "Only comprehensive scoring has scored items" in text(page)
    assert not ScoringTable.objects.filter(lot=lot).exists()


def test_without_script_add_an_item_brings_the_page_back_with_one_more_row_and_no_errors():
    c, lot = draft(Category.WORKS)
    data = form_data(comprehensive())
    data.pop("save_table")
    data["add_item"] = "1"
    page = client_for(c["center_staff"]).post(url(lot), data)
    html = page.content.decode()
    assert page.status_code == 200 and 'name="items-3-name"' in html and 'name="items-4-name"' not in html
    assert 'role="alert"' not in html
    assert not ScoringTable.objects.filter(lot=lot).exists()


def test_after_publication_the_page_reads_as_fixed_and_a_late_save_is_refused():
    c, lot = draft(Category.SERVICES)
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=comprehensive(weight="10", highs=("50", "40")))
    client = client_for(c["center_staff"])
    stale = form_data(comprehensive(weight="60", highs=("30", "10")))  # a tab opened before publication
    publish(c.project)
    page = client.get(url(lot))
    assert page.status_code == 200 and 'id="scoring-table"' not in page.content.decode()
    assert "published with the tender" in text(page) and "施工组织设计" in text(page)
    late = client.post(url(lot), stale, follow=True)
    assert "cannot change" in text(late)
    assert ScoringTable.objects.get(lot=lot).price_weight == D(10)
    assert AuditEvent.objects.filter(action="table.set").count() == 1


def test_a_sales_page_says_it_has_no_table():
    c, lot = draft(Category.PROPERTY, method=EvaluationMethod.HIGHEST_PRICE)
    page = client_for(c["center_staff"]).get(url(lot))
    assert page.status_code == 200 and "it has no scoring table" in text(page)
    assert 'id="scoring-table"' not in page.content.decode()


def test_the_projects_page_links_the_table_for_those_who_prepare_it():
    c, lot = draft(Category.WORKS)
    project_url = reverse("trading:project", args=[c.project.pk])
    for relation in ("center_staff", "agent", "city_supervisor"):
        assert url(lot) in client_for(c[relation]).get(project_url).content.decode(), relation
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=price_only())
    assert url(lot) in client_for(c["center_staff"]).get(project_url).content.decode()
