"""The names people read of the scoring table's events (trading.event_text).

A table set on its page ("table.set"); at publication, either the default a lot published
without one got, published with it ("table.defaulted"), or the table set, fixed ("table.frozen").
Each carries the lot's number and name and the table's values under keys of its own
(table_price, table_checks, table_items, table_rounding, total_points); the method is the lot's
"evaluation_method", labelled by trading.event_text."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from trading import event_text as t

from .choices import CheckKind, ItemCategory, PriceFormula

ACTIONS = {
    "table.set": pgettext_lazy("audit event", "Scoring table set"),
    "table.defaulted": pgettext_lazy("audit event", "Default scoring table given and published"),
    "table.frozen": pgettext_lazy("audit event", "Scoring table published and fixed"),
}
OBJECTS = {
    "evaluation.scoringtable": pgettext_lazy("audit object", "Scoring table"),
}


def _label(choices, value) -> str:
    return str(choices(value).label) if value in choices.values else t.plain(value)


def price(value) -> str:
    """Lowest price as the benchmark, 40 points; the average's options where it is the average."""
    if not isinstance(value, dict):
        return t.plain(value)
    parts = [_label(PriceFormula, value.get("formula")),
             _("%(points)s points") % {"points": t.plain(value.get("weight"))}]
    if value.get("formula") == PriceFormula.AVERAGE_BENCHMARK:
        if value.get("average_drops_extremes"):
            parts.append(_("mean without the highest and lowest price"))
        if value.get("uses_k"):
            parts.append(_("times (1 − K)"))
        parts.append(_("%(points)s off per 1%% above the benchmark") % {
            "points": t.plain(value.get("points_per_percent_above"))})
        parts.append(_("%(points)s off per 1%% below") % {"points": t.plain(value.get("points_per_percent_below"))})
    return t.clauses(parts)


def checks(value) -> str:
    """Qualification: 营业执照有效, responsiveness: …"""
    if not isinstance(value, list):
        return t.plain(value)
    return t.listed(t.labelled(_label(CheckKind, c.get("kind")), t.plain(c.get("name")))
                    for c in value if isinstance(c, dict)) or _("none")


def items(value) -> str:
    """Technical: 施工组织设计 0–20, commercial: …"""
    if not isinstance(value, list):
        return t.plain(value)
    return t.listed(t.labelled(_label(ItemCategory, i.get("category")), _("%(name)s %(low)s–%(high)s") % {
        "name": t.plain(i.get("name")), "low": t.plain(i.get("low")), "high": t.plain(i.get("high"))})
        for i in value if isinstance(i, dict)) or _("none")


def rounding(value) -> str:
    if not isinstance(value, dict):
        return t.plain(value)
    n = value.get("decimals")
    parts = [ngettext("%(n)s decimal, rounded half up, once, at the end",
                      "%(n)s decimals, rounded half up, once, at the end", n if isinstance(n, int) else 2) % {"n": n}]
    if value.get("drop_high_low"):
        parts.append(_("each item's highest and lowest score dropped when 7 or more score"))
    parts.append(_("outlier beyond %(percent)s%% of the item's range") % {"percent": t.plain(value.get("outlier_percent"))})
    return t.clauses(parts)


FIELDS = {
    "table_price": (pgettext_lazy("event field", "Price points"), price),
    "table_checks": (pgettext_lazy("event field", "Pass/fail checks"), checks),
    "table_items": (pgettext_lazy("event field", "Scored items"), items),
    "total_points": (pgettext_lazy("event field", "Total points"), t.plain),
    "table_rounding": (pgettext_lazy("event field", "Rounding and flags"), rounding),
}
