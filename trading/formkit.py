"""Pieces every staff form shares: searchable lists, rows added, forms shown as typed.

A list with a search box, rows that are added and removed, a form shown again exactly as it
was typed.

The pages add behaviour to these with one small script (frontend/js/src/pages/form-rows-page.js);
each piece works without it. Amounts are trading.money_field.MoneyField (trading.formats reads them)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class SearchableSelect(forms.Select):
    """A list with a search box above it (added by the page's script; without it, the plain list,
    in which typing the first characters already jumps)."""

    def __init__(self, attrs=None, choices=(), *, placeholder=_("Type part of a name or code to filter the list")):
        super().__init__({"data-searchable": "", "data-search-placeholder": placeholder, **(attrs or {})}, choices)


class OrganizationField(forms.ModelChoiceField):
    """An organization from a list: its name and unified social credit code, searchable by either."""

    widget = SearchableSelect

    def label_from_instance(self, obj):
        return _("%(name)s (%(uscc)s)") % {"name": obj.name, "uscc": obj.uscc}


def with_one_more_row(data, prefix: str, **defaults):
    """A copy of a formset's posted data with one more (empty) row, `defaults` in it (for a
    page without script, where "add a row" is a submit: the page comes back with the row)."""
    data = data.copy()
    total = int(data.get(f"{prefix}-TOTAL_FORMS") or 0)
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    for name, value in defaults.items():
        data[f"{prefix}-{total}-{name}"] = str(value)
    return data


def quiet(*forms_and_formsets):
    """Show bound forms as typed without judging them yet: a page that only added a row must not
    greet the person with "this field is required" on what they have not reached."""
    for each in forms_and_formsets:
        if isinstance(each, forms.BaseForm):
            each._errors = forms.utils.ErrorDict()
            continue
        quiet(*each.forms)
        each._errors = [form._errors for form in each.forms]
        each._non_form_errors = each.error_class(error_class="nonform", renderer=each.renderer)
