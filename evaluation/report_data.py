"""The evaluation report as data: the room's rows and its summary → the plain dict evaluation.report_pdf renders.

Everything comes from the server's rows and the summary the committee's leader made
(room.summary = {"document", "result"}, docs/evaluation-format.md); nothing from a client. A
fixed number of queries whatever the number of bids, members and items. The result's fields are
read where the renderer needs them (report_pdf), each with a default, so a figure the result
lacks shows as absent rather than failing the report."""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from trading.choices import EvaluationMethod

from .choices import CheckKind, ItemCategory
from .models import (Attendance, BelowCostVote, CheckVerdict, Clarification, Dissent, EvaluationEvent, Score,
                     TableCheck)
from .room import core


def _iso(dt):
    return dt.isoformat() if dt else None


def _name(member) -> str:
    user = member.expert.user
    return user.full_name or user.username


def _text(value) -> str | None:
    return None if value is None else format(value, "f")


def _decimal(text) -> Decimal | None:
    try:
        return Decimal(str(text))
    except ArithmeticError:
        return None


def build_report(room, *, made_at) -> dict:
    """The report of `room` (summarized: its summary is stored) as of `made_at`."""
    lot, project = room.lot, room.lot.project
    summary = room.summary or {}
    document, result = summary.get("document") or {}, summary.get("result") or {}
    members = core.seated_members(room)
    names = {m.pk: _name(m) for m in members}
    signed_in = dict(Attendance.objects.filter(room=room).values_list("member_id", "signed_in_at"))
    draw = getattr(lot, "committee_draw", None)
    bids = core.opened_bids(lot.pk)
    bidders = {b["id"]: b["bidder"] for b in bids}
    checks = list(TableCheck.objects.filter(table__lot=lot).order_by("order"))
    return {
        "lot": {
            "code": document.get("lot") or f"{project.code}/{lot.number}",
            "project_code": project.code, "project_name": project.name, "lot_number": lot.number,
            "lot_name": lot.name, "trading_center": project.center.name,
            "tenderee": project.tenderee.name if project.tenderee_id else None,
            "agent": project.agent.name if project.agent_id else None,
            "budget": _text(lot.budget), "ceiling_price": _text(lot.ceiling_price),
            "method": lot.evaluation_method,
            "method_label": _method_zh(lot.evaluation_method),
        },
        "times": {"opened_at": _iso(room.opened_at), "summarized_at": _iso(room.summarized_at),
                  "made_at": _iso(made_at)},
        "committee": [{"id": m.pk, "name": names[m.pk], "title": m.expert.title, "employer": m.expert.employer_name,
                       "pick": m.pick, "leader": m.pk == room.leader_id, "signed_in_at": _iso(signed_in.get(m.pk))}
                      for m in members],
        "representatives": list(getattr(draw, "tenderee_reps", None) or []),
        "checks": [{"id": c.pk, "kind": c.kind, "kind_label": CHECK_KINDS.get(c.kind, c.kind), "name": c.name}
                   for c in checks],
        "bids": [{"id": b["id"], "order": b["order"], "bidder": b["bidder"], "price": _text(b["price"])}
                 for b in bids],
        "verdicts": _verdicts(room, names),
        "clarifications": _clarifications(room, names, bidders),
        "document": document,
        "result": result,
        "flags": _flags(room, names),
        "below_cost": _below_cost(room, names, bidders, len(members)),
        "dissents": [{"member": d.member_id, "name": names.get(d.member_id) or _name(d.member), "reasons": d.reasons,
                      "at": _iso(d.at)}
                     for d in Dissent.objects.filter(room=room).select_related("member__expert__user").order_by("at")],
        "tie_break": {"commitment": room.tie_commitment,
                      "seed": (document.get("tie_break") or {}).get("seed")},
    }


