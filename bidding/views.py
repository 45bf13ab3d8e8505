"""Pages for sealed bids and the opening hall.

Pages for sealed bids: the bidder's bid page, the custodian's key, the staff's sealing
rules, key ceremony and bid security. Thin: one service each (receipts: receipt_views.py)."""

import base64
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rules import has_perm

from trading import confirming, lifecycle
from trading.formats import local_text, money
from trading.errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied
from trading.formkit import quiet, with_one_more_row
from trading.models import Lot, Project
from trading.services import access_project

from . import bid_access, services, upload
from . import my_bids as my_bids_service
from . import ceremony as ceremony_services
from . import security as security_services
from .forms import ITEM_TYPES, BidSecurityForm, InviteCustodiansForm, TenderRulesForm, opening_items
from .models import BidderKey, BidSecurity, CustodianKey, CustodianShare, KeyCeremony
from .rules import check


def _lot_or_404(lot_id) -> Lot:
    lot = Lot.objects.not_draft().select_related("project", "project__center").filter(pk=lot_id).first()
    if lot is None:
        raise PageNotFound(_("No such lot."))
    return lot


def _json_error(err: DomainError):
    status = 404 if isinstance(err, NotFound) else 403 if isinstance(err, PermissionDenied) else 400
    return JsonResponse({"error": str(err.message)}, status=status, json_dumps_params={"ensure_ascii": False})


def _page_check(user, perm, obj=None, message=None):
    """A page's refusal, as Django's (403), from the same check the services make."""
    try:
        check(user, perm, obj, message=message)
    except PermissionDenied as err:
        raise PageRefused(err.message) from err


# --- the bidder ------------------------------------------------------------------------------


@login_required
def my_bids(request):
    """我的投标: every lot the bidder's organization is in, where it stands, and what to do next."""
    _page_check(request.user, "bidding.seal_bid", message=_("This page is for bidders."))
    sections = my_bids_service.my_sections(actor=request.user, now=timezone.now())
    return render(request, "bidding/my_bids.html", {"sections": sections})


@login_required
def bid_page(request, lot_id):
    _page_check(request.user, "bidding.seal_bid", message=_("The bid page is for bidders."))
    lot = _lot_or_404(lot_id)
    project = lot.project
    lifecycle.sync_clock(project, timezone.now())
    lot.refresh_from_db()
    rules = services.sealing_rules(project)
    key = BidderKey.objects.filter(project=project, organization=request.user.organization).first()
    ceremony = KeyCeremony.objects.filter(project=project).first()
    try:
        recipients = upload.sealing_recipients(actor=request.user, lot=lot)
    except DomainError as err:
        recipients, recipients_problem = [], err.message
    else:
        recipients_problem = ""
    versions = bid_access.my_bids(actor=request.user, lot=lot)
    counting = next((v for v in versions if v.state == "complete"), None)
    security = BidSecurity.objects.filter(lot=lot, organization=request.user.organization).first()
    return render(request, "bidding/bid_page.html", {
        "lot": lot, "project": project, "rules": rules, "key": key, "ceremony": ceremony,
        "recipients": recipients, "recipients_problem": recipients_problem,
        "versions": versions, "counting": counting,
        "withdraw_question": _withdraw_question(lot, counting.version if counting else None),
        "open": project.bidding_open(timezone.now()), "security": security,
        "params_json": json.dumps(_sealing_params(lot, rules, ceremony), ensure_ascii=False),
    })


def _sealing_params(lot, rules, ceremony) -> dict:
    return {
        "project": lot.project.code, "lot": lot.number, "lot_id": lot.pk,
        "deadline": lot.project.bid_deadline.isoformat() if lot.project.bid_deadline else None,
        "opening_recipient": ceremony.opening_recipient if ceremony and ceremony.complete else None,
        "bidders_decrypt": rules.bidders_decrypt, "max_file_bytes": rules.max_file_bytes, "max_files": rules.max_files,
        "declared_items": rules.declared_items,
    }


@login_required
def sealing_params(request, lot_id):
    """The parameters the command-line sealer needs (`manage.py seal --params`)."""
    lot = _lot_or_404(lot_id)
    rules = services.sealing_rules(lot.project)
    ceremony = KeyCeremony.objects.filter(project=lot.project).first()
    response = JsonResponse(_sealing_params(lot, rules, ceremony), json_dumps_params={"ensure_ascii": False, "indent": 1})
    response["Content-Disposition"] = f'attachment; filename="sealing-{lot.project.code}-lot{lot.number}.json"'
    return response


