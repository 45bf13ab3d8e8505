"""The expert's own record (我的专家档案): status and reason, profile, dates away and declared relations.

Only the expert themself (evaluation.profile_services.own_expert). An expert account without a
record yet is sent to the application; any other account is refused."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trading.errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied

from . import profile_services as services
from .choices import ExpertStatus
from .pool_forms import AbsenceForm, RelationForm, WorkFields, is_expert_account
from .pool_selectors import specialty_label
from .pool_views import form_error


def _own(request):
    if not is_expert_account(request.user):
        raise PageRefused(_("Only an evaluation expert has an expert record."))
    try:
        return services.own_expert(request.user)
    except NotFound:
        return None
    except PermissionDenied as err:
        raise PageRefused(err.message) from err


def _initial(expert) -> dict:
    return {"title": expert.title, "employer_name": expert.employer_name, "employer_uscc": expert.employer_uscc,
            "employed_since": expert.employed_since, "region_code": expert.region_code, "phone": expert.phone,
            "specialties": [s.pk for s in expert.specialties.all()]}


def _page(request, expert, *, form=None, absence_form=None, relation_form=None, status=200):
    keep = expert.specialties.all()
    return render(request, "evaluation/profile.html", {
        "expert": expert, "closed": expert.status in services.CLOSED,
        "away_from_pool": expert.status in (ExpertStatus.SUSPENDED, *services.CLOSED),
        "form": form or WorkFields(initial=_initial(expert), keep=keep),
        "absence_form": absence_form or AbsenceForm(), "relation_form": relation_form or RelationForm(),
        "specialty_labels": [specialty_label(s) for s in expert.specialties.order_by("code")],
        "employments": expert.employments.all(), "absences": expert.absences.all(),
        "relations": expert.relations.order_by("declared_at"),
    }, status=status)


@login_required
def profile(request):
    expert = _own(request)
    if expert is None:
        return redirect("evaluation:enrol")
    if request.method != "POST":
        return _page(request, expert)
    form = WorkFields(request.POST, keep=expert.specialties.all())
    if form.is_valid():
        try:
            services.update_profile(actor=request.user, **form.cleaned_data)
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, _("Your record is saved."))
            return redirect("evaluation:profile")
    return _page(request, expert, form=form, status=400)


def _act(request, action, **kwargs):
    try:
        action(actor=request.user, **kwargs)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except PermissionDenied as err:
        raise PageRefused(err.message) from err
    except DomainError as err:
        messages.error(request, err.message)
        return False
    return True


def _add(request, form_class, action, done, form_name):
    """Add a row to the expert's own record from `form_class` through `action`; on a refusal the
    record's page again, the form (`form_name`) with what was typed and why."""
    expert = _own(request)
    if expert is None:
        return redirect("evaluation:enrol")
    form = form_class(request.POST)
    if form.is_valid():
        try:
            action(actor=request.user, **form.cleaned_data)
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, done)
            return redirect("evaluation:profile")
    return _page(request, expert, status=400, **{form_name: form})


@login_required
@require_POST
def absence_add(request):
    return _add(request, AbsenceForm, services.add_absence,
                _("Your time away is recorded: you are not drawn on those days."), "absence_form")


@login_required
@require_POST
def absence_remove(request, pk):
    if _own(request) is None:
        return redirect("evaluation:enrol")
    if _act(request, services.remove_absence, absence_id=pk):
        messages.success(request, _("The time away is withdrawn."))
    return redirect("evaluation:profile")


@login_required
@require_POST
def relation_add(request):
    return _add(request, RelationForm, services.declare_relation,
                _("The relation is declared: you are never drawn to judge them."), "relation_form")


@login_required
@require_POST
def relation_withdraw(request, pk):
    if _own(request) is None:
        return redirect("evaluation:enrol")
    if _act(request, services.withdraw_relation, relation_id=pk):
        messages.success(request, _("The declared relation is withdrawn."))
    return redirect("evaluation:profile")
