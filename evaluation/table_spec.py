"""A scoring table as values (TableSpec), every way it breaks the rules, and the default a lot gets at publication.

One rule, in one place: the service refuses with the first of table_problems(), the staff page
shows each beside the field it concerns, and the publication checks a stored table against the
lot's method and the tender's category again (either may have changed on the project's page
since the table was set). The weights rule is 政府采购 87号令 第五十五条 (DOMAIN.md §7)."""

from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from trading.choices import Category, EvaluationMethod

from .choices import CheckKind, ItemCategory, PriceFormula

# 《政府采购货物和服务招标投标管理办法》第五十五条: price points by the lowest valid price as the
# benchmark; at least 30% of the total for goods, 10% for services.
PRICE_CITATION = "《政府采购货物和服务招标投标管理办法》（财政部令第87号）第五十五条"
LEAST_PRICE_SHARE = {Category.GOODS: Decimal(30), Category.SERVICES: Decimal(10)}
GOVERNMENT_PROCUREMENT = frozenset(LEAST_PRICE_SHARE)
# The methods a scoring table is for: a sale's highest price (价高者得) has none.
METHODS = (EvaluationMethod.LOWEST_PRICE, EvaluationMethod.COMPREHENSIVE, EvaluationMethod.LOWEST_EVALUATED)
MOST_POINTS = Decimal("99999.99")  # the columns hold seven digits, two after the point
HUNDREDTH = Decimal("0.01")
MOST_DECIMALS = 4


@dataclass(frozen=True)
class CheckSpec:
    kind: str
    name: str
    guidance: str = ""


@dataclass(frozen=True)
class ItemSpec:
    category: str
    name: str
    low: Decimal
    high: Decimal
    guidance: str = ""


@dataclass(frozen=True)
class TableSpec:
    """A lot's method and its table, as set on the staff page (or by the demo, or by default)."""

    method: str
    price_formula: str = PriceFormula.LOWEST_BENCHMARK
    price_weight: Decimal = Decimal(100)
    average_drops_extremes: bool = False
    uses_k: bool = False
    points_per_percent_above: Decimal = Decimal(1)
    points_per_percent_below: Decimal = Decimal("0.5")
    decimals: int = 2
    drop_high_low: bool = False
    outlier_percent: Decimal = Decimal(30)
    checks: tuple[CheckSpec, ...] = field(default_factory=tuple)
    items: tuple[ItemSpec, ...] = field(default_factory=tuple)

    @property
    def items_points(self) -> Decimal:
        return sum((item.high for item in self.items), Decimal(0))

    @property
    def total(self) -> Decimal:
        """The most points a bid can get: the price weight and every item's highest points."""
        return self.price_weight + self.items_points

    def normalized(self) -> "TableSpec":
        """The average benchmark's parameters mean nothing with the lowest price as the benchmark:
        kept at their defaults there, so that a published table shows only what applies."""
        if self.price_formula != PriceFormula.LOWEST_BENCHMARK:
            return self
        plain = TableSpec(method=self.method)
        return replace(self, average_drops_extremes=False, uses_k=False,
                       points_per_percent_above=plain.points_per_percent_above,
                       points_per_percent_below=plain.points_per_percent_below)


@dataclass(frozen=True)
class TableProblem:
    part: str | None  # None: the table's own fields; "checks" or "items": one of their rows
    index: int | None  # the row's place, None for the part as a whole
    field: str | None  # the field at fault (a form shows the message beside it)
    message: str


