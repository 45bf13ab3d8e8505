"""A form field for an amount in yuan, read as people type it.

"17,680,000.00", "17680000", full-width "１７６８００００" (trading.formats.parse_amount); a refusal
says what to write instead. A text input (inputmode decimal), not type=number, which would refuse
the thousands separators."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from . import formats


class MoneyField(forms.Field):
    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "money"})
    default_error_messages = {
        "min_value": _("The amount must be at least %(limit)s yuan."),
        "too_large": _("This amount is too large."),
    }
    LARGEST = Decimal("99999999999999.99")  # what the database's 16 digits with 2 decimals hold

    def __init__(self, *, min_value: Decimal | None = Decimal("0"), **kwargs):
        self.min_value = min_value
        kwargs.setdefault("help_text", _("In yuan, to the fen: 17680000.00 or 17,680,000.00."))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return formats.parse_amount(value)
        except formats.AmountError as err:
            raise forms.ValidationError(str(err), code=err.code) from None

    def validate(self, value):
        super().validate(value)
        if value is not None and value > self.LARGEST:
            raise forms.ValidationError(self.error_messages["too_large"], code="too_large")
        if value is not None and self.min_value is not None and value < self.min_value:
            raise forms.ValidationError(self.error_messages["min_value"], code="min_value",
                                        params={"limit": formats.money(self.min_value)})

    def prepare_value(self, value):
        """A stored amount shows grouped, as it would be typed: 17,680,000.00."""
        if isinstance(value, Decimal):
            return formats.money(value)
        return value
