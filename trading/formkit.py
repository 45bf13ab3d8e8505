"""Pieces every staff form shares: amounts in 元, searchable lists, rows added, forms shown as typed.

Amounts as people write them ("17,680,000.00"), a list with a search box, rows that are added and
removed, a form shown again exactly as it was typed.

The pages add behaviour to these with one small script (frontend/js/src/pages/form-rows-page.js);
each piece works without it."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from . import formats

# "17,680,000.00", "17680000", "1,234.5", "¥ 500", "500元": thousands separated by commas in
# groups of three or not at all, at most two decimals (fen). A full-width comma or point, as a
# Chinese keyboard types them, is read as its ASCII twin.
_AMOUNT = re.compile(r"(?P<whole>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<fraction>\d+))?")
_FULL_WIDTH = str.maketrans("，．０１２３４５６７８９", ",.0123456789")


class AmountError(ValueError):
    """Why a text is not an amount: code "invalid" (not a number as people write one) or
    "decimals" (more than two decimals)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def parse_yuan(text: str) -> Decimal | None:
    """An amount of yuan as a person types it, to the fen; None when empty. Raises AmountError.

    (Kept here until trading/formats.py has the platform's parser: the two are to be one.)"""
    text = (text or "").translate(_FULL_WIDTH).strip()
    text = text.removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
    if not text:
        return None
    match = _AMOUNT.fullmatch(text)
    if match is None:
        raise AmountError("invalid")
    if len(match["fraction"] or "") > 2:
        raise AmountError("decimals")
    try:
        return Decimal(text.replace(",", "")).quantize(formats.FEN)
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        raise AmountError("invalid") from None


class MoneyInput(forms.TextInput):
    """A text box, not a number box: a number box refuses "17,680,000.00" and its arrows step by one."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", "class": "money", **(attrs or {})})


class MoneyField(forms.Field):
    """An amount in yuan, to the fen, never negative. Shown with its thousands separated; what a
    person typed comes back as typed when the form has an error."""

    widget = MoneyInput
    default_error_messages = {
        "invalid": _("Write an amount in yuan, such as 17,680,000.00."),
        "decimals": _("At most two decimals: an amount is in yuan and fen."),
        "too_large": _("This amount is too large."),
    }
    LARGEST = Decimal("99999999999999.99")  # what the database's 16 digits with 2 decimals hold

    def to_python(self, value):
        if isinstance(value, Decimal):
            return value
        try:
            amount = parse_yuan(str(value) if value is not None else "")
        except AmountError as err:
            raise forms.ValidationError(self.error_messages[err.code], code=err.code) from None
        if amount is not None and amount > self.LARGEST:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        return amount

    def prepare_value(self, value):
        return formats.money(value) if isinstance(value, (Decimal, int)) else value


class SearchableSelect(forms.Select):
    """A list with a search box above it (added by the page's script; without it, the plain list,
    in which typing the first characters already jumps)."""

    def __init__(self, attrs=None, choices=(), *, placeholder=_("Type part of a name or code to filter the list")):
        super().__init__({"data-searchable": "", "data-search-placeholder": placeholder, **(attrs or {})}, choices)


class OrganizationField(forms.ModelChoiceField):
    """An organization from a list: its name and unified social credit code, searchable by either."""

    widget = SearchableSelect

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.uscc}）"


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
