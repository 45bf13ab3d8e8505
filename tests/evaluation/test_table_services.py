"""The scoring table's service: who may set it (those who edit the draft, nobody else), only while
the tender is a draft, the weights of goods and services (87号令 第五十五条), the rows' rules, and
an audit event a person can read for every change."""

from decimal import Decimal

import pytest
from django.utils import translation

from evaluation.choices import CheckKind, ItemCategory, PriceFormula
from evaluation.models import ScoringTable
from evaluation.table_services import set_table
from evaluation.table_spec import PRICE_CITATION, CheckSpec, ItemSpec, table_problems
from tests.trading.factories import RELATIONS
from trading import event_text, lot_services
from trading.choices import Category, EvaluationMethod, LotState
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import AuditEvent

from .tables import CHECKS, average, comprehensive, draft, price_only, publish

pytestmark = pytest.mark.django_db
D = Decimal

# Who sets a draft lot's table: those who edit the tender's draft (trading.rules change_project).
PREPARERS = {"center_staff", "tenderee", "agent"}
# Who reads the project while it is a draft without preparing it: told "not allowed", not "no such lot".
SEE_THE_DRAFT = {"city_supervisor", "province_supervisor"}


def stored(lot) -> ScoringTable:
    return ScoringTable.objects.prefetch_related("checks", "items").get(lot=lot)


@pytest.mark.parametrize("relation", RELATIONS)
def test_only_those_who_prepare_the_tender_set_a_draft_lots_table(relation):
    c, lot = draft()
    person = c[relation]
    if relation in PREPARERS:
        table = set_table(actor=person, lot_id=lot.pk, spec=comprehensive())
        assert table.set_by == person and stored(lot).items.count() == 3
        return
    refusal = PermissionDenied if relation in SEE_THE_DRAFT else NotFound  # a draft is not public
    with pytest.raises(refusal):
        set_table(actor=person, lot_id=lot.pk, spec=comprehensive())
    assert not ScoringTable.objects.filter(lot=lot).exists()
    assert not AuditEvent.objects.filter(action="table.set").exists()


@pytest.mark.parametrize("relation", RELATIONS)
def test_after_publication_nobody_changes_the_table(relation):
    c, lot = draft()
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=comprehensive())
    publish(c.project)
    with pytest.raises((PermissionDenied, RuleViolation)) as refused:
        set_table(actor=c[relation], lot_id=lot.pk, spec=comprehensive(weight="50"))
    if relation in PREPARERS:
        assert isinstance(refused.value, RuleViolation)
        with translation.override("en"):
            assert "published with the tender" in str(refused.value.message)
    assert stored(lot).price_weight == D(40)
    assert AuditEvent.objects.filter(action="table.set").count() == 1


def test_a_lot_cancelled_before_publication_keeps_its_table_as_it_was():
    c, lot = draft()
    lot.state = LotState.CANCELLED
    lot.save()
    with pytest.raises(RuleViolation):
        set_table(actor=c["center_staff"], lot_id=lot.pk, spec=comprehensive())


def test_the_table_is_stored_whole_in_its_order_and_sets_the_lots_method():
    c, lot = draft(method=EvaluationMethod.LOWEST_PRICE)
    set_table(actor=c["agent"], lot_id=lot.pk, spec=average(decimals=3, drop_high_low=True, outlier_percent=D("25")))
    lot.refresh_from_db()
    assert lot.evaluation_method == EvaluationMethod.COMPREHENSIVE
    table = stored(lot)
    assert (table.price_formula, table.price_weight, table.uses_k, table.average_drops_extremes) == (
        PriceFormula.AVERAGE_BENCHMARK, D(60), True, True)
    assert (table.decimals, table.drop_high_low, table.outlier_percent) == (3, True, D(25))
    assert [(i.order, i.name, i.low, i.high) for i in table.items.all()] == [
        (1, "施工组织设计", 0, 25), (2, "项目管理机构", 0, 15)]
    assert [(c.kind, c.name) for c in table.checks.all()] == [(k.kind, k.name) for k in CHECKS]

    # Set again: the rows are replaced, not added to; back to the lowest price, price only.
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=price_only())
    lot.refresh_from_db()
    assert lot.evaluation_method == EvaluationMethod.LOWEST_PRICE
    assert stored(lot).items.count() == 0 and stored(lot).checks.count() == 2
    assert ScoringTable.objects.filter(lot=lot).count() == 1


def test_the_average_benchmarks_options_are_not_kept_with_the_lowest_price_benchmark():
    c, lot = draft()
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=comprehensive(uses_k=True, average_drops_extremes=True,
                                                                         points_per_percent_above=D(3)))
    table = stored(lot)
    assert (table.uses_k, table.average_drops_extremes, table.points_per_percent_above) == (False, False, D(1))


