"""A lot in its evaluation room's scoring step, made directly in the database (the scoring tests and the benchmark).

`scoring_room(bids=3, members=5, items=2)` makes a city center's lot in evaluation, opened with
`bids` bids (each with its price read at the opening), a scoring table with `items` items of
0–20 points, a formed committee of `members` seated experts (no draw run: its rows are made as
the draw leaves them), and the room opened by core.ensure_room with its tie-break commitment,
in the scoring step with the first member as leader. No review verdicts are recorded, so every
bid passed the review unless a test records majority fails with `fail_review`. Users are made
without passwords (hashing is slow) and signed in by force_login where a test needs a session."""

import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bidding.choices import BidState, HallState, OpeningStatus
from bidding.models import Bid, BidOpening, OpeningHall
from evaluation.choices import CheckKind, DrawState, ItemCategory, MemberState, PriceFormula, RoomState, Stage
from evaluation.models import CheckVerdict, CommitteeDraw, CommitteeMember, ScoringTable, TableCheck, TableItem
from evaluation.room import core
from tests.evaluation.opened import expert
from tests.trading.factories import LotFactory, OrganizationFactory, cast
from trading.choices import LotState, Role
from trading.models import User

_serial = itertools.count(1)


@dataclass
class ScoringRoom:
    lot: object
    room: object
    members: list  # seated CommitteeMembers, by pick; members[0] is the leader
    bids: list  # Bid rows in the opening's order
    items: list  # TableItems in order
    checks: list
    people: object  # tests.trading.factories.Cast: staff, supervisors, a bidder…

    @property
    def lot_id(self):
        return self.lot.pk

    def user(self, i: int):
        return self.members[i].expert.user

    @property
    def leader(self):
        return self.user(0)

    def fresh(self):
        self.room.refresh_from_db()
        return self.room


def _bids(lot, hall, prices, now):
    orgs = OrganizationFactory.create_batch(len(prices))
    maker = User.objects.create(role=Role.BIDDER, username=f"bidder-s{next(_serial)}", organization=orgs[0])
    bids = Bid.objects.bulk_create([Bid(lot=lot, organization=org, version=1, state=BidState.COMPLETE, created_by=maker,
                                        completed_at=now - timedelta(hours=4)) for org in orgs])
    BidOpening.objects.bulk_create([
        BidOpening(hall=hall, bid=bid, order=n, status=OpeningStatus.DECRYPTED, outcome="decrypted",
                   form={"price": format(price, "f")}) for n, (bid, price) in enumerate(zip(bids, prices, strict=True), 1)])
    return bids


def _members(lot, n, pool, staff_user, now):
    draw = CommitteeDraw.objects.create(lot=lot, size=max(n, 5), evaluation_at=now, snapshot="[]", snapshot_digest="0" * 64,
                                        seed="00" * 32, commitment="00" * 32, state=DrawState.FORMED,
                                        set_up_by=staff_user, set_up_at=now - timedelta(hours=1), drawn_at=now)
    experts = [expert(pool) for _ in range(n)]
    return CommitteeMember.objects.bulk_create([
        CommitteeMember(draw=draw, expert=e, pick=i, group=0, state=MemberState.CONFIRMED, notified_at=now,
                        answer_due=now + timedelta(minutes=30), answered_at=now) for i, e in enumerate(experts, 1)])


