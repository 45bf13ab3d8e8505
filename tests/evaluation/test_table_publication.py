"""Publication fixes each lot's scoring table: a table set is frozen as it was; a lot published
without one gets its method's default, recorded with the publisher; a sale gets none; and the
tender's public page shows every published table to anyone."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from evaluation.choices import CheckKind, ItemCategory, PriceFormula
from evaluation.models import ScoringTable
from evaluation.table_services import set_table
from evaluation.table_spec import default_spec
from tests.trading.factories import LotFactory
from trading import event_text
from trading.choices import Category, EvaluationMethod
from trading.models import AuditEvent

from .tables import average, comprehensive, draft, publish

pytestmark = pytest.mark.django_db
D = Decimal


def table(lot) -> ScoringTable:
    return ScoringTable.objects.prefetch_related("checks", "items").get(lot=lot)


def test_a_table_set_is_frozen_at_publication_as_it_was():
    c, lot = draft(Category.WORKS)
    set_table(actor=c["agent"], lot_id=lot.pk, spec=average())
    notice = publish(c.project, actor=c["center_staff"])
    frozen = table(lot)
    assert frozen.frozen_at == notice.published_at
    assert (frozen.price_formula, frozen.price_weight, frozen.set_by) == (PriceFormula.AVERAGE_BENCHMARK, D(60), c["agent"])
    assert [i.name for i in frozen.items.all()] == ["施工组织设计", "项目管理机构"]
    assert not AuditEvent.objects.filter(action="table.defaulted").exists()
    (event,) = AuditEvent.objects.filter(action="table.frozen")
    assert event.actor == c["center_staff"] and event.data["total_points"] == "100"


def test_each_lot_published_without_a_table_gets_its_methods_default_recorded_with_the_publisher():
    c, first = draft(Category.GOODS, method=EvaluationMethod.LOWEST_PRICE)
    second = LotFactory(project=c.project, number=2, evaluation_method=EvaluationMethod.COMPREHENSIVE)
    third = LotFactory(project=c.project, number=3, evaluation_method=EvaluationMethod.LOWEST_EVALUATED)
    notice = publish(c.project, actor=c["center_staff"])

    price_only = table(first)
    assert (price_only.price_formula, price_only.price_weight, price_only.items.count()) == (
        PriceFormula.LOWEST_BENCHMARK, D(100), 0)
    assert [c.kind for c in price_only.checks.all()] == [CheckKind.QUALIFICATION, CheckKind.RESPONSIVENESS]
    assert table(third).price_weight == D(100) and table(third).items.count() == 0

    scored = table(second)
    # Price 40 of 100: lawful for goods (at least 30%), against the lowest price.
    assert (scored.price_formula, scored.price_weight) == (PriceFormula.LOWEST_BENCHMARK, D(40))
    assert [(i.category, i.high) for i in scored.items.all()] == [
        (ItemCategory.TECHNICAL, D(30)), (ItemCategory.COMMERCIAL, D(20)), (ItemCategory.COMMERCIAL, D(10))]
    for each in (first, second, third):
        assert table(each).frozen_at == notice.published_at and table(each).set_by == c["center_staff"]

    events = AuditEvent.objects.filter(action="table.defaulted").order_by("seq")
    assert [e.data["number"] for e in events] == [1, 2, 3]
    assert all(e.actor == c["center_staff"] for e in events)
    assert not AuditEvent.objects.filter(action="table.frozen").exists()  # one event a lot
    with translation.override("en"):
        assert event_text.action_name("table.defaulted") == "Default scoring table given and published"
        text = event_text.summary("table.defaulted", events[1].data)
    assert "Total points: 100" in text and "Lowest price as the benchmark" in text
    assert all(event_text.unlabelled_keys(e.action, e.data) == [] for e in AuditEvent.objects.filter(
        action__startswith="table."))


def test_the_defaults_are_lawful_and_written_in_the_platforms_language_whoever_publishes():
    from evaluation.table_spec import table_problems

    for method in (EvaluationMethod.LOWEST_PRICE, EvaluationMethod.COMPREHENSIVE, EvaluationMethod.LOWEST_EVALUATED):
        for category in (Category.WORKS, Category.GOODS, Category.SERVICES):
            assert table_problems(default_spec(method), category) == [], (method, category)
    with translation.override("en"):
        in_english = default_spec(EvaluationMethod.COMPREHENSIVE)
    with translation.override("zh-hans"):
        in_chinese = default_spec(EvaluationMethod.COMPREHENSIVE)
    assert in_english == in_chinese


def test_a_sales_lot_gets_no_table():
    c, lot = draft(Category.LAND, method=EvaluationMethod.HIGHEST_PRICE)
    publish(c.project)
    assert not ScoringTable.objects.filter(lot=lot).exists()
    assert not AuditEvent.objects.filter(action__startswith="table.").exists()


def test_the_tenders_public_page_shows_each_published_table_to_anyone():
    c, lot = draft(Category.GOODS, lots=2)
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=comprehensive(weight="30", highs=("45", "25")))
    url = reverse("reporting:tender", args=[c.project.pk])
    assert Client().get(url).status_code == 404  # a draft is not public
    publish(c.project)
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(url)
    text = page.content.decode()
    assert page.status_code == 200 and 'id="scoring-tables"' in text
    for shown in ("施工组织设计", "0–45", "项目管理机构", "0–25", "营业执照有效", "提供有效的营业执照副本。", "评分标准1",
                  "100 points", "the price 30% of it", "Lowest price as the benchmark"):
        assert shown in text, shown
    # The second lot, published without a table, shows the default it got.
    assert text.count('class="facts scoring-table"') == 2
    for item in default_spec(EvaluationMethod.COMPREHENSIVE).items:
        assert item.name in text
