"""A lot being evaluated, with a committee drawn and each member notified, for the answer tests.

`drawn(n=5)` makes a published tender at a city center under a province center (whose pool the
experts are in), its lot past the opening and in evaluation with `bidders` complete bids, and its
committee of `n` experts drawn by evaluation.draw_services, which notifies each member
(evaluation.answers.notify, through the member_drawn signal). `seat()` seats one more expert by
hand, for what the draw does not do on its own."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from evaluation import answers
from evaluation.draw_services import DrawRequest, draw_committee, set_up
from evaluation.models import CommitteeDraw, CommitteeMember, Expert
from tests.bidding.factories import complete_bids
from tests.evaluation.factories import ExpertFactory, ensure_specialty_list, province_center
from tests.trading.factories import CenterFactory, LotFactory, ProjectFactory, staff
from trading.choices import CenterLevel, LotState
from trading.models import Lot


@dataclass
class Drawn:
    lot: Lot
    draw: CommitteeDraw
    members: list[CommitteeMember]
    staff: object  # the center's staff member who ran the draw
    bids: list = field(default_factory=list)

    @property
    def project(self):
        return self.lot.project

    @property
    def experts(self) -> list[Expert]:
        return [m.expert for m in self.members]

    def member(self, i: int = 0) -> CommitteeMember:
        self.members[i].refresh_from_db()
        return self.members[i]


def evaluated_lot(*, bidders: int = 3, center=None, **project_fields) -> Lot:
    """A lot whose bids were opened: in evaluation, its deadline a day past, `bidders` bids."""
    if center is None:
        center = CenterFactory(level=CenterLevel.CITY, parent=province_center(), region_code="450100")
    now = timezone.now()
    project = ProjectFactory(center=center, bid_deadline=now - timedelta(days=1),
                             documents_published_at=now - timedelta(days=21), **project_fields)
    lot = LotFactory(project=project, number=1, state=LotState.EVALUATION)
    lot.bids_made = complete_bids(lot, bidders) if bidders else []
    return lot


def seat(draw: CommitteeDraw, expert: Expert, pick: int, *, now=None, notify=True, replaces=None) -> CommitteeMember:
    """Seat `expert` at `pick` and, as the draw does in its transaction, notify them."""
    now = now or timezone.now()
    with transaction.atomic():
        member = CommitteeMember.objects.create(draw=draw, expert=expert, pick=pick, group=0, notified_at=now,
                                                answer_due=now + timedelta(minutes=draw.answer_minutes),
                                                replaces=replaces)
        if notify:
            answers.notify(member)
    return member


def drawn(lot: Lot | None = None, *, n: int = 5, minutes: int = 30, place: str = "", bidders: int = 3,
          experts: list[Expert] | None = None, spare: int = 3, now=None, tenderee_reps=(), specialty="A0101") -> Drawn:
    """A committee of `n` experts drawn for `lot` (a new lot in evaluation when None) by the draw's
    own services (draw_services.set_up, then draw_committee), each member notified as the draw
    notifies them; beside them the tenderee's representatives (never drawn). The pool is
    the pool center's approved experts of `specialty` (A0101 房屋建筑): `experts` when given, else
    `n + spare` new ones."""
    ensure_specialty_list()
    lot = lot or evaluated_lot(bidders=bidders)
    now = now or timezone.now()
    runner = staff(lot.project.center)
    pool = lot.project.center.parent or lot.project.center
    if experts is None:
        experts = [ExpertFactory(pool=pool, specialties=[specialty]) for _ in range(n + spare)]
    request = DrawRequest(size=n + len(tenderee_reps), representatives=list(tenderee_reps), specialties=[(specialty, n)],
                          evaluation_at=now + timedelta(days=1), place=place, answer_minutes=minutes)
    draw = set_up(runner, lot.pk, request, now=now - timedelta(minutes=5))
    members = sorted(draw_committee(runner, lot.pk, now=now), key=lambda m: m.pick)
    draw.refresh_from_db()
    return Drawn(lot=lot, draw=draw, members=members, staff=runner, bids=getattr(lot, "bids_made", []))
