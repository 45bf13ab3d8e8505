"""A lot's scoring table (评标办法): its method's parameters, its pass/fail checks and its scored items.

Set by those who prepare the tender (the center's staff, the tenderee, its agent) while it is a draft and published with it; from the
publication on it never changes (frozen_at). The method itself is the lot's
`evaluation_method` (trading); the price formula and its parameters are here. Points and
money are Decimal; the formulas are evaluation/formulas.py (DOMAIN.md §7)."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trading.models import Lot, User

from ..choices import CheckKind, ItemCategory, PriceFormula

POINTS = {"max_digits": 7, "decimal_places": 2}


class ScoringTable(models.Model):
    lot = models.OneToOneField(Lot, verbose_name=_("lot"), on_delete=models.CASCADE, related_name="scoring_table")
    price_formula = models.CharField(_("price formula"), max_length=20, choices=PriceFormula.choices,
                                     default=PriceFormula.LOWEST_BENCHMARK)
    price_weight = models.DecimalField(_("price points (weight)"), default=Decimal("100"), **POINTS)
    # The average benchmark (DOMAIN.md §7): mean of the responsive prices, optionally without
    # the highest and lowest, times (1 − K) where the tender draws K at the opening.
    average_drops_extremes = models.BooleanField(_("benchmark mean without the highest and lowest price"),
                                                 default=False)
    uses_k = models.BooleanField(_("benchmark times (1 − K), K drawn at the opening"), default=False)
    points_per_percent_above = models.DecimalField(_("points off per 1% above the benchmark"),
                                                   default=Decimal("1"), **POINTS)
    points_per_percent_below = models.DecimalField(_("points off per 1% below the benchmark"),
                                                   default=Decimal("0.5"), **POINTS)
    decimals = models.PositiveSmallIntegerField(_("decimal places (rounded half up, once, at the end)"), default=2)
    drop_high_low = models.BooleanField(_("drop each item's highest and lowest score when 7 or more score"),
                                        default=False)
    outlier_percent = models.DecimalField(_("outlier threshold (percent of the item's range)"), default=Decimal("30"),
                                          **POINTS)
    set_by = models.ForeignKey(User, verbose_name=_("set by"), null=True, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(_("set at"), null=True)
    frozen_at = models.DateTimeField(_("published at"), null=True, blank=True)  # never changes after

    class Meta:
        verbose_name = _("scoring table")
        verbose_name_plural = _("scoring tables")
        constraints = [
            models.CheckConstraint(condition=Q(price_formula__in=PriceFormula.values), name="table_formula_valid"),
            models.CheckConstraint(condition=Q(price_weight__gte=0), name="table_weight_not_negative"),
            models.CheckConstraint(condition=Q(decimals__lte=4), name="table_decimals_at_most_four"),
            models.CheckConstraint(condition=Q(outlier_percent__gt=0) & Q(outlier_percent__lte=100),
                                   name="table_outlier_percent_in_range"),
        ]

    def __str__(self):
        return str(self.lot)


class TableCheck(models.Model):
    """A pass/fail check of qualification or responsiveness (资格审查 / 符合性审查)."""

    table = models.ForeignKey(ScoringTable, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("kind"), max_length=14, choices=CheckKind.choices)
    name = models.CharField(_("check"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        ordering = ["table", "order"]
        constraints = [models.UniqueConstraint(fields=["table", "order"], name="table_check_order_unique"),
                       models.CheckConstraint(condition=Q(kind__in=CheckKind.values), name="table_check_kind_valid")]

    def __str__(self):
        return self.name


class TableItem(models.Model):
    """A technical or commercial item each expert scores within [low, high] (price is computed)."""

    table = models.ForeignKey(ScoringTable, on_delete=models.CASCADE, related_name="items")
    category = models.CharField(_("category"), max_length=10, choices=ItemCategory.choices)
    name = models.CharField(_("item"), max_length=200)
    low = models.DecimalField(_("lowest points"), default=Decimal("0"), **POINTS)
    high = models.DecimalField(_("highest points"), **POINTS)
    guidance = models.TextField(_("guidance"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"))

    class Meta:
        ordering = ["table", "order"]
        constraints = [models.UniqueConstraint(fields=["table", "order"], name="table_item_order_unique"),
                       models.CheckConstraint(condition=Q(category__in=ItemCategory.values),
                                              name="table_item_category_valid"),
                       models.CheckConstraint(condition=Q(low__gte=0) & Q(high__gt=models.F("low")),
                                              name="table_item_range_valid")]

    def __str__(self):
        return self.name
