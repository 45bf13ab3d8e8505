"""A lot whose evaluation room is summarized, made directly in the database: what the report tests start from.

`summarized_room()` makes a city center's lot in evaluation, opened with three bids (900,000.00,
910,000.00 and 920,000.00 yuan), a scoring table (two checks; a technical and a commercial item
of 0–30 points; the lowest-price benchmark with 40 price points), a formed committee of five
seated experts (the first the leader), and the room in its summarized step, with: the third bid
failed on the first check by three members (so not responsive), every member's scores, one flagged
score confirmed with a reason, a below-cost vote on the second bid (one of five: not rejected),
a question to the first bidder and its answer, and the summary (document and result).

The numbers, by hand (DOMAIN.md §7, lowest-price benchmark: points = benchmark / price × 40):
  bid 1: technical (25 + 24 + 26 + 25 + 25) / 5 = 25.00; commercial (20 + 21 + 10 + 19 + 15) / 5 = 17.00
         (the 10 is flagged: the others' mean is 18.75);
         price 900000 / 900000 × 40 = 40.00; total 82.00, rank 1
  bid 2: technical (22 + 23 + 24 + 23 + 23) / 5 = 23.00; commercial 18.00;
         price 900000 / 910000 × 40 = 39.5604… → 39.56; total 80.56, rank 2
`keys` holds each member's Ed25519 private key, registered through the service."""

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from bidding.choices import BidState, HallState, OpeningStatus
from bidding.models import Bid, BidOpening, OpeningHall
from evaluation import signing
from evaluation.choices import CheckKind, DrawState, ItemCategory, MemberState, PriceFormula, RoomState
from evaluation.models import (Attendance, BelowCostVote, CheckVerdict, Clarification, CommitteeDraw, CommitteeMember,
                               Score, ScoringTable, TableCheck, TableItem)
from evaluation.room import core
from evaluation.signing_keys import register_signing_key
from tests.evaluation.opened import expert
from tests.trading.factories import LotFactory, OrganizationFactory, cast
from trading.choices import LotState, Role
from trading.models import User

PRICES = ["900000.00", "910000.00", "920000.00"]
BIDDERS = ["南宁市第一建筑工程有限责任公司", "广西华南路桥建设有限公司", "柳州宏达市政工程有限公司"]
# scores[member][bid][item]
SCORES = [[["25", "20"], ["22", "18"]], [["24", "21"], ["23", "18"]], [["26", "10"], ["24", "18"]],
          [["25", "19"], ["23", "18"]], [["25", "15"], ["23", "18"]]]
FAIL_REASON = "营业执照已过期"
FLAG_REASON = "该投标人商务条款对付款方式有重大偏离，维持原评分"
BELOW_COST_REASON = "报价低于同类工程成本约百分之十五"
NOT_BELOW_REASON = "报价在合理区间内"
QUESTION = "请说明工期安排中雨季施工的保障措施"
ANSWER = "我方将增加排水设备并调整关键工序，确保按期完工"
DISSENT = "本人认为第二名投标人的技术方案更优，不同意技术评分的结论"


@dataclass
class Summarized:
    lot: object
    room: object
    members: list  # seated members by pick; members[0] leads
    bids: list
    items: list
    checks: list
    people: object  # tests.trading.factories' cast: staff, supervisors, a bidder…
    keys: list = field(default_factory=list)  # each member's Ed25519PrivateKey (registered)

    @property
    def lot_id(self):
        return self.lot.pk

    def user(self, i: int):
        return self.members[i].expert.user

    def fresh(self):
        self.room.refresh_from_db()
        return self.room

    def sign(self, i: int, sha256_hex: str | None = None) -> str:
        """Member i's signature of the report (base64), as their browser makes it."""
        digest = sha256_hex or self.fresh().report_sha256
        return base64.b64encode(self.keys[i].sign(signing.report_message(digest))).decode()


def public_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def register(user, key: Ed25519PrivateKey | None = None):
    """Register a (new) key for `user` through the service, proved as the browser proves it."""
    key = key or Ed25519PrivateKey.generate()
    proof = base64.b64encode(key.sign(signing.key_proof_message(user.get_username()))).decode()
    register_signing_key(actor=user, public_key=public_b64(key), proof=proof)
    return key


