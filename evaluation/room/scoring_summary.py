"""The summary and ranking (汇总): made by the leader once every seated member has submitted and no flag waits.

Built from the database in a fixed number of queries whatever the number of bids, members and
items; the tie-break seed committed when the room opened is revealed into its document; the
points and the ranking are evaluation.formulas.evaluate's, never typed. Stored as
room.summary = {"document", "result"}, the room moves to summarized and everyone is told the
ranking. The report (room/report.py) prints it; the published scores file is its document and
result (docs/evaluation-format.md)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trading.errors import PermissionDenied, RuleViolation

from .. import formulas
from . import core, states
from . import scoring_facts as sf
from .scoring_document import POINTS_FIELDS, document, drawn_k, score_rows


def check_ready(found: sf.Facts, rows: list[dict], submitted: set) -> None:
    """Refuse, saying what is still awaited, a summary the committee's work does not yet allow.

    The flags need no last look here: they are worked out each time every member stands
    submitted (scoring.submit_scores, and after a below-cost vote moves a bid), and no score
    changes without its member's submission being reopened."""
    waiting = len(found.member_ids - submitted)
    if waiting:
        raise RuleViolation(ngettext("%(n)d member has not submitted their scores yet.",
                                     "%(n)d members have not submitted their scores yet.", waiting) % {"n": waiting})
    given: dict[int, int] = {}
    for r in rows:
        given[r["member_id"]] = given.get(r["member_id"], 0) + 1
    short = sum(1 for m in found.member_ids if given.get(m, 0) < found.needed)
    if short:
        raise RuleViolation(ngettext("%(n)d member's scores are incomplete: the leader returns them to be completed.",
                                     "%(n)d members' scores are incomplete: the leader returns them to be completed.",
                                     short) % {"n": short})
    waiting_flags = sf.counted(found).filter(sf.OPEN_FLAG).count()
    if waiting_flags:
        raise RuleViolation(ngettext("%(n)d flagged score is not answered yet.",
                                     "%(n)d flagged scores are not answered yet.", waiting_flags) % {"n": waiting_flags})


def ranking_event(result: dict, method: str) -> dict:
    """What everyone is told with the summary: the ranking and the candidates, by bidder, with
    the figure each is ranked on (total points, or the evaluated price)."""
    bids = {b["id"]: b for b in result["bids"]}
    on = "total" if method == "comprehensive" else "evaluated_price"

    def told(bid_id):
        b = bids[bid_id]
        return {"rank": b["rank"], "bid": bid_id, "name": b["bidder"], "price": b["price"], on: b[on]}

    return {"evaluation_method": method, "ranking": [told(i) for i in result["ranking"]],
            "candidates": [told(i) for i in result["candidates"]]}


def ties_drawn(result: dict) -> list[dict]:
    """The ties only the draw broke, by bidder, each with its bids' draw digests."""
    names = {b["id"]: b["bidder"] for b in result["bids"]}
    return [{"bids": [names[i] for i in tie["bids"]], "draws": [{**d, "bidder": names[d["bid"]]} for d in tie["draws"]]}
            for tie in result["ties"] if tie["draws"]]


def summarize(*, actor, lot_id, now=None):
    """The leader's summary and ranking, once every seated member has submitted and every flag is answered."""
    now = now or timezone.now()
    with transaction.atomic():
        room, member = sf.begin(lot_id, "summarize", actor)
        if room.leader_id != member.pk:
            raise PermissionDenied(_("Only the committee leader makes the summary."))
        found = sf.facts(room)
        rows = score_rows(found, POINTS_FIELDS)
        check_ready(found, rows, sf.submitted_ids(found))
        k = drawn_k(room.lot_id) if found.table.uses_k else None
        if found.table.uses_k and k is None:
            raise RuleViolation(_("The random coefficient K was not drawn at the opening: the price points cannot be computed."))
        if room.lot.evaluation_method not in formulas.METHODS:
            raise RuleViolation(_("This lot's evaluation method is not one the room computes."))
        doc = document(found, rows, k=k, seed=room.tie_seed)
        result = formulas.evaluate(doc)
        room.summary = {"document": doc, "result": result}
        room.summarized_at = now
        room.state = states.STEPS["summarize"].target
        room.save(update_fields=["summary", "summarized_at", "state"])
        drawn = ties_drawn(result)
        if drawn:  # the seed committed when the room opened decides them, in the open
            core.append(room, "tie_drawn", {"seed": room.tie_seed, "ties": drawn}, actor=actor, at=now)
        core.append(room, "summarized", ranking_event(result, room.lot.evaluation_method), actor=actor, at=now)
        # Hook (H-report): the report PDF is made from room.summary by report.make_report.
    return result
