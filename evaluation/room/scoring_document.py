"""The evaluation document (docs/evaluation-format.md) built from the room's rows: what evaluation.formulas reads.

Every decimal is a string; the experts are the seated members (by their member id), the bids
every opened bid with whether it is evaluated and why not, the scores those that count (of a
seated member, for an item of the table, on an evaluated bid). The tie-break seed is written
only into the summary's document (revealed then); the flags' document carries none."""

from bidding.models import OpeningHall

from . import scoring_facts as sf

FORMAT = "kaibiao/evaluation v1"
SCORE_FIELDS = ("pk", "member_id", "bid_id", "item_id", "points", "at", "flagged_at", "others_mean",
                "confirmed_at", "confirmed_reason")
POINTS_FIELDS = ("member_id", "bid_id", "item_id", "points")


def score_rows(found: sf.Facts, fields=SCORE_FIELDS) -> list[dict]:
    """The scores that count, as plain values (one query); `fields`: what of each score is read
    (the summary reads the points alone: 54,000 times fewer times converted)."""
    return list(sf.counted(found).order_by("member__pick", "bid_id", "item__order").values(*fields))


def drawn_k(lot_id) -> str | None:
    """The random coefficient K drawn at the lot's opening, or None (one query)."""
    k = OpeningHall.objects.filter(lot_id=lot_id).values_list("k_value", flat=True).first()
    return k or None


def lot_code(lot) -> str:
    return f"{lot.project.code}/{lot.number}"


def document(found: sf.Facts, scores: list[dict], *, k: str | None = None, seed: str | None = None) -> dict:
    """The document of the room's scoring now, from rows already read (no query)."""
    room, table = found.room, found.table
    text = sf.points_text
    ids = found.member_ids
    return {
        "format": FORMAT,
        "lot": lot_code(room.lot),
        "method": room.lot.evaluation_method,
        "price": {"formula": table.price_formula, "weight": text(table.price_weight),
                  "average_drops_extremes": table.average_drops_extremes, "k": k if table.uses_k else None,
                  "points_per_percent_above": text(table.points_per_percent_above),
                  "points_per_percent_below": text(table.points_per_percent_below)},
        "decimals": table.decimals,
        "drop_high_low": table.drop_high_low,
        "outlier_percent": text(table.outlier_percent),
        "items": [{"id": i.pk, "name": i.name, "category": i.category, "low": text(i.low), "high": text(i.high)}
                  for i in found.items],
        "experts": [{"id": m.pk, "name": m.expert.user.full_name or m.expert.user.username} for m in found.members],
        "bids": [{"id": s.bid["id"], "bidder": s.bid["bidder"],
                  "price": None if s.bid["price"] is None else text(s.bid["price"]),
                  "responsive": s.scored, "reasons": s.reasons(ids)} for s in found.bids],
        "scores": [{"expert": r["member_id"], "bid": r["bid_id"], "item": r["item_id"], "points": text(r["points"])}
                   for r in scores],
        "tie_break": {"commitment": room.tie_commitment, "seed": seed},
    }