CHECK_KINDS = {CheckKind.QUALIFICATION: "资格审查", CheckKind.RESPONSIVENESS: "符合性审查"}
CATEGORIES = {ItemCategory.TECHNICAL: "技术", ItemCategory.COMMERCIAL: "商务"}
METHODS = {EvaluationMethod.LOWEST_PRICE: "最低投标价法", EvaluationMethod.COMPREHENSIVE: "综合评估法（综合评分法）",
           EvaluationMethod.LOWEST_EVALUATED: "经评审的最低投标价法", EvaluationMethod.HIGHEST_PRICE: "最高价法"}


def _method_zh(method) -> str:
    return METHODS.get(method, str(method))


def _verdicts(room, names) -> list[dict]:
    """Every member's pass or fail on each check of each bid, with the reason of each fail."""
    return [{"member": v["member_id"], "name": names.get(v["member_id"], str(v["member_id"])), "bid": v["bid_id"],
             "check": v["table_check_id"], "passed": v["passed"], "reason": v["reason"]}
            for v in CheckVerdict.objects.filter(room=room).order_by("bid_id", "table_check__order", "member__pick")
            .values("member_id", "bid_id", "table_check_id", "passed", "reason")]


def _clarifications(room, names, bidders) -> list[dict]:
    return [{"bid": c.bid_id, "bidder": bidders.get(c.bid_id, str(c.bid_id)), "question": c.question,
             "asked_by": names.get(c.asked_by_id) or _name(c.asked_by), "asked_at": _iso(c.asked_at),
             "answer_due": _iso(c.answer_due), "answer": c.answer,
             "answered_by": str(c.answered_by) if c.answered_by_id else None, "answered_at": _iso(c.answered_at)}
            for c in Clarification.objects.filter(room=room).select_related("asked_by__expert__user", "answered_by")
            .order_by("asked_at")]


def _flags(room, names) -> list[dict]:
    """Each score flagged as an outlier and what its member did: kept it with a reason, or
    changed it (the points flagged are those the flag's event told the member)."""
    told = {}
    events = EvaluationEvent.objects.filter(room=room, kind="score_flagged").order_by("seq")
    for event in events.values("audience_id", "data"):
        for flag in (event["data"] or {}).get("flags") or []:
            if isinstance(flag, dict):
                told[(event["audience_id"], flag.get("bid"), flag.get("item"))] = flag.get("points")
    places = Decimal(1).scaleb(-int((room.summary or {}).get("document", {}).get("decimals") or 2))
    out = []
    for s in (Score.objects.filter(room=room, flagged_at__isnull=False)
              .order_by("bid_id", "item__order", "member__pick")
              .values("member_id", "bid_id", "item_id", "points", "others_mean", "at", "flagged_at",
                      "confirmed_reason")):
        flagged = told.get((s["member_id"], s["bid_id"], s["item_id"]))
        if s["confirmed_reason"]:
            outcome = "confirmed"
        elif s["at"] > s["flagged_at"] or (flagged is not None and _decimal(flagged) != s["points"]):
            outcome = "changed"
        else:
            outcome = "open"
        mean = s["others_mean"]
        out.append({"member": s["member_id"], "name": names.get(s["member_id"], str(s["member_id"])),
                    "bid": s["bid_id"], "item": s["item_id"], "points": _text(s["points"]), "flagged_points": flagged,
                    "others_mean": None if mean is None else _text(mean.quantize(places, ROUND_HALF_UP)),
                    "outcome": outcome, "reason": s["confirmed_reason"]})
    return out


def _below_cost(room, names, bidders, seated: int) -> list[dict]:
    """Per bid voted on: each member's vote and reason; rejected where most of the seated
    members voted it below cost."""
    votes = defaultdict(list)
    for v in (BelowCostVote.objects.filter(room=room).order_by("bid_id", "member__pick")
              .values("member_id", "bid_id", "below_cost", "reason", "at")):
        votes[v["bid_id"]].append({"member": v["member_id"], "name": names.get(v["member_id"], str(v["member_id"])),
                                   "below_cost": v["below_cost"], "reason": v["reason"], "at": _iso(v["at"])})
    return [{"bid": bid, "bidder": bidders.get(bid, str(bid)), "votes": vs,
             "rejected": 2 * sum(v["below_cost"] for v in vs) > seated}
            for bid, vs in votes.items()]

