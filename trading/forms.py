"""Trading's forms: bidder registration, projects and lots, documents, publishing, notices, transitions."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from . import law
from .choices import NoticeKind, Role
from .formkit import OrganizationField
from .models import Center, Lot, Organization, Project
from .lot_rules import lot_problems
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
    """A project's own fields. The tenderee is chosen among organizations acting as tenderees,
    the agent among agents (trading.services checks it again, whatever was posted)."""

    tenderee = OrganizationField(
        label=_("Tenderee"), queryset=Organization.objects.none(),
        error_messages={"invalid_choice": _("Choose the tenderee from the list: only an organization registered as a tenderee can be one."),
                        "required": _("Choose the tenderee.")},
    )
    agent = OrganizationField(
        label=_("Tendering agent"), queryset=Organization.objects.none(), required=False,
        empty_label=_("None: the tenderee tenders itself"),
        error_messages={"invalid_choice": _("Choose the agent from the list: only an organization registered as a tendering agent can be one.")},
    )

    class Meta:
        model = Project
        fields = ["center", "code", "name", "category", "region_code", "tenderee", "agent", "description",
                  "must_be_tendered", "min_days_to_deadline", "amendment_min_days", "min_bids", "publicity_days",
                  "contract_days"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenderee"].queryset = Organization.objects.acting_as(Role.TENDEREE).order_by("name")
        self.fields["agent"].queryset = Organization.objects.acting_as(Role.AGENT).order_by("name")
        self.fields["center"].queryset = Center.objects.order_by("region_code")
        if user is not None and user.center_id:
            self.fields["center"].initial = user.center_id
            self.fields["center"].queryset = Center.objects.filter(pk=user.center_id)
        if user is not None and user.organization_id and not self.instance.pk:
            # A tenderee or agent registers its own project: its own place is filled in.
            own = {Role.TENDEREE: "tenderee", Role.AGENT: "agent"}.get(user.role)
            if own:
                self.fields[own].initial = user.organization_id
        for item in law.ALL:
            field = self.fields[item.field]
            text = (_("%(citation)s: at most %(bound)d (%(meaning)s)") if item.at_most
                    else _("%(citation)s: at least %(bound)d (%(meaning)s)"))
            field.help_text = text % {"citation": item.citation, "bound": item.bound, "meaning": item.meaning}


class LotForm(forms.ModelForm):
    """One lot: its number, name and amounts in yuan as people write them ("17,680,000.00")."""

    budget = MoneyField(label=_("Budget (yuan)"))
    ceiling_price = MoneyField(label=_("Ceiling price (yuan)"), required=False,
                               help_text=_("The highest price a bid may ask; at most the budget. Empty where there is none."))
    reserve_price = MoneyField(label=_("Reserve price (yuan)"), required=False,
                               help_text=_("The lowest price accepted, for a sale to the highest price; empty otherwise."))
    bid_security = MoneyField(label=_("Bid security (yuan)"), required=False,
                              help_text=_("At most 2 percent of the ceiling price (or of the budget)."))

    class Meta:
        model = Lot
        fields = ["number", "name", "evaluation_method", "budget", "ceiling_price", "bid_security", "reserve_price"]
        widgets = {"number": forms.NumberInput(attrs={"min": 1, "class": "lot-number", "data-next-number": ""})}

    def clean_bid_security(self):
        return self.cleaned_data.get("bid_security") or Decimal("0.00")

    # A number used once and a ceiling within the budget are rules on the lots together, checked
    # by the formset with the service's lot_problems and said in words; the database constraints
    # that back them would otherwise speak first, by their names.
    def validate_unique(self):
        pass

    def validate_constraints(self):
        pass

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class BaseLotFormSet(forms.BaseInlineFormSet):
    """The lots of a project, added and removed as rows. The rules on the lots together are the
    service's (trading.lot_rules.lot_problems), shown here beside the field they concern."""

    def __init__(self, *args, category=None, fixed_numbers=(), **kwargs):
        self.category = category  # the project's: a sale's deposit is not held to 2%
        self.fixed_numbers = tuple(fixed_numbers)  # numbers of the project's lots not in the rows
        super().__init__(*args, **kwargs)

    def kept_forms(self):
        """The rows that will be lots: not ticked for removal, and not a new row left empty."""
        return [form for form in self.forms
                if not self._should_delete_form(form) and (form.instance.pk or form.has_changed())]

    def removed_lots(self):
        return [form.instance for form in self.forms if form.instance.pk and self._should_delete_form(form)]

    def clean(self):
        super().clean()
        kept = self.kept_forms()
        if any(form.errors for form in kept):
            return  # each row's own errors first
        for problem in lot_problems([form.values() for form in kept], self.category, other_numbers=self.fixed_numbers):
            if problem.index is None:
                raise forms.ValidationError(problem.message)
            kept[problem.index].add_error(problem.field, problem.message)

    def validate_unique(self):
        pass  # numbers are lot_problems' to check, in clean()

    def next_number(self) -> int:
        numbers = [*self.fixed_numbers, *(form.instance.number for form in self.forms if form.instance.pk)]
        for form in self.forms:
            try:
                numbers.append(int(form["number"].value()))
            except (TypeError, ValueError):
                pass
        return max(numbers, default=0) + 1


# At least one lot is the service's rule (lot_problems), said in its words, not the formset's.
LotFormSet = forms.inlineformset_factory(Project, Lot, form=LotForm, formset=BaseLotFormSet, extra=0, min_num=1,
                                         can_delete=True, can_delete_extra=True)


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
