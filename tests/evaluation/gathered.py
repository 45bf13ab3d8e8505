"""A lot whose evaluation room has just opened: bids sealed and opened, its table set, its committee drawn and formed, nobody in yet.

`gathered()` makes a city center's lot (tests/evaluation/opened.py) under the comprehensive
method, with four bidders whose bid files were sealed to each bidder's own key and decrypted as
the opening decrypts them (tests/evaluation/reviewing.py's seal_and_open; the plaintexts under
settings.KAIBIAO_SEALED_ROOT), each bid's price read at the opening; its scoring table (two
checks; a technical and a commercial item of 0–30 points; the lowest-price benchmark worth 40
points; the default outlier threshold, 30 % of an item's range); its committee of five drawn by
the draw's own services from experts made without passwords, every member confirming on their
invitations (answers.answer), so that the committee is formed and its room opened by the real
signal, in the gathering step. The end-to-end tests of the room start here."""

from dataclasses import dataclass
from decimal import Decimal

from bidding.models import BidOpening
from evaluation import answers
from evaluation.choices import CheckKind, ItemCategory, PriceFormula
from evaluation.models import EvaluationRoom, ScoringTable, TableCheck, TableItem
from evaluation.room import core
from tests.evaluation.drawn import drawn
from tests.evaluation.opened import opened_lot
from tests.evaluation.reviewing import bid_files_for, seal_and_open
from tests.trading.factories import bidder as bidder_user

BIDDERS = ["南宁市第一建筑工程有限责任公司", "广西华南路桥建设有限公司", "柳州宏达市政工程有限公司", "桂林山水建设集团有限公司"]
PRICES = ["900000.00", "950000.00", "880000.00", "920000.00"]
CHECKS = [(CheckKind.QUALIFICATION, "营业执照有效"), (CheckKind.RESPONSIVENESS, "工期满足招标文件要求")]
ITEMS = [(ItemCategory.TECHNICAL, "施工组织设计"), (ItemCategory.COMMERCIAL, "商务条款响应")]


@dataclass
class Gathered:
    lot: object
    room: EvaluationRoom
    members: list  # CommitteeMember, by pick
    bids: list  # core.opened_bids(lot): dicts in the record's order
    checks: list  # TableCheck rows in order
    items: list  # TableItem rows in order
    bidders: list  # one user of each bid's organization, in the record's order
    opened: object  # tests.evaluation.opened.Opened: staff, people (supervisors, other parties)

    def user(self, i):
        return self.members[i].expert.user

    def fresh(self) -> EvaluationRoom:
        self.room.refresh_from_db()
        return self.room


def gathered(*, n: int = 5) -> Gathered:
    opened = opened_lot(bidders=len(BIDDERS))
    lot = opened.lot
    people = []
    for opening in BidOpening.objects.filter(hall__lot=lot).select_related("bid__organization").order_by("order"):
        organization = opening.bid.organization
        organization.name = BIDDERS[opening.order - 1]
        organization.save(update_fields=["name"])
        opening.form = {"price": PRICES[opening.order - 1]}
        opening.save(update_fields=["form"])
        user = bidder_user(organization)
        people.append(user)
        seal_and_open(opening.bid, user, bid_files_for(opening.order))
    table = ScoringTable.objects.create(lot=lot, price_formula=PriceFormula.LOWEST_BENCHMARK, price_weight=Decimal("40"))
    checks = [TableCheck.objects.create(table=table, kind=kind, name=name, order=i)
              for i, (kind, name) in enumerate(CHECKS, 1)]
    items = [TableItem.objects.create(table=table, category=category, name=name, low=0, high=30, order=i)
             for i, (category, name) in enumerate(ITEMS, 1)]
    committee = drawn(lot, n=n, experts=opened.pool(n + 3))
    for member in committee.members:
        answers.answer(member.expert.user, member.pk, accept=True)
    room = EvaluationRoom.objects.get(lot=lot)  # opened by the committee_formed signal
    return Gathered(lot=lot, room=room, members=[committee.member(i) for i in range(n)],
                    bids=core.opened_bids(lot.pk), checks=checks, items=items, bidders=people, opened=opened)
