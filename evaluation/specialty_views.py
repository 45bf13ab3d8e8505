"""The specialty list's page: every reader of the pool reads it; the province center's staff keep it.

Thin views over evaluation.specialty_services: add a second-level code, rename one, take one out
of use or back (a code is never deleted)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import rules

from trading.errors import DomainError, PageRefused

from . import specialty_services as services
from .models import Specialty
from .pool_forms import SpecialtyAddForm, SpecialtyRenameForm
from .pool_views import form_error


def _tree(rename_forms):
    rows = list(Specialty.objects.annotate(expert_count=Count("experts")).order_by("code"))
    for s in rows:
        s.rename_form = rename_forms.get(s.pk) or SpecialtyRenameForm(
            prefix=f"s{s.pk}", initial={"name": s.name, "name_en": s.name_en})
    tops = [s for s in rows if s.parent_id is None]
    return [(top, [s for s in rows if s.parent_id == top.pk]) for top in tops]


def _page(request, add_form=None, rename_forms=None, status=200):
    return render(request, "evaluation/specialties.html", {
        "tree": _tree(rename_forms or {}), "keeper": rules.has_perm("evaluation.edit_specialties", request.user),
        "add_form": add_form or SpecialtyAddForm(),
    }, status=status)


@login_required
def specialties(request):
    """The two-level list; a keeper's POST adds a code."""
    if not rules.has_perm("evaluation.view_pool", request.user):
        raise PageRefused(_("Only the trading centers' staff and supervisors read the specialty list."))
    if request.method != "POST":
        return _page(request)
    if not rules.has_perm("evaluation.edit_specialties", request.user):
        raise PageRefused(_("Only the staff of the province center that keeps the pool change the specialty list."))
    form = SpecialtyAddForm(request.POST)
    if form.is_valid():
        try:
            added = services.add_specialty(actor=request.user, **form.cleaned_data)
        except DomainError as err:
            form_error(form, err)
        else:
            messages.success(request, _("Specialty %(code)s added.") % {"code": added.code})
            return redirect("evaluation:specialties")
    return _page(request, add_form=form, status=400)


@login_required
@require_POST
def specialty_change(request, pk):
    """Rename (`rename`), take out of use (`deactivate`) or back into use (`reactivate`)."""
    if not rules.has_perm("evaluation.edit_specialties", request.user):
        raise PageRefused(_("Only the staff of the province center that keeps the pool change the specialty list."))
    specialty = get_object_or_404(Specialty, pk=pk)
    try:
        if "rename" in request.POST:
            form = SpecialtyRenameForm(request.POST, prefix=f"s{specialty.pk}")
            if not form.is_valid():
                return _page(request, rename_forms={specialty.pk: form}, status=400)
            try:
                services.change_specialty(actor=request.user, specialty=specialty, **form.cleaned_data)
            except DomainError as err:
                form_error(form, err)
                return _page(request, rename_forms={specialty.pk: form}, status=400)
        elif "deactivate" in request.POST or "reactivate" in request.POST:
            services.change_specialty(actor=request.user, specialty=specialty, active="reactivate" in request.POST)
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Specialty %(code)s saved.") % {"code": specialty.code})
    return redirect(reverse("evaluation:specialties") + f"#s-{specialty.code}")
