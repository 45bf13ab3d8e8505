"""The scoring part of the room's snapshot: a member's own scores and flags, everyone's progress counts, the summary once made.

Before the summary a member sees their own scores and flags and, of the others, counts only
(scored, submitted, flags waiting); staff and supervisors see the counts. Below-cost votes are
the committee's deliberation, with their reasons, seen by all in the room. After the summary
everyone in the room sees all of it. A fixed number of queries whatever the number of bids,
members and items."""

from ..choices import RoomState
from ..models import Score
from . import scoring_facts as sf

BEFORE = frozenset({RoomState.GATHERING, RoomState.REVIEWING})


def viewer_member_id(viewer):
    """The member id of whoever looks, or None (staff, supervisors): the snapshot's "you"."""
    if isinstance(viewer, dict):
        return viewer.get("member_id")
    return getattr(viewer, "member_id", None)


def _flag(r) -> dict | None:
    if r["flagged_at"] is None:
        return None
    answered = "changed" if r["at"] > r["flagged_at"] else "confirmed" if r["confirmed_at"] else None
    return {"direction": "above" if r["points"] > r["others_mean"] else "below", "answered": answered,
            "reason": r["confirmed_reason"]}


def _own(room, member_id) -> list[dict]:
    """A member's own scores, with their flags (one query)."""
    return [{"bid": r["bid_id"], "item": r["item_id"], "points": sf.points_text(r["points"]), "flag": _flag(r)}
            for r in Score.objects.filter(room=room, member_id=member_id).order_by("bid_id", "item__order")
            .values("bid_id", "item_id", "points", "at", "flagged_at", "others_mean", "confirmed_at", "confirmed_reason")]


def _flags_after(room, found) -> list[dict]:
    """Every flag and its outcome, for everyone once the summary is made (one query)."""
    return [{"member": r["member_id"], "bid": r["bid_id"], "item": r["item_id"], "points": sf.points_text(r["points"]),
             "others_mean": sf.points_text(r["others_mean"]), **_flag(r)}
            for r in Score.objects.filter(room=room, flagged_at__isnull=False).order_by("member__pick", "bid_id", "item__order")
            .values("member_id", "bid_id", "item_id", "points", "at", "flagged_at", "others_mean", "confirmed_at",
                    "confirmed_reason")]


def snapshot_part(room, viewer) -> dict:
    if room.state in BEFORE:
        return {}
    found = sf.facts(room)
    member_ids = found.member_ids
    rows = sf.progress(found)
    member_id = viewer_member_id(viewer)
    summarized = room.summarized_at is not None
    part = {
        "threshold_percent": sf.points_text(found.table.outlier_percent),
        "items": [{"id": i.pk, "category": i.category, "name": i.name, "low": sf.points_text(i.low),
                   "high": sf.points_text(i.high), "guidance": i.guidance} for i in found.items],
        "bids": [{"id": s.bid["id"], "scored": s.scored, "passed_review": s.passed_review,
                  "reasons": s.reasons(member_ids), "below_cost": s.below_cost,
                  "votes": [{"member": v["member_id"], "below_cost": v["below_cost"], "reason": v["reason"],
                             "at": v["at"].isoformat()} for v in s.votes if v["member_id"] in member_ids]}
                 for s in found.bids],
        "needed": found.needed,
        "progress": [rows[m.pk] for m in found.members],
        "all_submitted": all(r["submitted"] for r in rows.values()),
        "open_flags": sum(r["flags_open"] for r in rows.values()),
        "mine": None,
        "summary": room.summary if summarized else None,
        "flags": _flags_after(room, found) if summarized else None,
    }
    if member_id in member_ids:
        part["mine"] = {"scores": _own(room, member_id), "submitted": rows[member_id]["submitted"]}
    return part
