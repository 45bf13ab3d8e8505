"""The demo's past evaluations: the committee drawn and confirmed through the draw's services, its room opened, its outcome recorded.

The lifecycle takes the report's facts (signed, the ranked candidates) from the evaluation
floor (evaluation.facts), never from a caller, so a demo lot that went on to publicity needs its
evaluation on the platform. For each such lot that is not a price sale (a sale has no committee:
its ranking is its opening record):

1. the center's staff set up and run the committee draw (evaluation.draw_services, audited), from
   the province pool, two hours after the opening; every drawn expert confirms in time
   (evaluation.answers), which forms the committee;
2. the evaluation room opens the next morning (evaluation.room.core.ensure_room);
3. DEMO SHORTCUT: the room's outcome, the summary ranking the bids the spec names as candidates
   at their opened prices and the report final, is recorded here in one step, with the room's
   "summarized" and "report_final" events (audited). The room's own steps (sign-in, review,
   scoring, summary, the signed report) are other parts of issue 18; when they are in, this step
   is to be replaced by them, taken through their services with the demo's experts.
"""

from datetime import timedelta

from django.db import transaction

from evaluation import answers
from evaluation.choices import RoomState
from evaluation.draw_services import DrawRequest, draw_committee, set_up
from evaluation.room import core

# The committee of each demo lot the demo evaluates: specialties asked (code, experts).
COMMITTEES = {
    "NN2026-ZC-0088": [("B0101", 4), ("C0101", 1)],  # 信息技术设备, 信息技术服务
}
DRAW_AFTER = timedelta(hours=2)  # after the deadline (= the opening)
ANSWERED_AFTER = timedelta(minutes=12)  # after the draw
EVALUATION_AFTER = timedelta(days=1)  # the evaluation starts the next morning (deadline 09:30 → 09:30)
SUMMARIZED_AFTER = timedelta(hours=6)  # after the room opens
FINAL_AFTER = timedelta(hours=7)


def evaluate(demo, spec, lot, staff, deadline) -> None:
    """Draw, confirm and seat the lot's committee, open its room and record its outcome."""
    groups = COMMITTEES[spec.code]
    drawn_at = deadline + DRAW_AFTER
    opens_at = deadline + EVALUATION_AFTER
    set_up(staff, lot.pk, DrawRequest(size=sum(n for _code, n in groups), representatives=[], specialties=groups,
                                      evaluation_at=opens_at, answer_minutes=60), now=drawn_at - timedelta(minutes=10))
    members = draw_committee(staff, lot.pk, now=drawn_at)
    for i, member in enumerate(sorted(members, key=lambda m: m.pick)):
        answers.answer(member.expert.user, member.pk, accept=True, now=drawn_at + ANSWERED_AFTER + i * timedelta(minutes=3))
    lot.refresh_from_db()
    room = core.ensure_room(lot, now=opens_at)
    _record_outcome(demo, room, spec, lot, opens_at)


def _record_outcome(demo, room, spec, lot, opens_at) -> None:
    """DEMO SHORTCUT (see the module's docstring): the summary and the final report in one step."""
    opened = core.opened_bids(lot.pk)
    by_org = {row["organization_id"]: row for row in opened}
    ranked = [by_org[demo.orgs[key].pk] for key in spec.candidates]
    experts = [{"id": m.expert_id, "name": m.expert.user.display_name} for m in core.seated_members(room)]
    document = {
        "format": "kaibiao/evaluation v1", "lot": f"{lot.project.code}/{lot.number}", "method": lot.evaluation_method,
        "experts": experts,
        "bids": [{"id": row["id"], "bidder": row["bidder"], "price": str(row["price"]), "responsive": True,
                  "reasons": []} for row in opened],
        "items": [], "scores": [],
        "tie_break": {"commitment": room.tie_commitment, "seed": room.tie_seed},
    }
    ranking = [{"bid": row["id"], "bidder": row["bidder"], "rank": rank, "evaluated_price": str(row["price"])}
               for rank, row in enumerate(ranked, start=1)]
    result = {"ranking": ranking, "candidates": [row["id"] for row in ranked]}
    summarized, final = opens_at + SUMMARIZED_AFTER, opens_at + FINAL_AFTER
    with transaction.atomic():
        room = core.locked(lot.pk)
        room.summary, room.summarized_at = {"document": document, "result": result}, summarized
        room.state, room.final_at = RoomState.FINAL, final
        room.save(update_fields=["summary", "summarized_at", "state", "final_at"])
        core.append(room, "summarized", {}, actor=None, at=summarized)
        core.append(room, "report_final", {}, actor=None, at=final)

