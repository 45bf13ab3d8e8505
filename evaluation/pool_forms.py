"""The pool's forms: an expert's enrolment and profile, earlier employers, the keepers' review and list filter, the specialty list.

Each form checks what a person typed and says beside the field what is wrong; the services
(pool_services, profile_services, specialty_services) check the rules again, whatever was posted."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from trading.choices import Role
from trading.uscc import USCCError
from trading.uscc import check as check_uscc

from . import idcard
from .choices import ExpertStatus, RelationKind
from .models import Specialty
from .pool_selectors import province_centers, specialty_choices, specialty_label, specialty_tree


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _uscc(value: str) -> str:
    if not (value or "").strip():
        return ""
    try:
        return check_uscc(value)
    except USCCError as err:
        raise forms.ValidationError(err.message, code=f"uscc_{err.code}") from err


class SpecialtiesField(forms.TypedMultipleChoiceField):
    """Second-level specialties, as tick boxes grouped under their field; cleaned to Specialty rows."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Specialties"))
        kwargs.setdefault("help_text", _("Tick every specialty you may evaluate in; at least one."))
        kwargs.setdefault("error_messages", {"required": _("Choose at least one specialty.")})
        super().__init__(coerce=int, **kwargs)

    def clean(self, value):
        ids = super().clean(value)
        rows = {s.pk: s for s in Specialty.objects.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]


class WorkFields(forms.Form):
    """What the pool keeps of the expert's work: title, employer, region, phone, specialties."""

    title = forms.CharField(label=_("Professional title"), max_length=60,
                            help_text=_("For example: senior engineer, registered cost engineer."))
    employer_name = forms.CharField(label=_("Current employer"), max_length=200)
    employer_uscc = forms.CharField(label=_("Employer's unified social credit code"), max_length=18, required=False,
                                    help_text=_("Optional; where the employer has one, the draw screens by it."))
    employed_since = forms.DateField(label=_("Employed there since"), widget=DateInput(),
                                     error_messages={"required": _("Say since when you work there.")})
    region_code = forms.CharField(label=_("Region (administrative division code)"), max_length=6, min_length=6,
                                  help_text=_("6 digits, where you live and work, for example 450103."))
    phone = forms.CharField(label=_("Mobile phone"), max_length=30)
    specialties = SpecialtiesField()

    def __init__(self, *args, keep=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialties"].choices = specialty_choices(keep=keep)

    def clean_employer_uscc(self):
        return _uscc(self.cleaned_data["employer_uscc"])

    def clean_region_code(self):
        code = self.cleaned_data["region_code"].strip()
        if not re.fullmatch(r"[0-9]{6}", code):
            raise forms.ValidationError(_("A region is its administrative division code: 6 digits, for example 450103."))
        return code

    def clean_employed_since(self):
        since = self.cleaned_data["employed_since"]
        if since > timezone.localdate():
            raise forms.ValidationError(_("The date you started there cannot be in the future."))
        return since


class ExpertFields(WorkFields):
    """An application to the pool: the identity card number and the pool, then the work."""

    id_number = forms.CharField(label=_("Identity card number"), max_length=18,
                                help_text=_("18 characters, the last one the check character (GB 11643)."))
    pool = forms.ModelChoiceField(label=_("Expert pool"), queryset=province_centers(), empty_label=None,
                                  help_text=_("The province center's pool serves every center below it."))

    field_order = ["id_number", "pool", "title", "employer_name", "employer_uscc", "employed_since", "region_code",
                   "phone", "specialties"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pools = province_centers()
        self.fields["pool"].queryset = pools
        if len(pools) == 1:
            self.fields["pool"].initial = pools[0].pk
        else:
            self.fields["pool"].empty_label = _("Choose the pool")

    def clean_id_number(self):
        try:
            return idcard.check(self.cleaned_data["id_number"])
        except idcard.IDNumberError as err:
            raise forms.ValidationError(err.message, code=f"id_{err.code}") from err


class EnrolmentForm(ExpertFields):
    """A person creates an expert account and applies, in one go."""

    full_name = forms.CharField(label=_("Your full name"), max_length=50)
    email = forms.EmailField(label=_("Email"), help_text=_("Where the platform tells you when you are drawn."))
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=10)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    field_order = ["full_name", "email", "username", "password", "password_again", *ExpertFields.field_order]

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class EmploymentForm(forms.Form):
    """One earlier employer, with its dates."""

    employer_name = forms.CharField(label=_("Employer"), max_length=200)
    employer_uscc = forms.CharField(label=_("Its unified social credit code"), max_length=18, required=False)
    started_on = forms.DateField(label=pgettext_lazy("employment", "From"), widget=DateInput())
    ended_on = forms.DateField(label=pgettext_lazy("employment", "Until"), widget=DateInput())

    def clean_employer_uscc(self):
        return _uscc(self.cleaned_data["employer_uscc"])

    def clean(self):
        data = super().clean()
        start, end = data.get("started_on"), data.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("The last day cannot be before the first."))
        if end and end > timezone.localdate():
            self.add_error("ended_on", _("An earlier employment cannot end in the future."))
        return data


