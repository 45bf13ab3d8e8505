"""A lot being evaluated, with a committee drawn and each member notified, for the answer tests.

`drawn(n=5)` makes a published tender at a city center under a province center (whose pool the
experts are in), its lot past the opening and in evaluation with `bidders` complete bids, and a
committee draw of `n` experts each seated and notified through evaluation.answers.notify, as the
draw (evaluation.draw_services) seats them. The rows are written directly: what is tested here
is what happens to a seat after the draw."""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from evaluation import answers
from evaluation.choices import DrawState
from evaluation.models import CommitteeDraw, CommitteeMember, Expert
from tests.bidding.factories import complete_bids
from tests.evaluation.factories import ExpertFactory, province_center
from tests.trading.factories import CenterFactory, LotFactory, ProjectFactory, staff
from trading.choices import CenterLevel, LotState
from trading.models import Lot

SEED = "5eed" * 16


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
          experts: list[Expert] | None = None, notify: bool = True, now=None, tenderee_reps=()) -> Drawn:
    """A committee of `n` drawn experts for `lot` (a new lot in evaluation when None), each
    notified, and beside them the tenderee's representatives (never drawn)."""
    lot = lot or evaluated_lot(bidders=bidders)
    now = now or timezone.now()
    runner = staff(lot.project.center)
    pool = lot.project.center.parent or lot.project.center
    draw = CommitteeDraw.objects.create(
        lot=lot, size=n + len(tenderee_reps), tenderee_reps=list(tenderee_reps), region_scope="any", answer_minutes=minutes, evaluation_at=now + timedelta(days=1),
        place=place, groups=[{"specialty": "A0101", "scope": "any", "count": n}], exclusions=[],
        snapshot="", snapshot_digest="0" * 64, seed=SEED, commitment=hashlib.sha256(bytes.fromhex(SEED)).hexdigest(),
        state=DrawState.DRAWN, set_up_by=runner, set_up_at=now - timedelta(minutes=5), drawn_at=now)
    experts = experts or [ExpertFactory(pool=pool) for _ in range(n)]
    members = [seat(draw, expert, pick, now=now, notify=notify) for pick, expert in enumerate(experts, start=1)]
    return Drawn(lot=lot, draw=draw, members=members, staff=runner, bids=getattr(lot, "bids_made", []))
