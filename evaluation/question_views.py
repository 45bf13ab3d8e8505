"""The bidder's page of the evaluation committee's questions on one lot (澄清), and its answer.

Thin: evaluation.room.questions lists the organization's own questions and takes an answer,
asked once before it is sent (trading.confirming): an answer cannot be changed. The page names
the committee, never the member who asked."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trading import confirming
from trading.errors import DomainError, NotFound, PageNotFound
from trading.models import Lot

from .room import questions


class AnswerForm(forms.Form):
    answer = forms.CharField(label=gettext_lazy("Your answer"), max_length=questions.TEXT_MAX)


def answer_question_asked(lot) -> confirming.Question:
    return confirming.Question(
        title=_("Send your answer to the evaluation committee of %(lot)s?") % {"lot": lot},
        consequence=confirming.for_good(_("The committee reads your answer and it is kept in the evaluation's "
                                          "record; you cannot change it after.")),
        action=_("Send the answer"))


def _lot(lot_id):
    lot = Lot.objects.not_draft().select_related("project").filter(pk=lot_id).first()
    if lot is None:
        raise PageNotFound(_("No such lot."))
    return lot


@login_required
def question_list(request, lot_id):
    lot = _lot(lot_id)
    try:
        found = questions.bidder_questions(actor=request.user, lot_id=lot.pk)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    if not found:
        raise PageNotFound(_("The evaluation committee has asked your organization nothing on this lot."))
    return render(request, "evaluation/questions.html", {
        "lot": lot, "questions": found, "question": answer_question_asked(lot), "law": questions.LAW})


@login_required
@require_POST
def answer(request, lot_id, question_id):
    lot = _lot(lot_id)
    back = reverse("evaluation:questions", args=[lot.pk])
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write your answer (at most %(n)d characters).") % {"n": questions.TEXT_MAX})
        return redirect(f"{back}#question-{question_id}")
    if not confirming.confirmed(request):
        try:
            questions.bidder_questions(actor=request.user, lot_id=lot.pk)
        except NotFound as err:
            raise PageNotFound(err.message) from err
        return confirming.ask(request, answer_question_asked(lot), back=back)
    try:
        questions.answer_question(actor=request.user, question_id=question_id, answer=form.cleaned_data["answer"],
                                  lot_id=lot.pk)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Your answer is sent to the evaluation committee."))
    return redirect(f"{back}#question-{question_id}")
