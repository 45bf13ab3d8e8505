"""Bidding's forms: a tender's rules, the custodians invited, a bid security recorded, a receipt to verify."""

import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from trading.choices import Role
from trading.models import Organization, User
from trading.money_field import MoneyField

from .models import BidSecurity, TenderRules
from .opening_form import check_items


class TenderRulesForm(forms.ModelForm):
    declared_items = forms.CharField(
        label=_("Declared items of the opening form (JSON)"), widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_('A list of {"key", "label", "type": money|integer|text|choice, "required", "choices"}; a money item “price” is required.'),
    )

    class Meta:
        model = TenderRules
        fields = ["declared_items", "bidders_decrypt", "max_file_bytes", "max_files", "require_bid_security",
                  "decryption_minutes", "remedy_custodian_stanza"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Shown as JSON, whether saved or the defaults a page shows unsaved.
        self.initial["declared_items"] = json.dumps(self.instance.declared_items, ensure_ascii=False, indent=1)

    def clean_declared_items(self):
        try:
            items = json.loads(self.cleaned_data["declared_items"])
        except ValueError as err:
            raise forms.ValidationError(_("Not valid JSON: %(err)s") % {"err": err}) from err
        if not isinstance(items, list):
            raise forms.ValidationError(_("A JSON list of items is expected."))
        problems = check_items(items)
        if problems:
            raise forms.ValidationError(problems)
        return items


class InviteCustodiansForm(forms.Form):
    custodians = forms.ModelMultipleChoiceField(
        label=_("Key custodians"), queryset=User.objects.filter(role=Role.CUSTODIAN, custodian_key__isnull=False),
        widget=forms.CheckboxSelectMultiple,
    )
    k = forms.IntegerField(label=_("Shares needed to open (k)"), min_value=1, initial=3)


class BidSecurityForm(forms.Form):
    organization = forms.ModelChoiceField(label=_("Bidder"), queryset=Organization.objects.filter(users__role=Role.BIDDER).distinct())
    amount = MoneyField(label=_("Amount (yuan)"), min_value=Decimal("0"))
    method = forms.ChoiceField(label=_("How paid"), choices=BidSecurity.Method.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100)


class ReceiptVerifyForm(forms.Form):
    receipt = forms.FileField(label=_("Receipt file (JSON)"))