def summarized_room(*, with_keys=True) -> Summarized:
    now = timezone.now()
    people = cast(category="works")
    lot = LotFactory(project=people.project, state=LotState.EVALUATION, evaluation_method="comprehensive",
                     budget=Decimal("1000000.00"), ceiling_price=Decimal("950000.00"))
    project = lot.project
    project.bid_deadline, project.documents_published_at = now - timedelta(hours=6), now - timedelta(days=25)
    project.save()
    hall = OpeningHall.objects.create(lot=lot, state=HallState.ENDED)
    orgs = [OrganizationFactory(name=name) for name in BIDDERS]
    maker = User.objects.create(role=Role.BIDDER, username=f"bidder-r{lot.pk}", organization=orgs[0])
    bids = [Bid.objects.create(lot=lot, organization=org, version=1, state=BidState.COMPLETE, created_by=maker,
                               completed_at=now - timedelta(hours=7)) for org in orgs]
    for n, (bid, price) in enumerate(zip(bids, PRICES), 1):
        BidOpening.objects.create(hall=hall, bid=bid, order=n, status=OpeningStatus.DECRYPTED, outcome="decrypted",
                                  form={"price": price})
    table = ScoringTable.objects.create(lot=lot, price_formula=PriceFormula.LOWEST_BENCHMARK, price_weight=Decimal("40"),
                                        set_at=now, frozen_at=now - timedelta(days=25))
    items = [TableItem.objects.create(table=table, category=ItemCategory.TECHNICAL, name="施工组织设计", low=0, high=30, order=1),
             TableItem.objects.create(table=table, category=ItemCategory.COMMERCIAL, name="商务条款响应", low=0, high=30, order=2)]
    checks = [TableCheck.objects.create(table=table, kind=CheckKind.QUALIFICATION, name="营业执照有效", order=1),
              TableCheck.objects.create(table=table, kind=CheckKind.RESPONSIVENESS, name="工期满足招标文件要求", order=2)]
    draw = CommitteeDraw.objects.create(lot=lot, size=5, evaluation_at=now, snapshot="[]", snapshot_digest="0" * 64,
                                        seed="00" * 32, commitment="00" * 32, state=DrawState.FORMED,
                                        set_up_by=people["center_staff"], set_up_at=now - timedelta(hours=5), drawn_at=now)
    members = [CommitteeMember.objects.create(draw=draw, expert=expert(people.province), pick=i, group=0,
                                              state=MemberState.CONFIRMED, notified_at=now, answered_at=now,
                                              answer_due=now + timedelta(minutes=30)) for i in range(1, 6)]
    room = core.ensure_room(lot, now=now - timedelta(hours=4))
    at = now - timedelta(hours=3)
    for mi, m in enumerate(members):
        Attendance.objects.create(room=room, member=m, signed_in_at=at, declared_at=at)
        for bid in bids:
            for check in checks:
                failed = bid == bids[2] and check == checks[0] and mi in (1, 2, 3)
                CheckVerdict.objects.create(room=room, member=m, bid=bid, table_check=check, passed=not failed,
                                            reason=FAIL_REASON if failed else "", at=at)
    for mi, m in enumerate(members):
        for bi, bid in enumerate(bids[:2]):
            for ii, item in enumerate(items):
                Score.objects.create(room=room, member=m, bid=bid, item=item, points=Decimal(SCORES[mi][bi][ii]), at=at)
    flagged = Score.objects.get(member=members[2], bid=bids[0], item=items[1])
    flagged.flagged_at, flagged.others_mean = at + timedelta(minutes=1), Decimal("18.75")
    flagged.confirmed_reason, flagged.confirmed_at = FLAG_REASON, at + timedelta(minutes=2)
    flagged.save()
    core.append(room, "score_flagged", {"flags": [{"bid": bids[0].pk, "item": items[1].pk, "points": "10"}]},
                actor=None, at=at + timedelta(minutes=1), audience=members[2])
    for m, below in zip(members, (True, False, False, False, False)):
        BelowCostVote.objects.create(room=room, member=m, bid=bids[1], below_cost=below,
                                     reason=BELOW_COST_REASON if below else NOT_BELOW_REASON, at=at)
    Clarification.objects.create(room=room, bid=bids[0], question=QUESTION, asked_by=members[0], asked_at=at,
                                 answer_due=at + timedelta(hours=1), answer=ANSWER, answered_by=maker,
                                 answered_at=at + timedelta(minutes=30))
    room.summary = summary(lot, room, bids, items, members)
    room.state, room.leader, room.summarized_at = RoomState.SUMMARIZED, members[0], now - timedelta(minutes=30)
    room.save()
    made = Summarized(lot=lot, room=room, members=members, bids=bids, items=items, checks=checks, people=people)
    if with_keys:
        made.keys = [register(m.expert.user) for m in members]
    return made