class BaseEmploymentFormSet(forms.BaseFormSet):
    def kept_forms(self):
        """The rows that are earlier employers: not ticked for removal, and not left empty."""
        return [form for form in self.forms if not self._should_delete_form(form) and form.has_changed()]


EmploymentFormSet = forms.formset_factory(EmploymentForm, formset=BaseEmploymentFormSet, extra=0, can_delete=True,
                                          can_delete_extra=True)


class ReviewForm(forms.Form):
    step = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=1000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class PoolFilterForm(forms.Form):
    """The pool list's filters (GET)."""

    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Any status")), *ExpertStatus.choices])
    specialty = forms.ChoiceField(label=_("Specialty"), required=False)
    region = forms.CharField(label=_("Region code begins with"), required=False, max_length=6,
                             widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "4502"}))
    q = forms.CharField(label=_("Name or ID number"), required=False, max_length=50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Any specialty"))]
        for top, children in specialty_tree():
            choices.append((specialty_label(top), [(top.code, _("All of %(field)s") % {"field": specialty_label(top)}),
                                                   *[(s.code, specialty_label(s)) for s in children]]))
        self.fields["specialty"].choices = choices

    def clean_region(self):
        region = self.cleaned_data["region"].strip()
        if region and not region.isdigit():
            raise forms.ValidationError(_("Digits of a region code, for example 4502."))
        return region

    def values(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        code = data.get("specialty") or ""
        return {"status": data.get("status") or "", "specialty": Specialty.objects.filter(code=code).first() if code else None,
                "region": data.get("region") or "", "query": data.get("q") or ""}


# --- the specialty list ------------------------------------------------------------------------


class SpecialtyAddForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("Field"), queryset=Specialty.objects.filter(parent__isnull=True),
                                    empty_label=_("Choose the field"))
    code = forms.CharField(label=_("Code"), max_length=10, help_text=_("The field's code and two digits: A0106 under A01."))
    name = forms.CharField(label=_("Name"), max_length=60)
    name_en = forms.CharField(label=_("English name"), max_length=120, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].label_from_instance = specialty_label


class SpecialtyRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60,
                           widget=forms.TextInput(attrs={"aria-label": _("Name"), "size": 14}))
    name_en = forms.CharField(label=_("English name"), max_length=120, required=False,
                              widget=forms.TextInput(attrs={"aria-label": _("English name"), "size": 18, "lang": "en"}))


# --- the expert's own record -------------------------------------------------------------------


class AbsenceForm(forms.Form):
    starts_on = forms.DateField(label=_("First day away"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last day away"), widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data["starts_on"] < timezone.localdate():
            self.add_error("starts_on", _("Time away cannot start in the past."))
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The last day away cannot be before the first."))
        return data


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("A company or a person"), choices=RelationKind.choices, widget=forms.RadioSelect,
                             initial=RelationKind.COMPANY)
    name = forms.CharField(label=_("Name"), max_length=200)
    uscc = forms.CharField(label=_("Unified social credit code (a company)"), max_length=18, required=False)
    note = forms.CharField(label=_("How you are related"), max_length=200,
                           help_text=_("For example: my spouse works there; a former business partner."))

    def clean(self):
        data = super().clean()
        if data.get("kind") == RelationKind.COMPANY:
            if not (data.get("uscc") or "").strip():
                self.add_error("uscc", _("Give the company's unified social credit code: the draw screens by it."))
            else:
                try:
                    data["uscc"] = _uscc(data["uscc"])
                except forms.ValidationError as err:
                    self.add_error("uscc", err)
        return data


def is_expert_account(user) -> bool:
    return getattr(user, "role", None) == Role.EXPERT
