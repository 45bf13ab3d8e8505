"""Bidding's forms: the sealing rules, the custodians invited, a bid security, a receipt to verify.

The sealing rules' opening form is a formset of rows (OpeningItemFormSet); its rules, and K's,
are the service's, shown beside the field they concern."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from trading.choices import Role
from trading.formkit import OrganizationField
from trading.formats import FEN
from trading.models import Organization, User
from trading.money_field import MoneyField

from .models import BidSecurity, TenderRules
from .opening_form import item_problems
from .services import k_range_problem

MB = 1024 * 1024  # as the upload's refusal counts a megabyte (bidding.upload)

ITEM_TYPES = [
    ("money", pgettext_lazy("opening form item type", "Amount (yuan)")),
    ("integer", pgettext_lazy("opening form item type", "Whole number")),
    ("text", pgettext_lazy("opening form item type", "Text")),
    ("choice", pgettext_lazy("opening form item type", "Choice from a list")),
]
# The options of a choice, as people list them: 合格、优良 / 合格,优良 / one a line.
_OPTION_SEPARATORS = re.compile(r"[、,，;；\n]+")


class OpeningItemForm(forms.Form):
    """One column of the opening form (开标一览表): what every bidder declares, read out at the opening."""

    key = forms.CharField(
        label=_("Key"), max_length=40,
        help_text=_("A short name in letters, digits and _, such as duration_days; the price is “price”."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
    )
    label = forms.CharField(label=_("Column heading"), max_length=60,
                            help_text=_("As bidders and the opening record read it, such as 工期（日历天）."))
    type = forms.ChoiceField(label=_("Type"), choices=ITEM_TYPES, initial="text")
    choices = forms.CharField(label=_("Options"), required=False, max_length=500,
                              help_text=_("For a choice only: the options, separated by commas, such as “pass, good”."))
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)

    def clean_key(self):
        return self.cleaned_data["key"].strip()

    def clean_choices(self):
        options = [o.strip() for o in _OPTION_SEPARATORS.split(self.cleaned_data.get("choices") or "") if o.strip()]
        if len(set(options)) != len(options):
            raise forms.ValidationError(_("An option is listed twice."))
        return options

    def item(self) -> dict:
        """The item as the tender stores it (bidding.opening_form's shape)."""
        data = self.cleaned_data
        item = {"key": data["key"], "label": data["label"].strip(), "type": data["type"], "required": data["required"]}
        if data["type"] == "choice":
            item["choices"] = data["choices"]
        return item

    @staticmethod
    def initial_for(item: dict) -> dict:
        return {"key": item.get("key", ""), "label": item.get("label", ""), "type": item.get("type", "text"),
                "choices": "、".join(item.get("choices") or []), "required": bool(item.get("required"))}


class BaseOpeningItemFormSet(forms.BaseFormSet):
    """The opening form's columns as rows to add, remove and order. The rules on the items are
    the service's (opening_form.item_problems), each shown beside the field it concerns."""

    def kept_forms(self) -> list:
        """The rows that will be items, in their order (deleted ones out, then by ORDER, unnumbered last)."""
        rows = [form for form in self.forms
                if not self._should_delete_form(form) and (form.has_changed() or not form.empty_permitted)]

        def place(form):
            order = form.cleaned_data.get(forms.formsets.ORDERING_FIELD_NAME) if hasattr(form, "cleaned_data") else None
            return (order is None, order or 0)

        return sorted(rows, key=place)

    def items(self) -> list[dict]:
        return [form.item() for form in self.kept_forms()]

    def clean(self):
        super().clean()
        kept = self.kept_forms()
        if any(form.errors for form in kept):
            return  # each row's own errors first
        for problem in item_problems([form.item() for form in kept]):
            if problem.index is None:
                raise forms.ValidationError(problem.message)
            kept[problem.index].add_error(problem.field, problem.message)


OpeningItemFormSet = forms.formset_factory(OpeningItemForm, formset=BaseOpeningItemFormSet, extra=0,
                                           can_order=True, can_delete=True, can_delete_extra=True)


def opening_items(data=None, *, items: list[dict]):
    """The opening form's rows: `items` (saved, or the category's defaults) as the initial rows."""
    initial = [{**OpeningItemForm.initial_for(item), "ORDER": place} for place, item in enumerate(items, start=1)]
    return OpeningItemFormSet(data, prefix="items", initial=initial)


class TenderRulesForm(forms.ModelForm):
    """The sealing rules but the items (OpeningItemFormSet): sizes in MB, K's range as three fields."""

    max_file_mb = forms.DecimalField(
        label=_("Largest bid file (MB)"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2,
        help_text=_("Each sealed file, in megabytes (1 MB = 1024 × 1024 bytes); for example 2048 for 2 GB."),
        error_messages={"invalid": _("Write a number of megabytes, such as 2048."),
                        "min_value": _("At least %(limit_value)s MB."),
                        "max_decimal_places": _("At most two decimals.")},
        widget=forms.NumberInput(attrs={"step": "any", "min": "0.01", "inputmode": "decimal"}),
    )

    class Meta:
        model = TenderRules
        fields = ["bidders_decrypt", "max_files", "require_bid_security", "decryption_minutes",
                  "remedy_custodian_stanza", "k_low", "k_high", "k_step"]
        labels = {"max_files": _("Most bid files per bid"),
                  "k_low": _("K from"), "k_high": _("K to"), "k_step": _("K step")}
        widgets = {name: forms.TextInput(attrs={"inputmode": "decimal", "placeholder": example, "autocomplete": "off"})
                   for name, example in (("k_low", "0.02"), ("k_high", "0.05"), ("k_step", "0.0005"))}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["max_file_mb"] = self.mb(self.instance.max_file_bytes)

    @staticmethod
    def mb(size: int) -> Decimal:
        mb = (Decimal(size) / MB).quantize(FEN, ROUND_HALF_UP)
        return mb.to_integral_value() if mb == mb.to_integral_value() else mb  # 2048, not 2048.00

    def clean_max_file_mb(self):
        mb = self.cleaned_data["max_file_mb"]
        if mb == self.mb(self.instance.max_file_bytes):
            return self.instance.max_file_bytes  # unchanged: the bytes stay as they were, rounding or not
        return int((mb * MB).to_integral_value(ROUND_HALF_UP))

    def clean(self):
        data = super().clean()
        for name in ("k_low", "k_high", "k_step"):
            data[name] = (data.get(name) or "").strip()
        if not any(name in self.errors for name in ("k_low", "k_high", "k_step")):
            problem = k_range_problem(data["k_low"], data["k_high"], data["k_step"])
            if problem:
                self.add_error(*problem)
        return data

    # The page shows the rules in groups, each field beside its errors.
    @property
    def file_fields(self):
        return [self[name] for name in ("max_file_mb", "max_files", "require_bid_security")]

    @property
    def decryption_fields(self):
        return [self[name] for name in ("bidders_decrypt", "decryption_minutes", "remedy_custodian_stanza")]

    @property
    def k_fields(self):
        return [self[name] for name in ("k_low", "k_high", "k_step")]

    def values(self) -> dict:
        """The rules' fields as the service takes them (the size in bytes)."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["max_file_bytes"] = self.cleaned_data["max_file_mb"]
        return data


class CustodianChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _("%(name)s (%(username)s)") % {"name": obj.display_name, "username": obj.username}


class InviteCustodiansForm(forms.Form):
    custodians = CustodianChoice(
        label=_("Key custodians"), widget=forms.CheckboxSelectMultiple,
        queryset=User.objects.filter(role=Role.CUSTODIAN, custodian_key__isnull=False).order_by("username"),
        help_text=_("Only custodians who have registered their key are listed."),
        error_messages={"required": _("Tick the custodians who will hold a share of the opening key.")},
    )
    # How many is the service's rule (bidding.ceremony.invite_custodians), shown beside this field.
    k = forms.IntegerField(label=_("Shares needed to open (k)"), initial=3, widget=forms.NumberInput(attrs={"min": 2}),
                           help_text=_("At least 2, so that no one person can open alone; at most the custodians ticked."))


class BidSecurityForm(forms.Form):
    organization = OrganizationField(label=_("Bidder"), queryset=Organization.objects.acting_as(Role.BIDDER).order_by("name"))
    amount = MoneyField(label=_("Amount (yuan)"), min_value=Decimal("0"))
    method = forms.ChoiceField(label=_("How paid"), choices=BidSecurity.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100)


class ReceiptVerifyForm(forms.Form):
    receipt = forms.FileField(label=_("Receipt file (JSON)"))
