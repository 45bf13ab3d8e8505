"""An expert's own seats on committees: the invitations page's list and the workspace's section.

An expert reads only their own seats: the lot, the time and place of the evaluation, the answer's
deadline and their answer, and the committee's size. Never who else sits on it, nor how many
declined or were replaced (招标投标法 第四十四条)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from trading.choices import Role
from trading.formats import local_text
from trading.workspace import Link, Section, Task

from .answers import ANSWERING
from .choices import MemberState
from .models import CommitteeMember
from .notify import place_text


@dataclass
class Seat:
    member: CommitteeMember
    may_answer: bool  # awaiting an answer, before its deadline, the lot still being evaluated
    late: bool  # awaiting an answer past its deadline: the task worker gives it up

    @property
    def draw(self):
        return self.member.draw

    @property
    def lot(self):
        return self.member.draw.lot

    @property
    def place(self) -> str:
        return place_text(self.member.draw)


def _seats(user):
    return (CommitteeMember.objects.filter(expert__user=user)
            .select_related("draw", "draw__lot", "draw__lot__project", "draw__lot__project__center"))


def my_seats(user, now) -> list[Seat]:
    """The expert's seats: those awaiting an answer first (soonest deadline first), then the
    others, latest first."""
    if getattr(user, "role", None) != Role.EXPERT:
        return []
    seats = []
    for member in _seats(user):
        waiting = member.state == MemberState.NOTIFIED
        seats.append(Seat(member, may_answer=waiting and now < member.answer_due and member.draw.lot.state in ANSWERING,
                          late=waiting and now >= member.answer_due))
    seats.sort(key=lambda s: (not s.may_answer, s.member.answer_due.timestamp() if s.may_answer
                              else -s.member.notified_at.timestamp()))
    return seats


def workspace_sections(user, now) -> list[Section]:
    """An expert's workspace: the invitations awaiting their answer, each counted down."""
    if getattr(user, "role", None) != Role.EXPERT:
        return []
    url = reverse("evaluation:invitations")
    tasks = [
        Task(seat.lot, _("You are drawn to evaluate this lot, starting %(at)s (Beijing time), %(place)s. "
                         "Confirm or decline by %(due)s (Beijing time).")
             % {"at": local_text(seat.draw.evaluation_at, "min"), "place": seat.place,
                "due": local_text(seat.member.answer_due, "min")},
             [Link(_("Answer the invitation"), f"{url}#seat-{seat.member.pk}", True)],
             countdown_to=seat.member.answer_due)
        for seat in my_seats(user, now) if seat.may_answer
    ]
    return [Section("invitations", _("Evaluation invitations awaiting your answer"), tasks,
                    _("No invitation to evaluate is waiting for your answer."), order=10)]
