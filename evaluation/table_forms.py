"""The scoring table's staff form: the method, the price points and the rounding, with the checks and the items as rows.

The forms check only what a person typed (a number is a number); the table's rules are
table_spec.table_problems, shown beside the field or row they concern (show_problems)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import CheckKind, ItemCategory, PriceFormula
from .table_spec import METHODS, MOST_DECIMALS, CheckSpec, ItemSpec, TableProblem, TableSpec, points


def points_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=7, decimal_places=2, min_value=Decimal(0),
        error_messages={"invalid": _("Write a number of points, such as 20 or 7.5."),
                        "max_decimal_places": _("Points have at most two decimals."),
                        "max_digits": _("Too many digits: at most 99999.99."),
                        "max_whole_digits": _("Too many digits: at most 99999.99."),
                        "min_value": _("Points cannot be negative.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}), **kwargs)


def _typed(value):
    """A value as the form shows it: points as people write them (40, not 40.00)."""
    return points(value) if isinstance(value, Decimal) else value


class TableForm(forms.Form):
    method = forms.ChoiceField(label=_("Evaluation method"), widget=forms.RadioSelect,
                               choices=[(m.value, m.label) for m in METHODS])
    price_formula = forms.ChoiceField(label=_("Price points"), choices=PriceFormula.choices, widget=forms.RadioSelect,
                                      help_text=_("Computed, never typed. Government procurement (goods, services) "
                                                  "uses the lowest price as the benchmark."))
    price_weight = points_field(_("Price weight (points)"),
                                help_text=_("The most price points a bid gets. With the items' highest points it "
                                            "makes the total: for goods at least 30% of it, for services 10%."))
    average_drops_extremes = forms.BooleanField(label=_("The mean leaves out the highest and lowest price"),
                                                required=False)
    uses_k = forms.BooleanField(label=_("The benchmark is the mean times (1 − K), K drawn at the opening"),
                                required=False,
                                help_text=_("K's range is published with the sealing rules (the tender's sealed bids "
                                            "page)."))
    points_per_percent_above = points_field(_("Points off per 1% above the benchmark"))
    points_per_percent_below = points_field(_("Points off per 1% below the benchmark"))
    decimals = forms.TypedChoiceField(label=_("Decimal places"), coerce=int,
                                      choices=[(n, str(n)) for n in range(MOST_DECIMALS + 1)],
                                      help_text=_("Points are rounded half up, once, at the end."))
    drop_high_low = forms.BooleanField(label=_("Drop each item's highest and lowest score when 7 or more experts "
                                               "score"), required=False)
    outlier_percent = points_field(_("Outlier threshold (percent of the item's range)"),
                                   help_text=_("A score further than this from the other experts' mean is flagged to "
                                               "its expert to review or confirm; it is never changed."))

    def method_fields(self):
        return [self["method"]]

    def price_fields(self):
        return [self["price_formula"], self["price_weight"]]

    def average_fields(self):
        return [self["average_drops_extremes"], self["uses_k"], self["points_per_percent_above"],
                self["points_per_percent_below"]]

    def rounding_fields(self):
        return [self["decimals"], self["drop_high_low"], self["outlier_percent"]]

    @staticmethod
    def initial_for(spec: TableSpec) -> dict:
        initial = {name: _typed(getattr(spec, name)) for name in TableForm.base_fields}
        if spec.method not in {m.value for m in METHODS}:
            initial["method"] = None  # a sale's method: the person chooses one of the three
        return initial


class CheckForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=CheckKind.choices)
    name = forms.CharField(label=_("Check"), max_length=200)
    guidance = forms.CharField(label=_("Guidance for the experts"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))


class ItemForm(forms.Form):
    category = forms.ChoiceField(label=_("Technical or commercial"), choices=ItemCategory.choices)
    name = forms.CharField(label=_("Item"), max_length=200)
    low = points_field(_("Lowest points"), initial=Decimal(0))
    high = points_field(_("Highest points"))
    guidance = forms.CharField(label=_("Guidance for the experts"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))


class BaseRowsFormSet(forms.BaseFormSet):
    def kept_forms(self) -> list:
        """The rows that count, in their order (removed ones out, then by ORDER, unnumbered last)."""
        rows = [form for form in self.forms
                if not self._should_delete_form(form) and (form.has_changed() or not form.empty_permitted)]

        def place(form):
            order = form.cleaned_data.get(forms.formsets.ORDERING_FIELD_NAME) if hasattr(form, "cleaned_data") else None
            return (order is None, order or 0)

        return sorted(rows, key=place)


ROWS = {"can_order": True, "can_delete": True, "can_delete_extra": True, "extra": 0}
CheckFormSet = forms.formset_factory(CheckForm, formset=BaseRowsFormSet, **ROWS)
ItemFormSet = forms.formset_factory(ItemForm, formset=BaseRowsFormSet, **ROWS)


def check_rows(data=None, *, spec: TableSpec):
    initial = [{"kind": c.kind, "name": c.name, "guidance": c.guidance, "ORDER": n}
               for n, c in enumerate(spec.checks, start=1)]
    return CheckFormSet(data, prefix="checks", initial=initial)


def item_rows(data=None, *, spec: TableSpec):
    initial = [{"category": i.category, "name": i.name, "low": points(i.low), "high": points(i.high),
                "guidance": i.guidance, "ORDER": n} for n, i in enumerate(spec.items, start=1)]
    return ItemFormSet(data, prefix="items", initial=initial)


def spec_from(form: TableForm, checks, items) -> TableSpec:
    """The table as typed (the forms valid)."""
    data = form.cleaned_data
    return TableSpec(
        **{name: data[name] for name in TableForm.base_fields},
        checks=tuple(CheckSpec(r.cleaned_data["kind"], r.cleaned_data["name"], r.cleaned_data["guidance"])
                     for r in checks.kept_forms()),
        items=tuple(ItemSpec(r.cleaned_data["category"], r.cleaned_data["name"], r.cleaned_data["low"],
                             r.cleaned_data["high"], r.cleaned_data["guidance"]) for r in items.kept_forms()),
    )


def show_problems(form: TableForm, checks, items, problems: list[TableProblem]) -> None:
    """Each problem beside the field or row it concerns; the rows' as a whole above their rows."""
    rows = {"checks": checks, "items": items}
    for problem in problems:
        if problem.part is None:
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
        elif problem.index is None:
            rows[problem.part].non_form_errors().append(problem.message)
        else:
            rows[problem.part].kept_forms()[problem.index].add_error(problem.field, problem.message)
