"""Asking once before an action that cannot be undone, with or without the page's scripts.

A form that takes such an action carries its question (`{% confirm_attrs question %}`: the
title, what will happen, the button's words). In a browser with scripts the site's dialog
(frontend/js/src/confirm.js) asks it and, on yes, posts the form with `confirmed=yes`. A post
without that field (no scripts, or a form posted by hand) is answered by the confirmation page
(`ask`): the same question in the same words, and the same fields with `confirmed=yes`. So the
server takes the action only once the person has said yes, whichever way the form was sent."""

from dataclasses import dataclass

from django.shortcuts import render
from django.utils.translation import gettext as _

FIELD = "confirmed"
YES = "yes"


def for_good(consequence) -> str:
    """What an action does, and that it cannot be undone."""
    return _("%(consequence)s This cannot be undone.") % {"consequence": consequence}


@dataclass(frozen=True)
class Question:
    title: str  # "Withdraw your bid?"
    consequence: str  # what will happen, and that it cannot be undone
    action: str  # the words of the button that does it
    facts: tuple = ()  # (label, value) pairs the confirmation page shows: what the form says


def confirmed(request) -> bool:
    return request.POST.get(FIELD) == YES


def ask(request, question: Question, *, back: str):
    """The confirmation page for this POST: its fields again, with `confirmed=yes`. Nothing is done."""
    fields = [(name, value) for name, values in request.POST.lists() if name not in (FIELD, "csrfmiddlewaretoken")
              for value in values]
    return render(request, "confirm.html", {"question": question, "fields": fields, "action_url": request.path,
                                            "back": back, "field": FIELD, "yes": YES})
