"""Flags on outlying scores: worked out when every seated member has submitted, each told to its member alone.

A score further than the table's threshold (a share of the item's range) from the other
experts' mean is flagged (evaluation.formulas.outliers, DOMAIN.md §7). Its member changes it
(which reopens their submission) or confirms it with a reason; the platform never changes it.
Worked out again each time every member stands submitted: a changed score that is still an
outlier is flagged anew, a waiting flag whose score no longer stands out is withdrawn, a
confirmed one stays confirmed."""

from collections import defaultdict
from decimal import Decimal

from .. import formulas
from ..models import Score
from . import core
from . import scoring_facts as sf
from .scoring_document import POINTS_FIELDS, SCORE_FIELDS, document, score_rows

MEAN = Decimal("0.0001")  # Score.others_mean's places


def _key(one) -> tuple[int, int, int]:
    return int(one["expert"]), int(one["bid"]), int(one["item"])


def outliers(found: sf.Facts, rows: list[dict]) -> dict[tuple, dict]:
    """The outlying scores among `rows`, by (member, bid, item)."""
    return {_key(o): o for o in formulas.outliers(document(found, rows))}


def _at(r):
    return r["member_id"], r["bid_id"], r["item_id"]


def unflagged(rows: list[dict], flagged: dict, found_outliers: dict) -> list[dict]:
    """Outlying scores with no flag standing on their present points (`flagged`: the flagged
    scores' rows by (member, bid, item))."""
    return [r for r in rows if _at(r) in found_outliers
            and (_at(r) not in flagged or flagged[_at(r)]["at"] > flagged[_at(r)]["flagged_at"])]


def raise_flags(room, found: sf.Facts, *, actor, now) -> None:
    """Flag each outlying score to its member (one event per member told), withdraw the waiting
    flags whose scores no longer stand out (a fixed number of queries, and two events per member
    at most). Every score is read for its points alone; the few flagged ones in full."""
    rows = score_rows(found, ("pk", *POINTS_FIELDS))
    flagged = {_at(r): r for r in sf.counted(found).filter(flagged_at__isnull=False).values(*SCORE_FIELDS)}
    found_outliers = outliers(found, rows)
    flag = unflagged(rows, flagged, found_outliers)
    withdraw = [r for key, r in flagged.items() if key not in found_outliers and sf.flag_is_open(r)]
    if flag:
        Score.objects.bulk_update(
            [Score(pk=r["pk"], flagged_at=now, confirmed_reason="", confirmed_at=None,
                   others_mean=Decimal(str(found_outliers[(r["member_id"], r["bid_id"], r["item_id"])]["others_mean"]))
                   .quantize(MEAN)) for r in flag],
            ["flagged_at", "others_mean", "confirmed_reason", "confirmed_at"], batch_size=500)
    if withdraw:
        Score.objects.filter(pk__in=[r["pk"] for r in withdraw]).update(flagged_at=None, others_mean=None)
    bidders = {s.bid["id"]: s.bid["bidder"] for s in found.bids}
    items = {i.pk: i for i in found.items}
    members = {m.pk: m for m in found.members}

    def told(r):
        item = items[r["item_id"]]
        mean = Decimal(str(found_outliers.get((r["member_id"], r["bid_id"], r["item_id"]), {}).get("others_mean", 0)))
        # The member learns which way their score stands out and the threshold, not the others'
        # mean: each expert judges alone until the summary (实施条例 第四十九条).
        return {"bid": r["bid_id"], "bidder": bidders[r["bid_id"]], "item": item.pk, "item_name": item.name,
                "points": sf.points_text(r["points"]), "direction": "above" if r["points"] > mean else "below"}

    by_member = defaultdict(list)
    for r in flag:
        by_member[r["member_id"]].append(told(r))
    for member_id, flags in by_member.items():
        core.append(room, "score_flagged", {"flags": flags, "threshold_percent": sf.points_text(found.table.outlier_percent)},
                    actor=actor, at=now, audience=members[member_id])
    gone = defaultdict(list)
    for r in withdraw:
        item = items[r["item_id"]]
        gone[r["member_id"]].append({"bid": r["bid_id"], "bidder": bidders[r["bid_id"]], "item": item.pk,
                                     "item_name": item.name})
    for member_id, flags in gone.items():
        core.append(room, "flags_withdrawn", {"flags": flags}, actor=actor, at=now, audience=members[member_id])