@login_required
@require_POST
def register_key(request, lot_id):
    lot = _lot_or_404(lot_id)
    try:
        payload = json.loads(request.body or b"{}")
        key = upload.register_bidder_key(actor=request.user, lot=lot, recipient=str(payload.get("recipient", "")))
    except ValueError:
        return JsonResponse({"error": _("Send JSON: {\"recipient\": \"age1…\"}.")}, status=400)
    except DomainError as err:
        return _json_error(err)
    return JsonResponse({"recipient": key.recipient, "registered_at": key.registered_at.isoformat()})


def _withdraw_question(lot, version) -> confirming.Question:
    """What a bidder is asked before withdrawing (the bid page's dialog, or the confirmation page)."""
    consequence = _("Your bid stops counting and you get a receipt for the withdrawal. Unless you upload a new bid "
                    "before the deadline, %(deadline)s (Beijing time), your organization takes no part in this lot.") % {
        "deadline": local_text(lot.project.bid_deadline)}
    if version:
        consequence = _("Version %(version)d: %(consequence)s") % {"version": version, "consequence": consequence}
    return confirming.Question(title=_("Withdraw your bid for %(lot)s?") % {"lot": lot},
                               consequence=confirming.for_good(consequence), action=_("Withdraw my bid"))


@login_required
@require_POST
def withdraw(request, lot_id):
    lot = _lot_or_404(lot_id)
    if not confirming.confirmed(request):
        _page_check(request.user, "bidding.seal_bid", message=_("The bid page is for bidders."))
        counting = bid_access.my_bids(actor=request.user, lot=lot)
        version = next((v.version for v in counting if v.state == "complete"), None)
        return confirming.ask(request, _withdraw_question(lot, version), back=reverse("bidding:bid_page", args=[lot.pk]))
    try:
        document = upload.withdraw_bid(actor=request.user, lot=lot)
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Your bid is withdrawn (receipt %(id)s).") % {"id": document["receipt"]["receipt_id"]})
    return redirect("bidding:bid_page", lot_id=lot.pk)


@login_required
def sealed_download(request, file_id):
    try:
        sealed, handle = bid_access.open_sealed_file(actor=request.user, file_id=file_id)
    except DomainError as err:
        raise PageNotFound(err.message) from err
    return FileResponse(handle, as_attachment=True, filename=f"{sealed.name}.age")


# --- the custodian ---------------------------------------------------------------------------


@login_required
def custodian_home(request):
    _page_check(request.user, "bidding.view_custodian_page")
    key = CustodianKey.objects.filter(user=request.user).first()
    shares = CustodianShare.objects.filter(custodian=request.user).select_related("ceremony__project").order_by("-ceremony__invited_at")
    return render(request, "bidding/custodian.html", {"key": key, "shares": shares})


@login_required
@require_POST
def custodian_register_key(request):
    try:
        payload = json.loads(request.body or b"{}")
        key = ceremony_services.register_custodian_key(actor=request.user, recipient=str(payload.get("recipient", "")))
    except ValueError:
        return JsonResponse({"error": _("Send JSON: {\"recipient\": \"age1…\"}.")}, status=400)
    except DomainError as err:
        return _json_error(err)
    return JsonResponse({"recipient": key.recipient})


# --- the trading center's staff --------------------------------------------------------------


def _staff_project(request, pk) -> Project:
    try:
        project = access_project(request.user, pk)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    _page_check(request.user, "bidding.view_sealing_setup", project)
    return project


def _sealing_page(request, project, *, rules_form=None, items=None, invite=None, security_forms=None):
    """The staff's sealing page, with any form just posted shown again as typed, its errors
    beside its fields (the others fresh)."""
    rules = services.sealing_rules(project)
    ceremony = KeyCeremony.objects.filter(project=project).first()
    if invite is None:
        invited = list(ceremony.shares.values_list("custodian_id", flat=True)) if ceremony else []
        invite = InviteCustodiansForm(initial={"k": rules.custodians_k, "custodians": invited})
    lots = list(project.lots.order_by("number"))
    for lot in lots:  # one form a lot, its ids its own (the names stay those the service reads)
        lot.security_form = (security_forms or {}).get(lot.pk) or BidSecurityForm(auto_id=f"id_lot{lot.pk}_%s")
    types = dict(ITEM_TYPES)
    return render(request, "bidding/sealing_setup.html", {
        "project": project, "rules": rules,
        "shown_items": [{**item, "type_label": types.get(item.get("type"), item.get("type"))} for item in rules.declared_items],
        "form": rules_form or TenderRulesForm(instance=rules),
        "items": items or opening_items(items=rules.declared_items),
        "draft": has_perm("bidding.set_sealing_rules", request.user, project),  # else the rules show as fixed
        "ceremony": ceremony, "invite": invite, "lots": lots,
        "securities": security_services.securities_shown(project),
    })


