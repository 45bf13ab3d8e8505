"""What a lot's result page reads: the candidates in publicity, the award, the committee, the scores file, the contract.

Public from the candidates' publication: the ranked candidates and their publicity; from the
award, the winner, the price, the savings (or a sale's premium over its reserve price), the
committee's names (实施条例 第四十六条: secret until the result, evaluation.rules.RESULT_FINAL)
and, where a committee evaluated the lot, the scores file (the room's summary: the document and
the result, docs/evaluation-format.md), which tools/recompute_scores.py recomputes. What only some
read is asked of the rules: a bidder's own outcome, the award notice, the objections."""

import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import rules
from django.utils import timezone

from trading import lifecycle, lot_notices
from trading.choices import LotState, NoticeKind

from . import facts
from .awarding import contract_due, contract_overdue
from .choices import RoomState
from .models import Award, CommitteeDraw, Contract, EvaluationRoom

SHOWN = (LotState.PUBLICITY, LotState.AWARDED, LotState.CONTRACTED, LotState.ARCHIVED)
AWARDED = (LotState.AWARDED, LotState.CONTRACTED, LotState.ARCHIVED)
FORMAT_DOC = "docs/evaluation-format.md"
RECOMPUTE_TOOL = "tools/recompute_scores.py"


def has_result(lot) -> bool:
    return lot.state in SHOWN


def is_awarded(lot) -> bool:
    return lot.state in AWARDED


def scores_room(lot):
    """The lot's final room with its summary, once the lot is awarded: what the scores file
    publishes. None before the award, for a sale, or where no committee summarized."""
    if not is_awarded(lot):
        return None
    return (EvaluationRoom.objects.filter(lot=lot, state=RoomState.FINAL, summary__isnull=False)
            .only("summary", "summarized_at", "final_at", "lot_id").first())


def scores_file(room) -> bytes:
    """The published scores: the room's summary as stored (document and result), UTF-8 JSON."""
    return (json.dumps(room.summary, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def percent(fraction) -> Decimal | None:
    """A fraction as a percentage to two places, half up (0.139220 → 13.92)."""
    if fraction is None:
        return None
    return (Decimal(fraction) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class Result:
    lot: object
    candidates: list = field(default_factory=list)
    publicity_starts: object = None
    publicity_ends: object = None
    publicity_open: bool = False
    award: Award | None = None
    sale: bool = False
    savings_percent: Decimal | None = None
    premium: Decimal | None = None
    premium_percent: Decimal | None = None
    committee: list = field(default_factory=list)
    representatives: list = field(default_factory=list)
    scores_sha256: str = ""
    contract: Contract | None = None
    contract_due: object = None
    contract_overdue: bool = False
    mine: str = ""  # a bidder's own outcome: "won", "candidate", "not_candidate", or ""
    my_rank: int | None = None
    may_object: bool = False
    may_read_objections: bool = False
    may_download_notice: bool = False
    may_record_contract: bool = False
    format_doc: str = FORMAT_DOC
    recompute_tool: str = RECOMPUTE_TOOL


def read(user, lot, now=None) -> Result:
    """The result page of `lot` (which shows a result: has_result) as `user` reads it."""
    from .draw_selectors import final_committee, names_public

    now = now or timezone.now()
    result = Result(lot=lot, sale=facts.is_price_sale(lot))
    notice = lot.notices.filter(kind=NoticeKind.CANDIDATES).first()
    if notice is not None:
        shown = lot_notices.shown(notice)
        result.candidates = shown.get("candidates") or []
        result.publicity_starts, result.publicity_ends = shown.get("publicity_starts"), shown.get("publicity_ends")
    result.publicity_open = lot.state == LotState.PUBLICITY and now < lifecycle.publicity_ends(lot)
    if is_awarded(lot):
        result.award = Award.objects.filter(lot=lot).select_related("winner").first()
        result.contract = Contract.objects.filter(lot=lot).first()
    if result.award is not None:
        result.savings_percent = percent(result.award.savings_rate)
        if result.sale and lot.reserve_price:
            result.premium = result.award.price - lot.reserve_price
            result.premium_percent = percent(result.premium / lot.reserve_price)
    draw = CommitteeDraw.objects.filter(lot=lot).first()
    if draw is not None and names_public(draw):
        result.committee, result.representatives = final_committee(draw), list(draw.tenderee_reps)
    room = scores_room(lot)
    if room is not None:
        result.scores_sha256 = hashlib.sha256(scores_file(room)).hexdigest()
    if lot.state == LotState.AWARDED:
        result.contract_due, result.contract_overdue = contract_due(lot), contract_overdue(lot, now)
    _for_the_reader(user, lot, result)
    return result


def _for_the_reader(user, lot, result: Result) -> None:
    organization = getattr(user, "organization_id", None)
    if rules.has_perm("evaluation.raise_objection", user, lot):
        ranks = {c.get("organization"): c.get("rank") for c in result.candidates}
        result.my_rank = ranks.get(organization)
        if result.award is not None and result.award.winner_id == organization:
            result.mine = "won"
        else:
            result.mine = "candidate" if result.my_rank else "not_candidate"
        result.may_object = result.publicity_open
    result.may_read_objections = rules.has_perm("evaluation.read_objections", user, lot)
    result.may_download_notice = result.award is not None and rules.has_perm(
        "evaluation.download_award_notice", user, lot)
    result.may_record_contract = lot.state == LotState.AWARDED and rules.has_perm(
        "evaluation.record_contract", user, lot)
