"""Thin views: parse, call one service, render. Rules and permissions live in services."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import rules

from . import law, lifecycle, selectors, services
from .choices import LotState
from .errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied
from .forms import BidderRegistrationForm, DocumentForm, LotFormSet, NoticeForm, ProjectForm, PublishForm, TransitionForm
from .models import Document


def _access(fn, *args, **kwargs):
    """Call an access_* service, turning its refusals into HTTP 404 / 403."""
    try:
        return fn(*args, **kwargs)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except PermissionDenied as err:
        raise PageRefused(err.message) from err


def _form_error(request, form, err: DomainError):
    if isinstance(err, PermissionDenied):
        raise PageRefused(err.message)
    form.add_error(None, err.message)


def register_bidder(request):
    form = BidderRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.register_bidder(
                username=data["username"], password=data["password"], full_name=data["full_name"],
                organization_name=data["organization_name"], uscc=data["uscc"],
                contact_phone=data["contact_phone"], address=data["address"],
            )
        except DomainError as err:
            form.add_error(None, err.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your organization is registered."))
            return redirect("trading:dashboard")
    return render(request, "trading/register.html", {"form": form})


@login_required
def dashboard(request):
    projects = selectors.workspace_projects(request.user)
    return render(request, "trading/dashboard.html", {
        "projects": projects,
        "may_add": rules.has_perm("trading.add_project", request.user),
        "may_audit": rules.has_perm("trading.view_audit_list", request.user),
    })


@login_required
def project_create(request):
    if not rules.has_perm("trading.add_project", request.user):
        raise PageRefused(_("You may not register projects."))
    form = ProjectForm(request.POST or None, user=request.user)
    lots = LotFormSet(request.POST or None, prefix="lots")
    if request.method == "POST" and form.is_valid() and lots.is_valid():
        data = dict(form.cleaned_data)
        center = data.pop("center")
        lot_data = [f.cleaned_data for f in lots.forms if f.cleaned_data]
        try:
            project = services.create_project(actor=request.user, center=center, lots=lot_data, **data)
        except DomainError as err:
            _form_error(request, form, err)
        else:
            messages.success(request, _("Project registered as a draft."))
            return redirect("trading:project", pk=project.pk)
    return render(request, "trading/project_form.html", {"form": form, "lots": lots})


@login_required
def project_detail(request, pk):
    project = _access(services.access_project, request.user, pk)
    lifecycle.sync_clock(project, timezone.now())  # the page shows the clock's truth, job or no job
    user = request.user
    lots = list(project.lots.order_by("number"))
    role = getattr(user, "role", None)
    may_transition = rules.has_perm("trading.transition_lot", user, project)
    for lot in lots:
        lot.actions = [t for t in lifecycle.available(lot, role) if t.name != "publish"] if may_transition else []
    return render(request, "trading/project_detail.html", {
        "project": project,
        "lots": lots,
        "notices": selectors.project_notices(project),
        "documents": project.documents.order_by("uploaded_at"),
        "legal": [(item, getattr(project, item.field)) for item in law.ALL],
        "may_edit": rules.has_perm("trading.change_project", user, project),
        "may_add_document": rules.has_perm("trading.add_document", user, project),
        "may_publish": rules.has_perm("trading.publish_project", user, project)
        and project.is_draft(),
        "may_notice": rules.has_perm("trading.publish_notice", user, project)
        and project.bidding_open(timezone.now()),
        "may_audit": rules.has_perm("trading.view_audit", user, project),
        "transition_form": TransitionForm(),
    })


@login_required
def project_edit(request, pk):
    project = _access(services.access_project, request.user, pk, perm="trading.change_project")
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    form.fields.pop("center")
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        project.refresh_from_db()
        try:
            services.update_project(actor=request.user, project=project, **changed)
        except DomainError as err:
            _form_error(request, form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("trading:project", pk=project.pk)
    return render(request, "trading/project_edit.html", {"form": form, "project": project})


@login_required
def document_add(request, pk):
    project = _access(services.access_project, request.user, pk, perm="trading.add_document")
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_document(actor=request.user, project=project, title=form.cleaned_data["title"],
                                  uploaded_file=form.cleaned_data["file"])
        except DomainError as err:
            _form_error(request, form, err)
        else:
            messages.success(request, _("Document uploaded."))
            return redirect("trading:project", pk=project.pk)
    return render(request, "trading/document_form.html", {"form": form, "project": project})


@login_required
def project_publish(request, pk):
    project = _access(services.access_project, request.user, pk, perm="trading.publish_project")
    form = PublishForm(request.POST or None, initial={"notice_title": _("Tender notice: %(name)s") % {"name": project.name}})
    if request.method == "POST" and form.is_valid():
        try:
            services.publish_project(actor=request.user, project=project, **form.cleaned_data)
        except DomainError as err:
            _form_error(request, form, err)
        else:
            messages.success(request, _("Published: bidding is open."))
            return redirect("trading:project", pk=project.pk)
    return render(request, "trading/publish_form.html", {"form": form, "project": project, "law": law})


@login_required
def notice_add(request, pk):
    project = _access(services.access_project, request.user, pk, perm="trading.publish_notice")
    form = NoticeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                notice = services.publish_notice(
                    actor=request.user, project=project, kind=data["kind"], title=data["title"], body=data["body"],
                    changes_bids=data["changes_bids"], new_deadline=data["new_deadline"],
                )
                if data["file"]:
                    services.add_document(actor=request.user, project=project, title=data["file"].name,
                                          uploaded_file=data["file"], notice=notice)
        except DomainError as err:
            _form_error(request, form, err)
        else:
            messages.success(request, _("Notice published to every bidder."))
            return redirect("trading:project", pk=project.pk)
    return render(request, "trading/notice_form.html", {"form": form, "project": project})


@login_required
@require_POST
def lot_transition(request, pk):
    lot = _access(services.access_lot, request.user, pk, perm="trading.transition_lot")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was not valid: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("trading:project", pk=lot.project_id)
    try:
        services.transition_lot(actor=request.user, lot=lot, name=form.cleaned_data["name"],
                                reason=form.cleaned_data["reason"], award_price=form.cleaned_data["award_price"])
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Done: the lot is now “%(state)s”.") % {"state": LotState(lot.state).label})
    return redirect("trading:project", pk=lot.project_id)


@login_required
def audit_trail(request):
    if not rules.has_perm("trading.view_audit_list", request.user):
        raise PageRefused(_("Only supervisors and trading-center staff read the audit trail."))
    project = None
    if request.GET.get("project"):
        try:
            project_id = int(request.GET["project"])
        except ValueError:
            raise PageNotFound(_("No such project.")) from None
        project = _access(services.access_project, request.user, project_id, perm="trading.view_audit")
    events = selectors.audit_events(request.user, project=project, action_prefix=request.GET.get("action", ""))
    page = selectors.numbered_page(events, request.GET.get("page"))
    return render(request, "trading/audit.html", {
        "page": page, "project": project,
        "projects": selectors.workspace_projects(request.user),
        "action": request.GET.get("action", ""),
    })


def document_download(request, pk):
    document = get_object_or_404(Document.objects.select_related("project"), pk=pk)
    if not rules.has_perm("trading.download_document", request.user, document.project):
        raise PageNotFound(_("No such document."))
    if request.user.is_authenticated:
        services.record_download(actor=request.user, document=document)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])


