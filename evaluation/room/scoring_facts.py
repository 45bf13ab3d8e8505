"""What the scoring stands on, read in a fixed number of queries: the table, the committee, the bids and where each stands.

A bid is scored when it was opened (core.opened_bids), passed the review (the committee's
majority failed none of its checks), has a readable price, and is not rejected as below cost (a
majority of the seated members voted so, each with a written reason). Every reader here takes
one query whatever the number of bids, members, items or scores, so that the scoring's
snapshot and the summary do not grow with the lot (issue 18's design points)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from trading.errors import RuleViolation

from ..choices import Stage
from ..models import BelowCostVote, CheckVerdict, Score, ScoringTable, Submission, TableItem
from . import core


def begin(lot_id, step: str, actor):
    """A member's scoring command begins: the room locked, the step allowed, the room running,
    the member acting (from the session's user)."""
    room = core.locked(lot_id)
    core.require_step(room, step)
    core.require_running(room)
    return room, core.member_acting(room, actor)


def majority(votes: int, seated: int) -> bool:
    """More than half of the seated committee (a tie is no majority)."""
    return seated > 0 and votes * 2 > seated


def table_of(lot_id) -> tuple[ScoringTable, list[TableItem]]:
    """The lot's scoring table and its scored items in their order (two queries)."""
    table = ScoringTable.objects.filter(lot_id=lot_id).first()
    if table is None:
        raise RuleViolation(_("This lot has no scoring table: the scoring cannot proceed."))
    return table, list(TableItem.objects.filter(table=table).order_by("order"))


def review_failures(room, member_ids) -> dict[int, list[str]]:
    """Per bid, the reasons of each check the review's conclusion failed (review.conclusion: the
    one rule of the majority), "check: reason" for every failing member, in the table's order."""
    from . import review

    found = review.conclusion(room)
    if found is None:
        return {}
    names = {c["id"]: c["name"] for c in review.lot_checks(room.lot_id)}
    return {b["bid"]: [f"{names[c['check']]}: {r['reason']}" for c in b["checks"] if c["failed"] for r in c["reasons"]]
            for b in found["bids"] if not b["responsive"]}


def below_cost_votes(room) -> dict[int, list[dict]]:
    """Per bid, the members' below-cost votes in the order they were cast (one query)."""
    votes: dict[int, list[dict]] = {}
    for v in BelowCostVote.objects.filter(room=room).order_by("at", "pk").values(
            "bid_id", "member_id", "below_cost", "reason", "at"):
        votes.setdefault(v["bid_id"], []).append(v)
    return votes


@dataclass
class Standing:
    """Where one opened bid stands for the scoring."""

    bid: dict  # as core.opened_bids gives it
    review_reasons: list[str] = field(default_factory=list)
    votes: list[dict] = field(default_factory=list)  # its below-cost votes
    below_cost: bool = False  # rejected by the committee's majority

    @property
    def passed_review(self) -> bool:
        return not self.review_reasons and self.bid["price"] is not None

    @property
    def scored(self) -> bool:
        return self.passed_review and not self.below_cost

    def reasons(self, member_ids) -> list[str]:
        """Why it is not evaluated, in words kept with the summary (empty when it is)."""
        reasons = list(self.review_reasons)
        if self.bid["price"] is None:
            reasons.append(_("The opening read no price from this bid."))
        if self.below_cost:
            reasons += [pgettext("reason", "Below cost: %(reason)s") % {"reason": v["reason"]}
                        for v in self.votes if v["below_cost"] and v["member_id"] in member_ids]
        return reasons


@dataclass
class Facts:
    room: object
    members: list  # the seated CommitteeMembers, by pick
    bids: list[Standing]
    table: ScoringTable | None = None
    items: list[TableItem] = field(default_factory=list)

    @property
    def member_ids(self) -> set:
        return {m.pk for m in self.members}

    @property
    def scored_bids(self) -> list[Standing]:
        return [s for s in self.bids if s.scored]

    def standing(self, bid_id) -> Standing | None:
        return next((s for s in self.bids if s.bid["id"] == bid_id), None)

    @property
    def needed(self) -> int:
        """The scores each member owes: every item of every scored bid."""
        return len(self.scored_bids) * len(self.items)


def facts(room, *, with_table: bool = True) -> Facts:
    """The committee, the opened bids and where each stands (four queries), with the table and
    its items (two more)."""
    members = core.seated_members(room)
    ids = {m.pk for m in members}
    failed = review_failures(room, ids)
    votes = below_cost_votes(room)
    bids = []
    for bid in core.opened_bids(room.lot_id):
        mine = votes.get(bid["id"], [])
        below = majority(sum(1 for v in mine if v["below_cost"] and v["member_id"] in ids), len(ids))
        bids.append(Standing(bid=bid, review_reasons=failed.get(bid["id"], []), votes=mine, below_cost=below))
    found = Facts(room=room, members=members, bids=bids)
    if with_table:
        found.table, found.items = table_of(room.lot_id)
    return found


# --- the members' work ------------------------------------------------------------------------

# A flag still waiting for its member: raised, neither confirmed nor answered by a change since.
OPEN_FLAG = Q(flagged_at__isnull=False, confirmed_at__isnull=True, at__lte=F("flagged_at"))


def flag_is_open(score) -> bool:
    at, flagged, confirmed = (score["at"], score["flagged_at"], score["confirmed_at"]) if isinstance(score, dict) \
        else (score.at, score.flagged_at, score.confirmed_at)
    return flagged is not None and confirmed is None and at <= flagged


def counted(found: Facts):
    """The scores that count now: of a seated member, for an item of the table and a scored bid."""
    return Score.objects.filter(room=found.room, member_id__in=found.member_ids,
                                bid_id__in=[s.bid["id"] for s in found.scored_bids],
                                item_id__in=[i.pk for i in found.items])


def progress(found: Facts) -> dict[int, dict]:
    """Per seated member: scores given of those owed, open flags, submitted or not (two queries)."""
    rows = {m.pk: {"member": m.pk, "scored": 0, "needed": found.needed, "flags_open": 0, "submitted": False}
            for m in found.members}
    for r in counted(found).values("member_id").annotate(n=Count("pk"), flags=Count("pk", filter=OPEN_FLAG)):
        rows[r["member_id"]].update(scored=r["n"], flags_open=r["flags"])
    for member_id in submitted_ids(found):
        rows[member_id]["submitted"] = True
    return rows


def submitted_ids(found: Facts) -> set:
    return set(Submission.objects.filter(room=found.room, stage=Stage.SCORING, member_id__in=found.member_ids)
               .values_list("member_id", flat=True))


def points_text(value: Decimal) -> str:
    """Points as the document writes them: a decimal string, never an exponent."""
    return format(value, "f")
