"""A lot's scoring table: set while its tender is a draft, frozen at publication, read by everyone after.

set_table() is the one way a person sets a lot's method and table; freeze() runs when the lot is
published (trading.signals.lot_transitioned, evaluation/receivers.py): a lot without a table gets
its method's default there (table_spec.default_spec), recorded in the audit trail, and from then
on the table never changes. Who may set it: whoever may edit the tender's draft (trading.rules:
the center's staff, the tenderee and its agent; evaluation.set_table)."""

import rules
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from trading import audit
from trading.choices import Category, EvaluationMethod
from trading.errors import PermissionDenied, RuleViolation
from trading.formats import zoned_text
from trading.models import Lot
from trading.services import access_lot

from .models import ScoringTable, TableCheck, TableItem
from .table_spec import CheckSpec, ItemSpec, TableSpec, default_spec, points, table_problems


def spec_of(table: ScoringTable) -> TableSpec:
    """A stored table as values (its checks and items read once; prefetched ones as they are)."""
    return TableSpec(
        method=table.lot.evaluation_method, price_formula=table.price_formula, price_weight=table.price_weight,
        average_drops_extremes=table.average_drops_extremes, uses_k=table.uses_k,
        points_per_percent_above=table.points_per_percent_above,
        points_per_percent_below=table.points_per_percent_below, decimals=table.decimals,
        drop_high_low=table.drop_high_low, outlier_percent=table.outlier_percent,
        checks=tuple(CheckSpec(c.kind, c.name, c.guidance) for c in table.checks.all()),
        items=tuple(ItemSpec(i.category, i.name, i.low, i.high, i.guidance) for i in table.items.all()),
    )


def facts(spec: TableSpec) -> dict:
    """The table as the audit trail keeps it: every value, points as people write them (40, 7.5)."""
    return {
        "evaluation_method": spec.method,
        "table_price": {"formula": spec.price_formula, "weight": points(spec.price_weight),
                        "average_drops_extremes": spec.average_drops_extremes, "uses_k": spec.uses_k,
                        "points_per_percent_above": points(spec.points_per_percent_above),
                        "points_per_percent_below": points(spec.points_per_percent_below)},
        "table_checks": [{"kind": c.kind, "name": c.name, "guidance": c.guidance} for c in spec.checks],
        "table_items": [{"category": i.category, "name": i.name, "low": points(i.low), "high": points(i.high),
                         "guidance": i.guidance} for i in spec.items],
        "total_points": points(spec.total),
        "table_rounding": {"decimals": spec.decimals, "drop_high_low": spec.drop_high_low,
                           "outlier_percent": points(spec.outlier_percent)},
    }


def has_table(lot: Lot) -> bool:
    """A lot a scoring table is for: not a sale's, whose highest price wins."""
    return (lot.project.category not in Category.price_sales()
            and lot.evaluation_method != EvaluationMethod.HIGHEST_PRICE)


REFUSALS = {
    "evaluation.set_table": _lazy("Only the trading center's staff, the tenderee and its agent set a lot's scoring "
                                  "table."),
    "evaluation.view_table": _lazy("This page is for those who prepare the tender and its supervisors; the "
                                   "published table is on the tender's public page."),
}


def access(user, lot_id, perm: str, *, lock: bool = False) -> Lot:
    """The lot, if `user` may see its project (else NotFound) and has `perm` on it (else
    PermissionDenied); `lock` locks its row, the lock publication takes too."""
    lot = access_lot(user, lot_id, lock=lock)
    if not rules.has_perm(perm, user, lot):
        raise PermissionDenied(str(REFUSALS[perm]))
    return lot


def published_refusal(lot: Lot, table: ScoringTable | None) -> str | None:
    """Why the table cannot change now (its tender is published, or the lot is no draft), else None."""
    if table is not None and table.frozen_at is not None:
        return _("The scoring table of lot %(n)s was published with the tender at %(at)s: it cannot change.") % {
            "n": lot.number, "at": zoned_text(table.frozen_at)}
    if not lot.is_draft:
        return _("Lot %(n)s is %(state)s: its scoring table is set only while the tender is a draft.") % {
            "n": lot.number, "state": lot.get_state_display()}
    return None


