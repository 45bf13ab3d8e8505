"""Pages for sealed bids and the opening hall.

Pages for sealed bids: the bidder's bid page, the custodian's key, the staff's sealing
rules, key ceremony and bid security, and the public receipt check. Thin: one service each."""

import base64
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST
from rules import has_perm

from trading import lifecycle
from trading.choices import Role
from trading.formats import money
from trading.errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied
from trading.models import Lot, Project
from trading.services import access_project

from . import bid_access, receipts, services, upload
from . import ceremony as ceremony_services
from . import hall as hall_services
from . import security as security_services
from .choices import Confirmation, HallState, OpeningOutcome, OpeningStatus
from .hall.events import HALL_EVENTS
from .forms import BidSecurityForm, InviteCustodiansForm, ReceiptVerifyForm, TenderRulesForm
from .models import BidderKey, BidSecurity, CustodianKey, CustodianShare, KeyCeremony, OpeningHall
from .rules import check, is_bidder


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
    security = BidSecurity.objects.filter(lot=lot, organization=request.user.organization).first()
    return render(request, "bidding/bid_page.html", {
        "lot": lot, "project": project, "rules": rules, "key": key, "ceremony": ceremony,
        "recipients": recipients, "recipients_problem": recipients_problem,
        "versions": versions, "counting": next((v for v in versions if v.state == "complete"), None),
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


@login_required
@require_POST
def withdraw(request, lot_id):
    lot = _lot_or_404(lot_id)
    try:
        document = upload.withdraw_bid(actor=request.user, lot=lot)
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Your bid is withdrawn (receipt %(id)s).") % {"id": document["receipt"]["receipt_id"]})
    return redirect("bidding:bid_page", lot_id=lot.pk)


@login_required
def receipt_download(request, receipt_id):
    try:
        document = bid_access.receipt_document(actor=request.user, receipt_id=receipt_id)
    except DomainError as err:
        raise PageNotFound(err.message) from err
    response = HttpResponse(json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt_id}.json"'
    return response


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


@login_required
def sealing_setup(request, pk):
    """The staff's sealing page. A GET only reads (the rules not saved yet show as their
    defaults, unsaved); saving is one service call, which checks and records it."""
    project = _staff_project(request, pk)
    rules = services.sealing_rules(project)
    draft = has_perm("bidding.set_sealing_rules", request.user, project)  # else the form shows as fixed
    form = TenderRulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and "save_rules" in request.POST and form.is_valid():
        try:
            services.update_rules(actor=request.user, project=project, **{f: form.cleaned_data[f] for f in form.Meta.fields})
        except DomainError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("Saved."))
            return redirect("bidding:sealing_setup", pk=project.pk)
    ceremony = KeyCeremony.objects.filter(project=project).first()
    invite = InviteCustodiansForm(initial={"k": rules.custodians_k})
    security_form = BidSecurityForm()
    return render(request, "bidding/sealing_setup.html", {
        "project": project, "form": form, "draft": draft, "ceremony": ceremony, "invite": invite,
        "security_form": security_form, "lots": project.lots.order_by("number"),
        "securities": security_services.securities_shown(project),
    })


@login_required
@require_POST
def invite_custodians(request, pk):
    project = _staff_project(request, pk)
    form = InviteCustodiansForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
    else:
        try:
            ceremony_services.invite_custodians(actor=request.user, project=project,
                                                custodians=list(form.cleaned_data["custodians"]), k=form.cleaned_data["k"])
        except DomainError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("Custodians invited. Deal the opening key now."))
    return redirect("bidding:sealing_setup", pk=project.pk)


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
    form = BidSecurityForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
    else:
        try:
            security_services.record_bid_security(actor=request.user, lot=lot, **form.cleaned_data)
        except DomainError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("Bid security recorded: lot %(lot)s, %(bidder)s, %(amount)s yuan. Records are listed after the bid deadline.")
                             % {"lot": lot.number, "bidder": form.cleaned_data["organization"], "amount": money(form.cleaned_data["amount"])})
    return redirect("bidding:sealing_setup", pk=lot.project_id)


# --- anyone ----------------------------------------------------------------------------------


def receipt_verify(request):
    """Anyone checks a receipt: valid or not, the fields that differ by name (never the values the
    platform holds), and whether the version still counts."""
    form = ReceiptVerifyForm(request.POST or None, request.FILES or None)
    verdict = None
    if request.method == "POST" and form.is_valid():
        verdict = bid_access.verify_receipt_file(form.cleaned_data["receipt"].read(256 * 1024))
    return render(request, "bidding/receipt_verify.html", {"form": form, "verdict": verdict})


def receipt_public_key(request):
    return HttpResponse(receipts.public_key_pem(receipts.platform_public_key()), content_type="application/x-pem-file")


# --- the opening hall ------------------------------------------------------------------------


def hall_page(request, lot_id):
    """The opening hall: anyone may watch, the public included. The page is a shell; the hall
    itself arrives over the WebSocket (bidding/consumers.py), where the server decides from
    the session what this visitor may see and do."""
    lot = _lot_or_404(lot_id)
    project = lot.project
    lifecycle.sync_clock(project, timezone.now())  # at or after the deadline, bidding closes now
    rules = services.sealing_rules(project)
    labels = {
        "state": {c.value: str(c.label) for c in HallState},
        "status": {c.value: str(c.label) for c in OpeningStatus},
        "outcome": {c.value: str(c.label) for c in OpeningOutcome if c.value},
        "confirmation": {c.value: str(c.label) for c in Confirmation},
        "kinds": {kind.name: str(kind.label) for kind in HALL_EVENTS},  # the log's names (trading.event_text's too)
        "role": {"host": _("Opening host"), "supervisor": pgettext("role", "Supervisor"),
                 "custodian": str(Role.CUSTODIAN.label), "bidder": str(Role.BIDDER.label), "public": _("Public viewer")},
    }
    items = [{"key": i["key"], "label": i.get("label", i["key"])}
             for i in rules.declared_items]
    organization = request.user.organization if is_bidder(request.user) else None
    return render(request, "bidding/hall.html", {
        "lot": lot, "project": project, "rules": rules, "organization": organization,
        "labels_json": json.dumps(labels, ensure_ascii=False), "items_json": json.dumps(items, ensure_ascii=False),
    })


def hall_record(request, lot_id):
    """The opening record (PDF), public once the opening has ended; its SHA-256 is the digest
    the hall announced."""
    lot = _lot_or_404(lot_id)
    hall = OpeningHall.objects.filter(lot=lot, state=HallState.ENDED).first()
    if hall is None or not hall.record_pdf:
        raise PageNotFound(_("The opening record is published once the opening has ended."))
    response = HttpResponse(bytes(hall.record_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="opening-record-{lot.project.code}-lot{lot.number}.pdf"'
    return response


@login_required
def hall_share(request, lot_id):
    """A key custodian's own encrypted share of the tender's opening key, to open in its
    browser with its key file at the opening."""
    try:
        blob = hall_services.custodian_share_file(actor=request.user, lot_id=lot_id)
    except DomainError as err:
        return _json_error(err)
    response = HttpResponse(blob, content_type="application/octet-stream")
    response["Content-Disposition"] = 'attachment; filename="opening-share.age"'
    response["Cache-Control"] = "no-store"
    return response