def scoring_room(*, bids: int = 3, members: int = 5, items: int = 2, prices=None, method="comprehensive",
                 formula=PriceFormula.LOWEST_BENCHMARK, weight="40", high="20", outlier_percent="30",
                 drop_high_low=False, uses_k=False, state=RoomState.SCORING) -> ScoringRoom:
    now = timezone.now()
    people = cast(category="works")
    lot = LotFactory(project=people.project, state=LotState.EVALUATION, evaluation_method=method)
    project = lot.project
    project.bid_deadline = now - timedelta(hours=3)
    project.documents_published_at = now - timedelta(days=25)
    project.save()
    hall = OpeningHall.objects.create(lot=lot, state=HallState.ENDED)
    prices = prices or [Decimal("900000.00") + Decimal(10000) * n for n in range(bids)]
    made_bids = _bids(lot, hall, [Decimal(str(p)) for p in prices], now)
    table = ScoringTable.objects.create(lot=lot, price_formula=formula, price_weight=Decimal(weight),
                                        outlier_percent=Decimal(outlier_percent), drop_high_low=drop_high_low,
                                        uses_k=uses_k, set_at=now, frozen_at=now - timedelta(days=25))
    categories = [ItemCategory.TECHNICAL, ItemCategory.COMMERCIAL]
    made_items = TableItem.objects.bulk_create([
        TableItem(table=table, category=categories[n % 2], name=f"评分项{n + 1}", low=Decimal("0"), high=Decimal(high),
                  guidance=f"评分标准{n + 1}", order=n + 1) for n in range(items)])
    checks = TableCheck.objects.bulk_create([
        TableCheck(table=table, kind=CheckKind.QUALIFICATION, name="营业执照有效", order=1),
        TableCheck(table=table, kind=CheckKind.RESPONSIVENESS, name="工期满足招标文件要求", order=2)])
    seated = _members(lot, members, people.province, people["center_staff"], now)
    room = core.ensure_room(lot, now=now - timedelta(hours=2))
    room.state, room.leader = state, seated[0]
    room.save(update_fields=["state", "leader"])
    if state not in (RoomState.GATHERING, RoomState.REVIEWING):  # the review concluded: every member submitted it
        from evaluation.models import Submission

        Submission.objects.bulk_create([Submission(room=room, member=m, stage=Stage.REVIEW, at=now) for m in seated])
    return ScoringRoom(lot=lot, room=room, members=seated, bids=made_bids, items=made_items, checks=checks, people=people)


def fail_review(s: ScoringRoom, bid, voters: int, reason="营业执照已过期"):
    """`voters` members record the first check failed for `bid` (a majority fails the bid)."""
    now = timezone.now()
    CheckVerdict.objects.bulk_create([
        CheckVerdict(room=s.room, member=m, bid=bid, table_check=s.checks[0], passed=False, reason=reason, at=now)
        for m in s.members[:voters]])


def score_all(s: ScoringRoom, points=lambda member, bid, item: "15", *, submit=True, now=None, members=None, bids=None):
    """Every member (of `members`, indexes) scores every item of every bid (of `bids`) through the
    service (`points(i, j, k)` by their indexes), and submits."""
    from evaluation.room import scoring

    for i in range(len(s.members)) if members is None else members:
        for j, bid in enumerate(s.bids):
            if bids is not None and j not in bids:
                continue
            for k, item in enumerate(s.items):
                scoring.record_score(actor=s.user(i), lot_id=s.lot_id, bid_id=bid.pk, item_id=item.pk,
                                     points=points(i, j, k), now=now)
        if submit:
            scoring.submit_scores(actor=s.user(i), lot_id=s.lot_id, now=now)


def scored_directly(s: ScoringRoom, points=lambda member, bid, item: "15", *, submitted=True):
    """Every member's scores and submission written straight into the tables (the query-count
    tests and the benchmark, where scoring through the service one by one would take long)."""
    from evaluation.choices import Stage
    from evaluation.models import Score, Submission

    now = timezone.now() - timedelta(minutes=5)
    Score.objects.bulk_create([
        Score(room=s.room, member=m, bid=bid, item=item, points=Decimal(points(i, j, k)), at=now)
        for i, m in enumerate(s.members) for j, bid in enumerate(s.bids) for k, item in enumerate(s.items)],
        batch_size=2000)
    if submitted:
        Submission.objects.bulk_create([Submission(room=s.room, member=m, stage=Stage.SCORING, at=now) for m in s.members])
