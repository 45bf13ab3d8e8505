"""Thin views: parse, call one service, render. Rules and permissions live in services."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

import rules

from . import confirming, formats, law, lifecycle, lot_services, selectors, services, workspace
from .choices import LotState
from .errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied
from .formkit import quiet, with_one_more_row
from .forms import BidderRegistrationForm, DocumentForm, LotFormSet, NoticeForm, ProjectForm, PublishForm, TransitionForm
from .models import Document
from .rules import is_bidder


def _access(fn, *args, **kwargs):
    """Call an access_* service, turning its refusals into HTTP 404 / 403."""
    try:
        return fn(*args, **kwargs)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except PermissionDenied as err:
        raise PageRefused(err.message) from err


def _form_error(request, form, err: DomainError):
    """A service's refusal on the form: beside the field it names, else above the form."""
    if isinstance(err, PermissionDenied):
        raise PageRefused(err.message)
    form.add_error(err.field if err.field in form.fields else None, err.message)


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
    """我的工作台: what needs doing now (trading.workspace: the sections each floor adds for this
    person), then the projects this person works on, each lot with its state and, for a bidder,
    its own bid and the link to it."""
    now = timezone.now()
    sections = workspace.sections(request.user, now)
    projects = list(selectors.workspace_projects(request.user))
    notes = workspace.lot_notes(request.user, [lot for p in projects for lot in p.lots.all()], now)
    for project in projects:
        for lot in project.lots.all():
            lot.note = notes.get(lot.pk)
    return render(request, "trading/dashboard.html", {
        "projects": projects, "sections": sections,
        "is_bidder": is_bidder(request.user),
        "may_add": rules.has_perm("trading.add_project", request.user),
        "may_audit": rules.has_perm("trading.view_audit_list", request.user),
    })


def _lot_rows(data, *, add_row: bool, **kwargs):
    """The lots formset; with `add_row` (the "add a lot" submit of a page without script), the
    same rows as typed and one more, numbered next."""
    lots = LotFormSet(data, prefix="lots", **kwargs)
    if add_row:
        lots = LotFormSet(with_one_more_row(data, "lots", number=lots.next_number()), prefix="lots", **kwargs)
    return lots


@login_required
def project_create(request):
    if not rules.has_perm("trading.add_project", request.user):
        raise PageRefused(_("You may not register projects."))
    data = request.POST if request.method == "POST" else None
    add_row = data is not None and "add_lot" in data
    form = ProjectForm(data, user=request.user)
    lots = _lot_rows(data, add_row=add_row, category=data.get("category") if data else None, initial=[{"number": 1}])
    if add_row:
        form = ProjectForm(lots.data, user=request.user)
        quiet(form, lots)
    elif data is not None and all([form.is_valid(), lots.is_valid()]):
        values = dict(form.cleaned_data)
        center = values.pop("center")
        try:
            project = services.create_project(actor=request.user, center=center,
                                              lots=[row.values() for row in lots.kept_forms()], **values)
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
        offered = [t for t in lifecycle.available(lot, role) if t.name != "publish"] if may_transition else []
        lot.actions = [(t, _transition_question(t, lot)) for t in offered]
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
    """A draft's fields and its lots, on one page: lots added, changed and removed in one save."""
    project = _access(services.access_project, request.user, pk, perm="trading.change_project")
    data = request.POST if request.method == "POST" else None
    add_row = data is not None and "add_lot" in data
    lots = _lot_rows(data, add_row=add_row, instance=project, queryset=project.lots.drafts().order_by("number"),
                     category=project.category, fixed_numbers=project.lots.not_draft().values_list("number", flat=True))
    form = ProjectForm(lots.data if add_row else data, instance=project, user=request.user)
    form.fields.pop("center")
    if add_row:
        quiet(form, lots)
    elif data is not None and all([form.is_valid(), lots.is_valid()]):
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        project.refresh_from_db()
        kept = lots.kept_forms()
        try:
            with transaction.atomic():  # the project and its lots together, or neither
                if changed:
                    services.update_project(actor=request.user, project=project, **changed)
                lot_services.save_lots(
                    actor=request.user, project=project,
                    changed=[(row.instance, row.values()) for row in kept if row.instance.pk and row.has_changed()],
                    added=[row.values() for row in kept if not row.instance.pk],
                    removed=lots.removed_lots(),
                )
        except DomainError as err:
            _form_error(request, form, err)
        else:
            messages.success(request, _("Saved."))
            return redirect("trading:project", pk=project.pk)
    return render(request, "trading/project_edit.html", {"form": form, "lots": lots, "project": project,
                                                         "fixed_lots": project.lots.not_draft().order_by("number")})


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


def _transition_question(transition, lot, *, reason: str = "", award_price=None) -> confirming.Question:
    """What staff are asked before a transition (the dialog on the project page, or the
    confirmation page without scripts): every transition offered there is for good."""
    facts = []
    if reason:
        facts.append((_("Reason"), reason))
    if award_price is not None:
        facts.append((_("Award price"), formats.yuan(award_price)))
    return confirming.Question(
        title=_("%(action)s: %(lot)s?") % {"action": transition.label, "lot": lot},
        consequence=confirming.for_good(transition.consequence),
        action=str(transition.label), facts=tuple(facts))


@login_required
@require_POST
def lot_transition(request, pk):
    lot = _access(services.access_lot, request.user, pk, perm="trading.transition_lot")
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was not valid: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("trading:project", pk=lot.project_id)
    taken = {"name": form.cleaned_data["name"], "reason": form.cleaned_data["reason"],
             "award_price": form.cleaned_data["award_price"]}
    try:
        if not confirming.confirmed(request):
            # Asked only for what can be taken now: a refusal is said at once, not after a yes.
            transition = services.check_transition(actor=request.user, lot=lot, **taken)
            return confirming.ask(request, _transition_question(transition, lot, reason=taken["reason"],
                                                                award_price=taken["award_price"]),
                                  back=reverse("trading:project", args=[lot.project_id]))
        lot = services.transition_lot(actor=request.user, lot=lot, **taken)
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


