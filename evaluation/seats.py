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
from .choices import SEATED, MemberState, RoomState
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

    @property
    def room(self):
        """The lot's evaluation room, when this seat is in it (seated, the room open, not final)."""
        room = getattr(self.member.draw.lot, "evaluation_room", None)
        if room is None or self.member.state not in SEATED or room.state == RoomState.FINAL:
            return None
        return room


def _seats(user):
    return (CommitteeMember.objects.filter(expert__user=user)
            .select_related("draw", "draw__lot", "draw__lot__project", "draw__lot__project__center",
                            "draw__lot__evaluation_room"))


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
    """An expert's workspace: the invitations awaiting their answer, each counted down, and the
    evaluation rooms they sit in."""
    if getattr(user, "role", None) != Role.EXPERT:
        return []
    url = reverse("evaluation:invitations")
    seats = my_seats(user, now)
    tasks = [
        Task(seat.lot, _("You are drawn to evaluate this lot, starting %(at)s (Beijing time), %(place)s. "
                         "Confirm or decline by %(due)s (Beijing time).")
             % {"at": local_text(seat.draw.evaluation_at, "min"), "place": seat.place,
                "due": local_text(seat.member.answer_due, "min")},
             [Link(_("Answer the invitation"), f"{url}#seat-{seat.member.pk}", True)],
             countdown_to=seat.member.answer_due)
        for seat in seats if seat.may_answer
    ]
    rooms = [
        Task(seat.lot, _("The evaluation room of this lot is open: sign in, declare your interests and elect the "
                         "committee's leader with the other members.") if seat.room.state == RoomState.GATHERING
             else _("The committee is evaluating this lot in its evaluation room."),
             [Link(_("Enter the evaluation room"), reverse("evaluation:room", args=[seat.lot.pk]), True)])
        for seat in seats if seat.room is not None
    ]
    return [Section("invitations", _("Evaluation invitations awaiting your answer"), tasks,
                    _("No invitation to evaluate is waiting for your answer."), order=10),
            Section("evaluation-rooms", _("My evaluation rooms"), rooms,
                    _("No evaluation room is open for you."), order=11)]
