"""The draw's set-up form: the committee, the experts asked by specialty, where from, when and where.

The form checks only what a person typed (a number is a number, a time is a time); the
committee's rules are the service's (evaluation.draw_services.set_up), said above the form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from trading.formkit import SearchableSelect
from trading.forms import DateTimeLocalInput

from .choices import RegionScope
from .draw_selectors import specialty_choices
from .draw_services import MAX_ANSWER_MINUTES, MIN_ANSWER_MINUTES, DrawRequest
from .models import ANSWER_MINUTES, LOOKBACK_YEARS


class DrawSetUpForm(forms.Form):
    size = forms.IntegerField(label=_("Committee size"), min_value=1, max_value=99,
                              help_text=_("An odd number, 5 or more (7 or more for government procurement of 10 million "
                                          "yuan and up), the tenderee's representatives included."))
    representatives = forms.CharField(
        label=_("The tenderee's representatives"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Their names, one per line; at most one third of the committee. They are not drawn. Leave empty "
                    "for a committee of experts only."))
    region_scope = forms.ChoiceField(label=_("Where the experts come from"), choices=RegionScope.choices,
                                     initial=RegionScope.ANY, widget=forms.RadioSelect)
    local_percent = forms.IntegerField(label=_("Share from the lot's own region (%)"), required=False, min_value=1,
                                       max_value=99, help_text=_("For a mix only: each specialty's experts are split "
                                                                 "by this share, rounded half up."))
    evaluation_at = forms.DateTimeField(label=_("Evaluation starts at (server time, Beijing)"),
                                        widget=DateTimeLocalInput())
    place = forms.CharField(label=_("Evaluation room"), required=False, max_length=100,
                            help_text=_("Leave empty for an online evaluation; otherwise the room's name, for example "
                                        "Evaluation room 2."))
    answer_minutes = forms.IntegerField(label=_("Time to answer (minutes)"), initial=ANSWER_MINUTES,
                                        min_value=MIN_ANSWER_MINUTES, max_value=MAX_ANSWER_MINUTES,
                                        help_text=_("A drawn expert who does not confirm in this time is replaced by "
                                                    "another drawn at random."))
    lookback_years = forms.IntegerField(label=_("Look-back for earlier employment (years)"), initial=LOOKBACK_YEARS,
                                        min_value=0, max_value=10,
                                        help_text=_("An expert who worked for a bidder or the tenderee within these "
                                                    "years before the evaluation is kept out."))

    def committee_fields(self):
        return [self["size"], self["representatives"]]

    def scope_fields(self):
        return [self["region_scope"], self["local_percent"]]

    def time_fields(self):
        return [self["evaluation_at"], self["place"], self["answer_minutes"], self["lookback_years"]]

    def clean_representatives(self):
        return [line.strip() for line in self.cleaned_data["representatives"].splitlines() if line.strip()]

    def request(self, specialties) -> DrawRequest:
        data = self.cleaned_data
        return DrawRequest(
            size=data["size"], representatives=data["representatives"], specialties=specialties,
            region_scope=data["region_scope"], local_percent=data["local_percent"],
            evaluation_at=data["evaluation_at"], place=data["place"], answer_minutes=data["answer_minutes"],
            lookback_years=data["lookback_years"])


class SpecialtyRowForm(forms.Form):
    """One specialty asked: a second-level specialty and how many experts of it."""

    specialty = forms.ChoiceField(label=_("Specialty"),
                                  widget=SearchableSelect(placeholder=_("Type part of a specialty's code or name")),
                                  error_messages={"required": _("Choose the specialty."),
                                                  "invalid_choice": _("Choose a specialty from the list.")})
    count = forms.IntegerField(label=_("Experts"), min_value=1, max_value=99)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", _("Choose the specialty")), *specialty_choices()]


class BaseSpecialtyFormSet(forms.BaseFormSet):
    def kept_forms(self):
        """The rows asked: not ticked for removal, and not a new row left empty."""
        return [form for form in self.forms if not self._should_delete_form(form) and form.has_changed()]

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms if not self._should_delete_form(form)):
            return  # each row's own errors first
        if not self.kept_forms():
            raise forms.ValidationError(_("Ask for at least one specialty, with the number of experts it needs."))

    def specialties(self) -> list[tuple[str, int]]:
        return [(form.cleaned_data["specialty"], form.cleaned_data["count"]) for form in self.kept_forms()]


SpecialtyFormSet = forms.formset_factory(SpecialtyRowForm, formset=BaseSpecialtyFormSet, extra=0, min_num=1,
                                         can_delete=True, can_delete_extra=True)