def points(value) -> str:
    """Points as people write them: 100, 7.5, 0.25 (no trailing zeros, never an exponent)."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def price_share(spec: TableSpec) -> Decimal | None:
    """The price weight as a percentage of the total, cut (never rounded up) to two decimals, so
    that a share just under a limit never reads as the limit itself."""
    if spec.total <= 0:
        return None
    return (spec.price_weight * 100 / spec.total).quantize(HUNDREDTH, ROUND_DOWN)


def _points_problem(value) -> str | None:
    """Points are non-negative, to the hundredth, and fit their column."""
    try:
        if not isinstance(value, Decimal) or not value.is_finite():
            return _("Write a number of points, such as 20 or 7.5.")
        if value < 0:
            return _("Points cannot be negative.")
        if value != value.quantize(HUNDREDTH):
            return _("Points have at most two decimals.")
    except InvalidOperation:
        return _("Write a number of points, such as 20 or 7.5.")
    if value > MOST_POINTS:
        return _("At most %(most)s points.") % {"most": points(MOST_POINTS)}
    return None


def _table_problems(spec: TableSpec, category: str) -> list[TableProblem]:
    def problem(message, at=None):
        return TableProblem(None, None, at, message)

    found = []
    if category in Category.price_sales():
        return [problem(_("A sale (land, property) goes to the highest price: it has no scoring table."))]
    if spec.method not in METHODS:
        found.append(problem(_("Choose lowest price, comprehensive scoring or lowest evaluated price: "
                               "the highest price is a sale's, with no scoring table."), "method"))
    if spec.price_formula not in PriceFormula.values:
        found.append(problem(_("Choose how price points are computed."), "price_formula"))
    elif category in GOVERNMENT_PROCUREMENT and spec.price_formula != PriceFormula.LOWEST_BENCHMARK:
        found.append(problem(_("Government procurement scores the price against the lowest valid price as the "
                               "benchmark (%(citation)s): the average benchmark is for works.")
                             % {"citation": PRICE_CITATION}, "price_formula"))
    for name in ("price_weight", "points_per_percent_above", "points_per_percent_below", "outlier_percent"):
        wrong = _points_problem(getattr(spec, name))
        if wrong:
            found.append(problem(wrong, name))
    if "price_weight" not in {p.field for p in found} and spec.price_weight <= 0:
        found.append(problem(_("The price weight must be more than zero: the price is always scored."), "price_weight"))
    if (spec.price_formula == PriceFormula.AVERAGE_BENCHMARK and "points_per_percent_above" not in {p.field for p in found}
            and spec.points_per_percent_above <= 0):
        found.append(problem(_("A bid above the benchmark must lose points: more than zero per 1%."),
                             "points_per_percent_above"))
    if not isinstance(spec.decimals, int) or not 0 <= spec.decimals <= MOST_DECIMALS:
        found.append(problem(_("Round to between 0 and %(most)s decimals.") % {"most": MOST_DECIMALS}, "decimals"))
    if "outlier_percent" not in {p.field for p in found} and not 0 < spec.outlier_percent <= 100:
        found.append(problem(_("The outlier threshold is a percentage of the item's range: more than 0, "
                               "at most 100."), "outlier_percent"))
    return found


def _row_problems(spec: TableSpec) -> list[TableProblem]:
    found = []
    seen = set()
    for index, check in enumerate(spec.checks):
        if check.kind not in CheckKind.values:
            found.append(TableProblem("checks", index, "kind", _("Choose qualification or responsiveness.")))
        name = check.name.strip()
        if not name:
            found.append(TableProblem("checks", index, "name", _("Name the check.")))
        elif (check.kind, name.casefold()) in seen:
            found.append(TableProblem("checks", index, "name", _("This check is listed twice.")))
        seen.add((check.kind, name.casefold()))
    seen = set()
    for index, item in enumerate(spec.items):
        if item.category not in ItemCategory.values:
            found.append(TableProblem("items", index, "category", _("Choose technical or commercial.")))
        name = item.name.strip()
        if not name:
            found.append(TableProblem("items", index, "name", _("Name the item.")))
        elif name.casefold() in seen:
            found.append(TableProblem("items", index, "name", _("This item is listed twice.")))
        seen.add(name.casefold())
        bad_low, bad_high = _points_problem(item.low), _points_problem(item.high)
        if bad_low:
            found.append(TableProblem("items", index, "low", bad_low))
        if bad_high:
            found.append(TableProblem("items", index, "high", bad_high))
        if not bad_low and not bad_high and item.high <= item.low:
            found.append(TableProblem("items", index, "high", _("The highest points must be above the lowest.")))
    return found


def _weight_problems(spec: TableSpec, category: str) -> list[TableProblem]:
    """Items belong to comprehensive scoring only, which needs one at least; the price's share of
    the total for goods and services (87号令 第五十五条)."""
    if spec.method != EvaluationMethod.COMPREHENSIVE:
        if spec.items:
            return [TableProblem("items", None, None, _(
                "Only comprehensive scoring has scored items: under %(method)s bids are ranked by price. "
                "Remove the items or choose comprehensive scoring.") % {"method": EvaluationMethod(spec.method).label})]
        return []
    if not spec.items:
        return [TableProblem("items", None, None, _("Comprehensive scoring needs at least one technical or "
                                                     "commercial item."))]
    least = LEAST_PRICE_SHARE.get(category)
    if least is not None and spec.price_weight * 100 < least * spec.total:
        message = (_("For goods, the price points must be at least 30%% of the total (%(citation)s): here %(weight)s "
                     "of %(total)s points, %(share)s%%.") if category == Category.GOODS else
                   _("For services, the price points must be at least 10%% of the total (%(citation)s): here "
                     "%(weight)s of %(total)s points, %(share)s%%."))
        return [TableProblem(None, None, "price_weight", message % {
            "citation": PRICE_CITATION, "weight": points(spec.price_weight), "total": points(spec.total),
            "share": points(price_share(spec))})]
    return []


def table_problems(spec: TableSpec, category: str) -> list[TableProblem]:
    """Every way `spec` breaks the rules for a tender of `category`, the table's own fields
    first, then its rows, then the weights (judged once the numbers themselves are sound)."""
    found = _table_problems(spec, category)
    if found and category in Category.price_sales():
        return found
    rows = _row_problems(spec)
    found += rows
    if not any(p.field in ("price_weight", "method") for p in found) and not any(p.part == "items" for p in rows):
        found += _weight_problems(spec, category)
    return found


def default_spec(method: str) -> TableSpec:
    """The table a lot published without one gets (recorded in the audit trail as a default).

    Every method: the two checks every evaluation makes, in general words (qualification, 资格审查;
    responsiveness to the tender's substantive requirements, 符合性审查), rounding to two
    decimals, nothing dropped, the outlier threshold at 30% of an item's range. Lowest price and
    lowest evaluated price: the price alone, weight 100, against the lowest price. Comprehensive
    scoring: price 40 against the lowest price (lawful for works, goods and services alike: at
    least 30% for goods, 10% for services, and the lowest-price benchmark that government
    procurement requires), and the factors 87号令 第五十五条 names, 60 points: technical or
    service level 30, ability to perform the contract 20, after-sales service 10; total 100.
    The names are written in the platform's language (they are the tender's text, not a page's)."""
    with translation.override(settings.LANGUAGE_CODE):
        checks = (
            CheckSpec(CheckKind.QUALIFICATION, pgettext("default check", "Meets the qualification requirements"),
                      pgettext("default check", "As the tender documents set them out.")),
            CheckSpec(CheckKind.RESPONSIVENESS, pgettext("default check", "Responds to the substantive requirements"),
                      pgettext("default check", "Every substantive requirement of the tender documents is met.")),
        )
        if method != EvaluationMethod.COMPREHENSIVE:
            return TableSpec(method=method, checks=checks)
        items = (
            ItemSpec(ItemCategory.TECHNICAL, pgettext("default item", "Technical or service level"),
                     Decimal(0), Decimal(30)),
            ItemSpec(ItemCategory.COMMERCIAL, pgettext("default item", "Ability to perform the contract"),
                     Decimal(0), Decimal(20)),
            ItemSpec(ItemCategory.COMMERCIAL, pgettext("default item", "After-sales service"),
                     Decimal(0), Decimal(10)),
        )
        return TableSpec(method=method, price_weight=Decimal(40), checks=checks, items=items)
