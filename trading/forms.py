"""Trading's forms: bidder registration, projects and lots, documents, publishing, notices, transitions."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from . import law
from .choices import NoticeKind
from .models import Center, Lot, Organization, Project
from .money_field import MoneyField
from .uscc import USCCError
from .uscc import check as check_uscc


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class BidderRegistrationForm(forms.Form):
    organization_name = forms.CharField(label=_("Organization name"), max_length=200)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=1,
                           help_text=_("18 characters, as on the business licence."))
    full_name = forms.CharField(label=_("Your name"), max_length=50)
    contact_phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=10)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def clean_uscc(self):
        try:
            return check_uscc(self.cleaned_data["uscc"])
        except USCCError as err:
            raise forms.ValidationError(err.message, code=f"uscc_{err.code}") from err

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["center", "code", "name", "category", "region_code", "tenderee", "agent", "description",
                  "must_be_tendered", "min_days_to_deadline", "amendment_min_days", "min_bids", "publicity_days",
                  "contract_days"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenderee"].queryset = Organization.objects.order_by("name")
        self.fields["agent"].queryset = Organization.objects.order_by("name")
        self.fields["center"].queryset = Center.objects.order_by("region_code")
        if user is not None and user.center_id:
            self.fields["center"].initial = user.center_id
            self.fields["center"].queryset = Center.objects.filter(pk=user.center_id)
        for item in law.ALL:
            field = self.fields[item.field]
            text = (_("%(citation)s: at most %(bound)d (%(meaning)s)") if item.at_most
                    else _("%(citation)s: at least %(bound)d (%(meaning)s)"))
            field.help_text = text % {"citation": item.citation, "bound": item.bound, "meaning": item.meaning}


class LotForm(forms.ModelForm):
    class Meta:
        model = Lot
        fields = ["number", "name", "budget", "ceiling_price", "reserve_price", "bid_security", "evaluation_method"]

    def clean(self):
        # Said on the field, in words: otherwise the database constraint's name is all one reads.
        data = super().clean()
        budget, ceiling = data.get("budget"), data.get("ceiling_price")
        if budget is not None and ceiling is not None and ceiling > budget:
            self.add_error("ceiling_price", _("The ceiling price may not exceed the budget."))
        return data


LotFormSet = forms.inlineformset_factory(Project, Lot, form=LotForm, extra=1, min_num=1, validate_min=True, can_delete=False)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(label=_("File"))


class PublishForm(forms.Form):
    bid_deadline = forms.DateTimeField(label=_("Bid deadline = opening time (server time, Beijing)"),
                                       widget=DateTimeLocalInput())
    notice_title = forms.CharField(label=_("Notice title"), max_length=200)
    notice_body = forms.CharField(label=_("Notice text"), widget=forms.Textarea(attrs={"rows": 8}))


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(NoticeKind.CLARIFICATION, NoticeKind.CLARIFICATION.label),
                                                       (NoticeKind.AMENDMENT, NoticeKind.AMENDMENT.label)])
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 6}))
    changes_bids = forms.BooleanField(label=_("Changes what bidders must offer"), required=False)
    new_deadline = forms.DateTimeField(label=_("New deadline (optional)"), required=False, widget=DateTimeLocalInput())
    file = forms.FileField(label=_("Attached document (optional)"), required=False)


class TransitionForm(forms.Form):
    name = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    award_price = MoneyField(label=_("Award price"), required=False, min_value=Decimal("0.01"))
