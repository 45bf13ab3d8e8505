"""The pages after the report: a lot's result page and its files, the objections in publicity, the contract.

Thin: each reads evaluation.results or calls one service (evaluation.objections,
evaluation.awarding); who may read or do what is evaluation.rules', checked again in the
services. Actions that cannot be undone are asked once first (trading.confirming)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

import rules

from trading import confirming
from trading.errors import DomainError, NotFound, PageNotFound, PageRefused, PermissionDenied
from trading.formats import yuan
from trading.money_field import MoneyField
from trading.services import access_lot

from . import objections as objection_services
from . import results
from .awarding import record_contract
from .models import Award, PublicityObjection
from .objections import MAX_TEXT, publicity_refusal
from .pool_forms import DateInput


def _lot(user, lot_id):
    """The lot, if this person may read its tender; else 404."""
    try:
        return access_lot(user, lot_id)
    except (NotFound, PermissionDenied) as err:
        raise PageNotFound(err.message) from err


def _shown_lot(user, lot_id):
    lot = _lot(user, lot_id)
    if not results.has_result(lot):
        raise PageNotFound(_("No result is published for this lot yet."))
    return lot


def result(request, lot_id):
    """中标结果: the candidates in publicity, then the award, the committee and the scores file."""
    lot = _shown_lot(request.user, lot_id)
    return render(request, "evaluation/result.html", {"lot": lot, "project": lot.project,
                                                      "result": results.read(request.user, lot)})


def scores_json(request, lot_id):
    """The scores file: published after the award, for anyone to recompute."""
    lot = _lot(request.user, lot_id)
    room = results.scores_room(lot)
    if room is None:
        raise PageNotFound(_("The scores are published after the award, for a lot a committee evaluated."))
    response = HttpResponse(results.scores_file(room), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scores-{lot.project.code}-{lot.number}.json"'
    return response


@login_required
def award_notice(request, lot_id):
    """中标通知书 (PDF): the winner's, and the center's, supervisors' and tenderee's copy."""
    lot = _lot(request.user, lot_id)
    award = Award.objects.filter(lot=lot).first()
    if award is None or not award.notice_pdf:
        raise PageNotFound(_("This lot has no award notice."))
    if not rules.has_perm("evaluation.download_award_notice", request.user, lot):
        raise PageRefused(_("The award notice is for the winning bidder, the tenderee and the trading center."))
    response = HttpResponse(bytes(award.notice_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="award-notice-{lot.project.code}-{lot.number}.pdf"'
    return response


# --- objections ---------------------------------------------------------------------------------


class ObjectionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Your objection"), max_length=MAX_TEXT,
                           widget=forms.Textarea(attrs={"rows": 5}))


class AnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("Answer"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}))


def _raise_question(lot) -> confirming.Question:
    return confirming.Question(
        title=_("Raise an objection to the candidates of %(lot)s?") % {"lot": lot},
        consequence=confirming.for_good(_("The center's staff answer it within %(days)d days; the award waits for "
                                          "the answer.") % {"days": objection_services.ANSWER_DAYS}),
        action=_("Raise the objection"))


def _answer_question(objection) -> confirming.Question:
    return confirming.Question(
        title=_("Answer the objection of %(bidder)s?") % {"bidder": objection.organization.name},
        consequence=confirming.for_good(_("The bidder reads the answer at once; it is kept in the record.")),
        action=_("Send the answer"))


@login_required
def objection_list(request, lot_id):
    """异议: a bidder's own objections and the form to raise one during the publicity; all of them
    for the lot's center staff (who answer) and the supervisors over it (who read)."""
    lot = _shown_lot(request.user, lot_id)
    if not rules.has_perm("evaluation.read_objections", request.user, lot):
        raise PageRefused(_("Objections to the candidates are read by the bidders who raised them, the lot's center "
                            "staff and its supervisors."))
    now = timezone.now()
    may_raise = rules.has_perm("evaluation.raise_objection", request.user, lot) and publicity_refusal(lot, now) is None
    may_answer = rules.has_perm("evaluation.answer_objection", request.user, lot)
    rows = list(objection_services.readable(request.user, lot))
    for row in rows:
        row.late = row.answered_at is None and now > row.answer_due
        row.question = _answer_question(row) if may_answer and row.answered_at is None else None
    return render(request, "evaluation/objections.html", {
        "lot": lot, "project": lot.project, "objections": rows, "may_raise": may_raise, "may_answer": may_answer,
        "form": ObjectionForm() if may_raise else None, "answer_form": AnswerForm(),
        "raise_question": _raise_question(lot), "why_not": publicity_refusal(lot, now),
        "answer_days": objection_services.ANSWER_DAYS, "citation": objection_services.CITATION,
    })