@login_required
def sealing_setup(request, pk):
    """The staff's sealing page. A GET only reads (the rules not saved yet show as their
    defaults, unsaved); saving is one service call, which checks and records it. "Add a
    column" without script posts the page and it comes back with one more row."""
    project = _staff_project(request, pk)
    if request.method != "POST":
        return _sealing_page(request, project)
    rules = services.sealing_rules(project)
    data = request.POST
    if "add_item" in data:
        total = int(data.get("items-TOTAL_FORMS") or 0)
        data = with_one_more_row(data, "items", ORDER=total + 1, type="text", required="on")
    form = TenderRulesForm(data, instance=rules)
    items = opening_items(data, items=rules.declared_items)
    if "add_item" in data:
        quiet(form, items)
    elif all([form.is_valid(), items.is_valid()]):
        try:
            services.update_rules(actor=request.user, project=project, declared_items=items.items(), **form.values())
        except DomainError as err:
            if isinstance(err, PermissionDenied):
                raise PageRefused(err.message) from err
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, _("The sealing rules are saved."))
            return redirect("bidding:sealing_setup", pk=project.pk)
    return _sealing_page(request, project, rules_form=form, items=items)


@login_required
@require_POST
def invite_custodians(request, pk):
    project = _staff_project(request, pk)
    form = InviteCustodiansForm(request.POST)
    if form.is_valid():
        try:
            ceremony_services.invite_custodians(actor=request.user, project=project,
                                                custodians=list(form.cleaned_data["custodians"]), k=form.cleaned_data["k"])
        except DomainError as err:
            if isinstance(err, PermissionDenied):
                raise PageRefused(err.message) from err
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, _("Custodians invited. Deal the opening key now."))
            return redirect("bidding:sealing_setup", pk=project.pk)
    return _sealing_page(request, project, invite=form)


@login_required
def ceremony(request, pk):
    """The dealing page: this browser generates the opening identity, splits it, encrypts each
    share to its custodian, and sends only the recipient and the encrypted shares."""
    project = _staff_project(request, pk)
    if request.method == "POST":
        try:
            payload = json.loads(request.body or b"{}")
            shares = {int(s["custodian"]): base64.b64decode(s["age"], validate=True) for s in payload["shares"]}
            done = ceremony_services.complete_ceremony(actor=request.user, project=project,
                                                       opening_recipient=str(payload["opening_recipient"]), shares=shares)
        except (ValueError, KeyError, TypeError):
            return JsonResponse({"error": _("Malformed ceremony result.")}, status=400)
        except DomainError as err:
            return _json_error(err)
        return JsonResponse({"opening_recipient": done.opening_recipient, "dealt_at": done.dealt_at.isoformat()})
    try:
        custodians = ceremony_services.ceremony_recipients(actor=request.user, project=project)
    except DomainError as err:
        messages.error(request, err.message)
        return redirect("bidding:sealing_setup", pk=project.pk)
    ceremony_row = KeyCeremony.objects.get(project=project)
    return render(request, "bidding/ceremony.html", {
        "project": project, "ceremony": ceremony_row,
        "custodians_json": json.dumps(custodians, ensure_ascii=False),
    })


@login_required
@require_POST
def record_security(request, lot_id):
    lot = Lot.objects.select_related("project").filter(pk=lot_id).first()
    if lot is None:
        raise Http404
    project = _staff_project(request, lot.project_id)
    form = BidSecurityForm(request.POST, auto_id=f"id_lot{lot.pk}_%s")
    if form.is_valid():
        try:
            security_services.record_bid_security(actor=request.user, lot=lot, **form.cleaned_data)
        except DomainError as err:
            if isinstance(err, PermissionDenied):
                raise PageRefused(err.message) from err
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, _("Bid security recorded: lot %(lot)s, %(bidder)s, %(amount)s yuan. Records are listed after the bid deadline.")
                             % {"lot": lot.number, "bidder": form.cleaned_data["organization"].name,
                                "amount": money(form.cleaned_data["amount"])})
            return redirect("bidding:sealing_setup", pk=lot.project_id)
    return _sealing_page(request, project, security_forms={lot.pk: form})