def summary(lot, room, bids, items, members) -> dict:
    """The summary as scoring makes it: the document (docs/evaluation-format.md), and the result
    evaluation.formulas computes where that module is present, else the result worked by hand."""
    document = {
        "format": "kaibiao/evaluation v1", "lot": f"{lot.project.code}/{lot.number}", "method": "comprehensive",
        "price": {"formula": "lowest_benchmark", "weight": "40", "average_drops_extremes": False, "k": None,
                  "points_per_percent_above": "1", "points_per_percent_below": "0.5"},
        "decimals": 2, "drop_high_low": True, "outlier_percent": "30",
        "items": [{"id": i.pk, "name": i.name, "category": i.category, "low": "0", "high": "30"} for i in items],
        "experts": [{"id": m.pk, "name": m.expert.user.full_name} for m in members],
        "bids": [{"id": b.pk, "bidder": BIDDERS[n], "price": PRICES[n], "responsive": n < 2,
                  "reasons": [] if n < 2 else [f"营业执照有效：{FAIL_REASON}"]} for n, b in enumerate(bids)],
        "scores": [{"expert": m.pk, "bid": b.pk, "item": i.pk, "points": SCORES[mi][bi][ii]}
                   for mi, m in enumerate(members) for bi, b in enumerate(bids[:2]) for ii, i in enumerate(items)],
        "tie_break": {"commitment": room.tie_commitment, "seed": room.tie_seed},
    }
    try:
        from evaluation.formulas import evaluate
    except ImportError:
        return {"document": document, "result": by_hand(document, bids, items, members)}
    return {"document": document, "result": evaluate(document)}


def by_hand(document, bids, items, members) -> dict:
    def entry(n, technical, commercial, price_points, total, item_points):
        return {"id": bids[n].pk, "bidder": BIDDERS[n], "price": PRICES[n], "responsive": True, "reasons": [],
                "items": [{"item": i.pk, "scores": [{"expert": m.pk, "points": SCORES[mi][n][ii]}
                                                    for mi, m in enumerate(members)],
                           "dropped": [], "points": item_points[ii]} for ii, i in enumerate(items)],
                "technical": technical, "commercial": commercial, "price_points": price_points,
                "deviation_percent": None, "total": total, "evaluated_price": PRICES[n], "rank": n + 1}

    failed = {"id": bids[2].pk, "bidder": BIDDERS[2], "price": PRICES[2], "responsive": False,
              "reasons": document["bids"][2]["reasons"], "items": [], "technical": None, "commercial": None,
              "price_points": None, "deviation_percent": None, "total": None, "evaluated_price": None, "rank": None}
    return {"format": "kaibiao/evaluation-result v1",
            "price": {"formula": "lowest_benchmark", "benchmark": "900000.00", "mean": None,
                      "used": [bids[0].pk, bids[1].pk], "dropped": []},
            "bids": [entry(0, "25.00", "17.00", "40.00", "82.00", ["25.00", "17.00"]),
                     entry(1, "23.00", "18.00", "39.56", "80.56", ["23.00", "18.00"]), failed],
            "ranking": [bids[0].pk, bids[1].pk], "candidates": [bids[0].pk, bids[1].pk], "ties": []}