@pytest.mark.parametrize(("category", "least", "other_highs"), [
    (Category.GOODS, "30", ("40", "30")),  # at least 30% of the total for goods
    (Category.SERVICES, "10", ("50", "40")),  # at least 10% for services
])
def test_government_procurement_keeps_the_price_at_its_legal_share_of_the_total(category, least, other_highs):
    c, lot = draft(category)
    # A hundredth less of the price, a hundredth more of the items: the total stays 100, the
    # price's share just under the limit (29.99% / 9.99%).
    under = comprehensive(weight=str(D(least) - D("0.01")), highs=(other_highs[0], str(D(other_highs[1]) + D("0.01"))))
    with translation.override("en"), pytest.raises(RuleViolation) as refusal:
        set_table(actor=c["center_staff"], lot_id=lot.pk, spec=under)
    with translation.override("en"):
        message = str(refusal.value.message)
    assert PRICE_CITATION in message and f"{D(least) - D('0.01')}%" in message and f"at least {least}%" in message
    assert refusal.value.field == "price_weight"
    assert not ScoringTable.objects.filter(lot=lot).exists()
    # Just at the limit: allowed.
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=comprehensive(weight=least, highs=other_highs))
    assert stored(lot).price_weight == D(least)


def test_works_may_weigh_the_price_lightly_and_use_the_average_benchmark():
    c, lot = draft(Category.WORKS)
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=average(price_weight=D(5)))
    assert stored(lot).price_weight == D(5)


@pytest.mark.parametrize("category", [Category.GOODS, Category.SERVICES])
def test_government_procurement_scores_the_price_against_the_lowest_price(category):
    c, lot = draft(category)
    with pytest.raises(RuleViolation) as refusal:
        set_table(actor=c["center_staff"], lot_id=lot.pk, spec=average())
    assert PRICE_CITATION in str(refusal.value.message) and refusal.value.field == "price_formula"


@pytest.mark.parametrize(("spec", "field", "words"), [
    (price_only(items=(ItemSpec(ItemCategory.TECHNICAL, "方案", D(0), D(10)),)), "items", "Only comprehensive"),
    (comprehensive(items=()), "items", "at least one"),
    (comprehensive(highs=("10", "0")), "items", "above the lowest"),
    (comprehensive(price_weight=D(0)), "price_weight", "more than zero"),
    (comprehensive(decimals=5), "decimals", "between 0 and 4"),
    (comprehensive(outlier_percent=D(0)), "outlier_percent", "more than 0"),
    (comprehensive(outlier_percent=D(101)), "outlier_percent", "at most 100"),
    (comprehensive(price_weight=D("10.005")), "price_weight", "two decimals"),
    (average(points_per_percent_above=D(0)), "points_per_percent_above", "must lose points"),
    (comprehensive(checks=CHECKS + (CheckSpec(CheckKind.QUALIFICATION, " 营业执照有效 "),)), "checks", "twice"),
    (comprehensive(checks=(CheckSpec(CheckKind.QUALIFICATION, "  "),)), "checks", "Name the check"),
    (price_only(method=EvaluationMethod.HIGHEST_PRICE), "method", "highest price"),
])
def test_a_table_that_breaks_a_rule_is_refused_with_the_field_it_concerns(spec, field, words):
    c, lot = draft(Category.WORKS)
    with translation.override("en"), pytest.raises(RuleViolation) as refusal:
        set_table(actor=c["center_staff"], lot_id=lot.pk, spec=spec)
    assert refusal.value.field == field and words in str(refusal.value.message)
    assert not ScoringTable.objects.filter(lot=lot).exists()


def test_a_sale_has_no_scoring_table():
    c, lot = draft(Category.LAND, method=EvaluationMethod.HIGHEST_PRICE)
    with pytest.raises(RuleViolation):
        set_table(actor=c["center_staff"], lot_id=lot.pk, spec=price_only())


def test_every_problem_is_found_at_once_for_the_form_to_show_beside_its_field():
    spec = comprehensive(price_weight=D(0), decimals=9,
                         items=(ItemSpec(ItemCategory.TECHNICAL, "", D(5), D(1)),))
    found = {(p.part, p.index, p.field) for p in table_problems(spec, Category.WORKS)}
    assert found == {(None, None, "price_weight"), (None, None, "decimals"), ("items", 0, "name"), ("items", 0, "high")}


def test_every_change_is_audited_with_a_readable_name_and_every_value_labelled():
    c, lot = draft(Category.WORKS)
    set_table(actor=c["tenderee"], lot_id=lot.pk, spec=average())
    (event,) = AuditEvent.objects.filter(action="table.set")
    assert event.actor == c["tenderee"] and event.object_type == "evaluation.scoringtable"
    assert event_text.unlabelled_keys(event.action, event.data) == []
    with translation.override("en"):
        assert event_text.action_name(event.action) == "Scoring table set"
        assert event_text.object_name(event.object_type) == "Scoring table"
        text = event_text.summary(event.action, event.data)
    for shown in ("Comprehensive scoring", "施工组织设计 0–25", "营业执照有效", "times (1 − K)",
                  "mean without the highest and lowest price", "Total points: 100"):
        assert shown in text, text


def test_a_method_changed_on_the_projects_page_after_the_table_stops_the_publication():
    """The lot's method can still change with the draft's other fields (trading's page): a table
    with items under the lowest price no longer fits, and publishing says so."""
    c, lot = draft(Category.WORKS)
    set_table(actor=c["center_staff"], lot_id=lot.pk, spec=comprehensive())
    lot_services.save_lots(actor=c["center_staff"], project=c.project,
                           changed=[(lot, {"evaluation_method": EvaluationMethod.LOWEST_PRICE})])
    with translation.override("en"), pytest.raises(RuleViolation) as refusal:
        publish(c.project)
    assert "no longer fits" in str(refusal.value.message)
    lot.refresh_from_db()
    assert lot.state == LotState.DRAFT and stored(lot).frozen_at is None
