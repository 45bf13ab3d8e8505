"""A bidder's workspace: the evaluation committee's questions to its organization still to answer."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trading.formats import local_text
from trading.rules import is_bidder
from trading.workspace import Link, Section, Task

from .room.questions import open_questions_of


def sections(user, now) -> list[Section]:
    """One task per lot with open questions, counted down to the earliest time to answer."""
    if not is_bidder(user):
        return []
    by_lot = {}
    for question in open_questions_of(user.organization_id, now):
        by_lot.setdefault(question.room.lot_id, []).append(question)
    tasks = []
    for questions in by_lot.values():
        lot, first = questions[0].room.lot, questions[0]
        summary = ngettext("The evaluation committee asks your organization %(n)d question about its bid: answer by "
                           "%(due)s (Beijing time).",
                           "The evaluation committee asks your organization %(n)d questions about its bid: answer the "
                           "first by %(due)s (Beijing time).", len(questions)) % {
            "n": len(questions), "due": local_text(first.answer_due, "min")}
        tasks.append(Task(lot, summary, [Link(_("Answer the committee"), reverse("evaluation:questions", args=[lot.pk]),
                                              True)], countdown_to=first.answer_due))
    if not tasks:
        return []  # a section only while there is something to answer
    return [Section("committee-questions", _("Questions from the evaluation committee"), tasks,
                    _("No question from an evaluation committee is waiting for your answer."), order=5)]