def check_spec(spec: TableSpec, category: str) -> None:
    """Refuse, with the first of table_problems, a table that breaks the rules."""
    problems = table_problems(spec, category)
    if problems:
        first = problems[0]
        raise RuleViolation(first.message, field=first.field if first.part is None else first.part)


def _write(lot: Lot, table: ScoringTable | None, spec: TableSpec, *, actor, now, frozen_at=None) -> ScoringTable:
    table = table or ScoringTable(lot=lot, frozen_at=frozen_at)
    for name in ("price_formula", "price_weight", "average_drops_extremes", "uses_k", "points_per_percent_above",
                 "points_per_percent_below", "decimals", "drop_high_low", "outlier_percent"):
        setattr(table, name, getattr(spec, name))
    table.set_by, table.set_at = actor, now
    table.save()
    # The rows are the table's as a whole: replaced, in their order, never edited one by one.
    table.checks.all().delete()
    table.items.all().delete()
    TableCheck.objects.bulk_create(TableCheck(table=table, kind=c.kind, name=c.name.strip(), guidance=c.guidance.strip(),
                                              order=n) for n, c in enumerate(spec.checks, start=1))
    TableItem.objects.bulk_create(TableItem(table=table, category=i.category, name=i.name.strip(), low=i.low,
                                            high=i.high, guidance=i.guidance.strip(), order=n)
                                  for n, i in enumerate(spec.items, start=1))
    return table


def set_table(*, actor, lot_id: int, spec: TableSpec, now=None) -> ScoringTable:
    """Set a draft lot's method (Lot.evaluation_method) and its scoring table as a whole, checked
    (table_spec.table_problems), with one audit event. Refused once the tender is published."""
    now = now or timezone.now()
    with transaction.atomic():
        # The lot's row is the lock publication takes too: set before it, or refused after it.
        lot = access(actor, lot_id, "evaluation.set_table", lock=True)
        table = ScoringTable.objects.select_for_update().filter(lot=lot).first()
        refused = published_refusal(lot, table)
        if refused:
            raise RuleViolation(refused)
        spec = spec.normalized()
        check_spec(spec, lot.project.category)
        if lot.evaluation_method != spec.method:
            lot.evaluation_method = spec.method
            lot.save(update_fields=["evaluation_method"])
        table = _write(lot, table, spec, actor=actor, now=now)
        audit.record(actor=actor, action="table.set", obj=table, project=lot.project,
                     data={"number": lot.number, "lot_name": lot.name, **facts(spec)})
    return table


def freeze(*, lot: Lot, actor, now) -> ScoringTable | None:
    """At the lot's publication, in its transaction: the table is fixed from now on, with one
    audit event: "table.defaulted" for a lot without one, which gets its method's default (the
    whole table recorded), else "table.frozen". A stored table that no longer fits the lot (its
    method or the tender's category changed on the project's page since) stops the publication
    with the reason, for the table to be corrected first. A sale's lot has no table."""
    if not has_table(lot):
        return None
    table = ScoringTable.objects.select_for_update().filter(lot=lot).first()
    facts_of_lot = {"number": lot.number, "lot_name": lot.name}
    if table is None:
        spec = default_spec(lot.evaluation_method)
        table = _write(lot, None, spec, actor=actor, now=now, frozen_at=now)
        audit.record(actor=actor, action="table.defaulted", obj=table, project=lot.project,
                     data={**facts_of_lot, **facts(spec)})
        return table
    table.lot = lot  # as published, in this transaction
    spec = spec_of(table)
    problems = table_problems(spec, lot.project.category)
    if problems:
        raise RuleViolation(_("Lot %(n)s's scoring table no longer fits the lot: %(problem)s Correct it on the "
                              "lot's scoring table page, then publish.") % {"n": lot.number, "problem": problems[0].message})
    table.frozen_at = now
    table.save(update_fields=["frozen_at"])
    audit.record(actor=actor, action="table.frozen", obj=table, project=lot.project,
                 data={**facts_of_lot, "evaluation_method": lot.evaluation_method, "total_points": points(spec.total)})
    return table
