"""The expert's pages: 我的评标邀请 (their own seats) and the answer to one of them.

Thin: the list comes from evaluation.seats, the answer from evaluation.answers.answer, asked once
before it is sent (trading.confirming): neither answer can be taken back."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trading import confirming
from trading.choices import Role
from trading.errors import DomainError, NotFound, PageNotFound, PageRefused
from trading.formats import zoned_text

from . import answers
from .seats import Seat, my_seats

CONFIRM, DECLINE = "confirm", "decline"


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[(CONFIRM, CONFIRM), (DECLINE, DECLINE)])
    reason = forms.CharField(label=gettext_lazy("Why you decline"), required=False, max_length=500)


def confirm_question(seat: Seat) -> confirming.Question:
    consequence = _("You commit to evaluate this lot from %(at)s, %(place)s. Your name stays secret until the "
                    "result is published.") % {"at": zoned_text(seat.draw.evaluation_at, "min"), "place": seat.place}
    return confirming.Question(title=_("Confirm that you will evaluate %(lot)s?") % {"lot": seat.lot},
                               consequence=confirming.for_good(consequence), action=_("Confirm attendance"))


def decline_question(seat: Seat) -> confirming.Question:
    consequence = _("Your seat goes to another expert drawn at random.")
    return confirming.Question(title=_("Decline the invitation to evaluate %(lot)s?") % {"lot": seat.lot},
                               consequence=confirming.for_good(consequence), action=_("Decline"))


def _expert_only(user):
    if getattr(user, "role", None) != Role.EXPERT:
        raise PageRefused(_("This page is for evaluation experts."))


@login_required
def invitations(request):
    """我的评标邀请: the expert's own seats, the ones to answer first, each counted down."""
    _expert_only(request.user)
    seats = my_seats(request.user, timezone.now())
    for seat in seats:
        seat.confirm_question, seat.decline_question = confirm_question(seat), decline_question(seat)
    return render(request, "evaluation/invitations.html", {"seats": seats})


@login_required
@require_POST
def answer(request, member_id):
    _expert_only(request.user)
    back = reverse("evaluation:invitations")
    seat = next((s for s in my_seats(request.user, timezone.now()) if s.member.pk == member_id), None)
    if seat is None:
        raise PageNotFound(_("No such invitation."))
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to confirm or to decline."))
        return redirect(f"{back}#seat-{member_id}")
    accept = form.cleaned_data["answer"] == CONFIRM
    reason = form.cleaned_data["reason"].strip()
    if not accept and not reason:
        messages.error(request, _("Say why you decline: the reason is kept with the draw's record."))
        return redirect(f"{back}#seat-{member_id}")
    if not confirming.confirmed(request):
        return confirming.ask(request, confirm_question(seat) if accept else decline_question(seat), back=back)
    try:
        answers.answer(request.user, member_id, accept=accept, reason=reason)
    except NotFound as err:
        raise PageNotFound(err.message) from err
    except DomainError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("You confirmed: you will evaluate %(lot)s.") % {"lot": seat.lot} if accept
                         else _("You declined the invitation to evaluate %(lot)s.") % {"lot": seat.lot})
    return redirect(f"{back}#seat-{member_id}")

