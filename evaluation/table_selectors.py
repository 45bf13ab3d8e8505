"""The scoring table as pages show it: the stored table or the default, and a tender's published tables.

A table is shown from a TableSpec through shown() (labels, totals, the price's share), the same
on the staff page and on the tender's public page (templates/evaluation/table_shown.html)."""

from dataclasses import dataclass
from decimal import Decimal

from trading.choices import EvaluationMethod

from .choices import CheckKind, ItemCategory, PriceFormula
from .models import ScoringTable
from .table_services import spec_of
from .table_spec import TableSpec, default_spec, points, price_share


def table_of(lot) -> ScoringTable | None:
    return ScoringTable.objects.filter(lot=lot).select_related("lot").prefetch_related("checks", "items").first()


def spec_for(lot, table: ScoringTable | None) -> TableSpec:
    """The stored table, or the default the lot would get at publication if none is set."""
    return spec_of(table) if table is not None else default_spec(lot.evaluation_method)


@dataclass(frozen=True)
class Shown:
    """A table as a page shows it: labels in the reader's language, points as people write them."""

    spec: TableSpec
    method: str
    formula: str
    average: bool
    weight: str
    total: str
    technical: str
    commercial: str
    share: str  # the price's % of the total, cut to two decimals
    above: str
    below: str
    outlier: str
    checks: list  # [(kind label, name, guidance)]
    items: list  # [(category label, name, low, high, guidance)]


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else str(value)


def shown(spec: TableSpec) -> Shown:
    by_category = {c: sum((i.high for i in spec.items if i.category == c), Decimal(0)) for c in ItemCategory.values}
    share = price_share(spec)
    return Shown(
        spec=spec, method=_label(EvaluationMethod, spec.method), formula=_label(PriceFormula, spec.price_formula),
        average=spec.price_formula == PriceFormula.AVERAGE_BENCHMARK,
        weight=points(spec.price_weight), total=points(spec.total),
        technical=points(by_category[ItemCategory.TECHNICAL]), commercial=points(by_category[ItemCategory.COMMERCIAL]),
        share=points(share) if share is not None else "—",
        above=points(spec.points_per_percent_above), below=points(spec.points_per_percent_below),
        outlier=points(spec.outlier_percent),
        checks=[(_label(CheckKind, c.kind), c.name, c.guidance) for c in spec.checks],
        items=[(_label(ItemCategory, i.category), i.name, points(i.low), points(i.high), i.guidance) for i in spec.items],
    )


def published_tables(project) -> list[dict]:
    """The published tables of a tender's lots, in the lots' order, each {"lot", "frozen_at",
    "shown"}: three queries, whatever the number of lots, checks and items."""
    tables = (ScoringTable.objects.filter(lot__project=project, frozen_at__isnull=False)
              .select_related("lot").prefetch_related("checks", "items").order_by("lot__number"))
    return [{"lot": t.lot, "frozen_at": t.frozen_at, "shown": shown(spec_of(t))} for t in tables]
