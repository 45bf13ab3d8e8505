"""The lifecycle's facts this floor owns: the report signed, the ranked candidates, the objections open, the award price.

trading.lifecycle's guards read them through `lifecycle_facts`, registered at start-up
(EvaluationConfig.ready); nobody may hand them in instead (lifecycle.gather_facts refuses).

- report_signed: the lot's evaluation room is final (every member signed, or refused with
  reasons). A price sale (拍卖、挂牌: the highest offer wins, evaluation method highest_price) has
  no committee and no report: its outcome is the opening record, which the hall has closed
  before the lot reached evaluation, so nothing waits for a report.
- candidates: the final room's summary's candidates, in their order, each as trading's
  lot_notices expects ({"organization": id, "price": "1234.00"}): the price is the bid's price as
  read at the opening (the award price of a tender is the winner's bid price). For a price sale,
  the opened offers at or above the reserve price, highest first, an equal offer ranked by which
  bid was completed first (同价者以先报价者为准), at most three.
- open_objections: the objections raised during the candidates' publicity and not yet answered
  (实施条例 第五十四条: the tender waits for the answer).
- award_price: the first-ranked candidate's price, as published in the candidates' publicity.
"""

from decimal import Decimal, InvalidOperation

from trading.choices import EvaluationMethod, LotState, NoticeKind
from trading.lifecycle import MAX_CANDIDATES

from .choices import RoomState

OWNED = ("report_signed", "candidates", "open_objections", "award_price")


def lifecycle_facts(lot, now) -> dict:
    """The facts a guard of `lot`'s next transitions asks, by its state (a few queries, and none
    for a lot that is neither in evaluation nor in publicity)."""
    if lot.state == LotState.EVALUATION:
        if is_price_sale(lot):
            return {"report_signed": True, "candidates": sale_candidates(lot)}
        room = _final_room(lot)
        if room is None:
            return {"report_signed": False, "candidates": []}
        return {"report_signed": True, "candidates": room_candidates(lot, room.summary)}
    if lot.state == LotState.PUBLICITY:
        from .models import PublicityObjection

        facts = {"open_objections": PublicityObjection.objects.filter(lot=lot, answered_at__isnull=True).count()}
        first = published_candidates(lot)[:1]
        if first:
            facts["award_price"] = decimal_or_none(first[0].get("price"))
        return facts
    return {}


def is_price_sale(lot) -> bool:
    return lot.evaluation_method == EvaluationMethod.HIGHEST_PRICE


def _final_room(lot):
    from .models import EvaluationRoom

    return EvaluationRoom.objects.filter(lot=lot, state=RoomState.FINAL).only("summary").first()


def candidate_bid_ids(result) -> list:
    """The candidates' bid ids from the summary's result, in their order: its "candidates"
    (bid ids, or rows naming their bid), else the first three of its "ranking" by rank. Read
    defensively: the exact shape is docs/evaluation-format.md's."""
    if not isinstance(result, dict):
        return []
    rows = result.get("candidates")
    if not isinstance(rows, list):
        ranking = result.get("ranking")
        rows = sorted((r for r in ranking if isinstance(r, dict)), key=lambda r: _rank(r)) if isinstance(
            ranking, list) else []
        rows = rows[:MAX_CANDIDATES]
    return [_bid_id(row) for row in rows]


def _rank(row) -> float:
    try:
        return float(row.get("rank"))
    except (TypeError, ValueError):
        return float("inf")


def _bid_id(row):
    if isinstance(row, dict):
        row = next((row[key] for key in ("bid", "bid_id", "id") if row.get(key) is not None), None)
    try:
        return int(row)
    except (TypeError, ValueError):
        return None


def room_candidates(lot, summary) -> list[dict]:
    """The summary's candidates as the lifecycle reads them. A candidate that is not an opened
    bid of this lot has no organization and no price: the publicity refuses it, naming its rank."""
    from .room.core import opened_bids

    ids = candidate_bid_ids((summary or {}).get("result"))
    opened = {row["id"]: row for row in opened_bids(lot.pk)}
    ranked = []
    for bid_id in ids:
        row = opened.get(bid_id)
        ranked.append({"organization": row["organization_id"] if row else None,
                       "price": str(row["price"]) if row and row["price"] is not None else None})
    return ranked


def sale_candidates(lot) -> list[dict]:
    """A price sale's ranking from its opening record: the offers at or above the reserve price,
    highest first; an equal offer goes to the bid completed first."""
    from bidding.models import Bid

    from .room.core import opened_bids

    rows = [row for row in opened_bids(lot.pk) if row["price"] is not None
            and (lot.reserve_price is None or row["price"] >= lot.reserve_price)]
    completed = dict(Bid.objects.filter(pk__in=[row["id"] for row in rows]).values_list("pk", "completed_at"))
    # A complete bid always has its time; the record's order stands in should one lack it.
    rows.sort(key=lambda row: (-row["price"], completed.get(row["id"]) is None, completed.get(row["id"]) or row["order"]))
    return [{"organization": row["organization_id"], "price": str(row["price"])} for row in rows[:MAX_CANDIDATES]]


def published_candidates(lot) -> list[dict]:
    """The candidates as their publicity published them (trading's notice): rank, organization,
    name, uscc, price."""
    from trading.models import Notice

    notice = Notice.objects.filter(lot=lot, kind=NoticeKind.CANDIDATES).only("details").first()
    return list((notice.details or {}).get("candidates") or []) if notice else []


def decimal_or_none(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None