@login_required
@require_POST
def objection_raise(request, lot_id):
    lot = _shown_lot(request.user, lot_id)
    back = reverse("evaluation:objections", args=[lot.pk])
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your objection (at most %(n)d characters).") % {"n": MAX_TEXT})
        return redirect(back)
    try:
        if not confirming.confirmed(request):
            if not rules.has_perm("evaluation.raise_objection", request.user, lot):
                raise PermissionDenied(_("Only a bidder of this lot raises an objection to its candidates."))
            refused = publicity_refusal(lot, timezone.now())
            if refused:
                messages.error(request, refused)
                return redirect(back)
            return confirming.ask(request, _raise_question(lot), back=back)
        objection_services.raise_objection(actor=request.user, lot_id=lot.pk, text=form.cleaned_data["text"])
    except PermissionDenied as err:
        raise PageRefused(err.message) from err
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Your objection is recorded; the answer is due within %(days)d days.")
                         % {"days": objection_services.ANSWER_DAYS})
    return redirect(back)


@login_required
@require_POST
def objection_answer(request, objection_id):
    objection = PublicityObjection.objects.select_related("lot", "organization").filter(pk=objection_id).first()
    if objection is None or not rules.has_perm("evaluation.read_objections", request.user, objection.lot):
        raise PageNotFound(_("No such objection."))
    back = reverse("evaluation:objections", args=[objection.lot_id]) + f"#objection-{objection.pk}"
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write the answer (at most %(n)d characters).") % {"n": MAX_TEXT})
        return redirect(back)
    try:
        if not confirming.confirmed(request):
            if not rules.has_perm("evaluation.answer_objection", request.user, objection.lot):
                raise PermissionDenied(_("Only the lot's own center staff answer an objection."))
            if objection.answered_at is not None:
                messages.error(request, _("This objection is answered already."))
                return redirect(back)
            return confirming.ask(request, _answer_question(objection), back=back)
        objection_services.answer_objection(actor=request.user, objection_id=objection.pk,
                                            answer=form.cleaned_data["answer"])
    except PermissionDenied as err:
        raise PageRefused(err.message) from err
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("The answer is sent and recorded."))
    return redirect(back)


# --- the contract -----------------------------------------------------------------------------


class ContractForm(forms.Form):
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), widget=DateInput())
    amount = MoneyField(label=gettext_lazy("Contract amount"), min_value=None)


def _contract_question(lot, data) -> confirming.Question:
    return confirming.Question(
        title=_("Record the contract of %(lot)s?") % {"lot": lot},
        consequence=confirming.for_good(_("The contract is recorded with this date and amount, and the lot is "
                                          "contracted.")),
        action=_("Record the contract"),
        facts=((_("Signed on"), data["signed_on"].isoformat()), (_("Contract amount"), yuan(data["amount"]))))


@login_required
def contract(request, lot_id):
    """签订合同: the lot's center staff record the signed contract's date and amount."""
    lot = _lot(request.user, lot_id)
    if not rules.has_perm("evaluation.record_contract", request.user, lot):
        raise PageRefused(_("Only the lot's own center staff record its contract."))
    if not results.is_awarded(lot):
        raise PageNotFound(_("This lot is not awarded: there is no contract to record."))
    form = ContractForm(request.POST or None, initial={"amount": lot.award_price})
    if request.method == "POST" and lot.state == "awarded" and form.is_valid():
        try:
            if not confirming.confirmed(request):
                return confirming.ask(request, _contract_question(lot, form.cleaned_data),
                                      back=reverse("evaluation:contract", args=[lot.pk]))
            record_contract(actor=request.user, lot_id=lot.pk, **form.cleaned_data)
        except PermissionDenied as err:
            raise PageRefused(err.message) from err
        except DomainError as err:
            form.add_error(err.field if err.field in form.fields else None, err.message)
        else:
            messages.success(request, _("The contract is recorded: the lot is contracted."))
            return redirect("evaluation:result", lot_id=lot.pk)
    return render(request, "evaluation/contract.html", {"lot": lot, "project": lot.project, "form": form,
                                                        "result": results.read(request.user, lot)})
