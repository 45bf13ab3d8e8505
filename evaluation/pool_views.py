"""The pool's pages: an expert enrols; the keepers list, read and review experts; the network's staff read the pool.

Thin views: parse, call one service, render. Who may read and act is the services' and
selectors' to say (evaluation.rules); a refusal is a 403 with its reason, an expert a person
may not read a 404."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

import rules

from trading import confirming
from trading.errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied
from trading.formkit import quiet, with_one_more_row

from . import pool_selectors as selectors
from . import pool_services as services
from .models import Expert
from .pool_forms import EmploymentFormSet, EnrolmentForm, ExpertFields, PoolFilterForm, ReviewForm, is_expert_account
from .review_steps import available


def access(fn, *args, **kwargs):
    """Call an access service, turning its refusals into HTTP 404 / 403."""
    try:
        return fn(*args, **kwargs)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except PermissionDenied as err:
        raise PageRefused(err.message) from err


def form_error(form, err: DomainError):
    """A service's refusal on the form: beside the field it names, else above the form."""
    if isinstance(err, PermissionDenied):
        raise PageRefused(err.message)
    form.add_error(err.field if err.field in form.fields else None, err.message)


# --- enrolment -------------------------------------------------------------------------------


def enrol(request):
    """专家注册: an account and an application in one go; an expert account made by an
    administrator, logged in without a record yet, gives only the application."""
    user = request.user
    if user.is_authenticated and Expert.objects.filter(user_id=user.pk).exists():
        return redirect("evaluation:profile")
    if user.is_authenticated and not is_expert_account(user):
        return render(request, "evaluation/enrol.html", {"other_account": True})
    data = request.POST if request.method == "POST" else None
    add_row = data is not None and "add_employment" in data
    form_class = ExpertFields if user.is_authenticated else EnrolmentForm
    employments = EmploymentFormSet(data, prefix="employments")
    if add_row:
        employments = EmploymentFormSet(with_one_more_row(data, "employments"), prefix="employments")
    form = form_class(employments.data if add_row else data)
    if add_row:
        quiet(form, employments)
    elif data is not None and all([form.is_valid(), employments.is_valid()]):
        values = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
        rows = [services.EarlierEmployer(**{k: v for k, v in row.cleaned_data.items() if k != "DELETE"})
                for row in employments.kept_forms()]
        try:
            if user.is_authenticated:
                services.enrol_account(actor=user, employments=rows, **values)
            else:
                user = services.enrol_expert(employments=rows, **values).user
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, _("Your application is sent: the pool's keepers review it, and you read "
                                        "their answer on your expert record."))
            return redirect("evaluation:profile")
    return render(request, "evaluation/enrol.html", {"form": form, "employments": employments,
                                                     "groups": _groups(form)})


ENROLMENT_GROUPS = (
    (gettext_lazy("Your account"), ("full_name", "email", "username", "password", "password_again")),
    (gettext_lazy("Identity and pool"), ("id_number", "pool")),
    (gettext_lazy("Your work"), ("title", "employer_name", "employer_uscc", "employed_since", "region_code", "phone")),
    (gettext_lazy("Specialties"), ("specialties",)),
)


def _groups(form) -> list:
    """The form's fields in the page's sections (an account made before has no account section)."""
    return [(legend, [form[name] for name in names if name in form.fields]) for legend, names in ENROLMENT_GROUPS
            if any(name in form.fields for name in names)]


# --- the pool, as its readers and keepers see it ----------------------------------------------


@login_required
def pool_list(request):
    if not rules.has_perm("evaluation.view_pool", request.user):
        raise PageRefused(_("Only the trading centers' staff and supervisors read the expert pool."))
    filters = PoolFilterForm(request.GET or None)
    values = filters.values() if request.GET else {"status": "", "specialty": None, "region": "", "query": ""}
    page = selectors.page_of(selectors.filtered_experts(request.user, **values), request.GET.get("page"))
    keeper = rules.has_perm("evaluation.review_expert", request.user)
    for expert in page:
        expert.shown_id = expert.id_number if keeper else selectors.masked_id(expert.id_number)
        expert.specialty_labels = [selectors.specialty_label(s) for s in expert.specialties.all()]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "evaluation/pool_list.html", {
        "filters": filters, "page": page, "keeper": keeper, "query": query.urlencode(),
        "pool": selectors.pool_of(request.user),
    })


def _detail_context(request, expert, *, failed_step: str = "", failed_reason: str = "", error: str = "") -> dict:
    keeper = rules.has_perm("evaluation.review_expert", request.user, expert)
    steps = []
    if keeper:
        for step in available(expert.status):
            question = _question(step, expert, failed_reason if step.name == failed_step else "")
            steps.append({"step": step, "question": question if step.weighty else None,
                          "reason": failed_reason if step.name == failed_step else "",
                          "error": error if step.name == failed_step else ""})
    return {
        "expert": expert, "keeper": keeper, "steps": steps,
        "shown_id": expert.id_number if keeper else selectors.masked_id(expert.id_number),
        "shown_phone": expert.phone if keeper else selectors.masked_phone(expert.phone),
        "specialty_labels": [selectors.specialty_label(s) for s in expert.specialties.order_by("code")],
        "employments": expert.employments.all(), "absences": expert.absences.all(),
        "relations": expert.relations.all() if keeper else None,
        "history": selectors.expert_history(expert)[:50] if keeper else None,
    }


def _question(step, expert, reason: str = "") -> confirming.Question:
    consequence = confirming.for_good(step.consequence) if step.final else str(step.consequence)
    facts = ((_("Expert"), expert.user.display_name),) + (((_("Reason"), reason),) if reason else ())
    return confirming.Question(title=_("%(step)s: %(expert)s?") % {"step": step.label, "expert": expert.user.display_name},
                               consequence=consequence, action=str(step.label), facts=facts)


@login_required
def expert_detail(request, pk):
    expert = access(services.access_expert, request.user, pk)
    return render(request, "evaluation/expert_detail.html", _detail_context(request, expert))


@login_required
@require_POST
def expert_review(request, pk):
    expert = access(services.access_expert, request.user, pk, perm="evaluation.review_expert")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return render(request, "evaluation/expert_detail.html",
                      _detail_context(request, expert, error=form.errors.as_text()), status=400)
    step, reason = form.cleaned_data["step"], form.cleaned_data["reason"]
    try:
        taken = services.check_review(actor=request.user, expert=expert, step=step, reason=reason)
        if taken.weighty and not confirming.confirmed(request):
            return confirming.ask(request, _question(taken, expert, reason),
                                  back=reverse("evaluation:pool_expert", args=[expert.pk]))
        expert = services.review_expert(actor=request.user, expert=expert, step=step, reason=reason)
    except DomainError as err:
        if isinstance(err, PermissionDenied):
            raise PageRefused(err.message) from err
        return render(request, "evaluation/expert_detail.html",
                      _detail_context(request, expert, failed_step=step, failed_reason=reason, error=err.message),
                      status=400)
    messages.success(request, _("Done: %(expert)s is now “%(status)s”.")
                     % {"expert": expert.user.display_name, "status": expert.get_status_display()})
    return redirect("evaluation:pool_expert", pk=expert.pk)

