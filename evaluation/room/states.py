"""The evaluation room's own state machine: one table of steps, their states and refusals.

gathering (sign in, declare, elect the leader) → reviewing (pass/fail checks, questions to
bidders) → scoring (items, flags, below-cost votes) → summarized (the ranking) → signing (the
report) → final. Pausing is beside it: a paused room takes no member's command. Every room
command asks this table; no command writes its own state rule."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..choices import RoomState as R


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: str | None  # None: the step keeps the room's state
    refusal: str


ANY_OPEN = frozenset({R.GATHERING, R.REVIEWING, R.SCORING, R.SUMMARIZED, R.SIGNING})

STEPS = {
    "sign_in": Step(ANY_OPEN, None, _("The room is closed: the report is final.")),
    "declare": Step(frozenset({R.GATHERING}), None, _("Declarations are made before the review starts.")),
    "vote_leader": Step(frozenset({R.GATHERING}), None, _("The leader is elected before the review starts.")),
    "start_review": Step(frozenset({R.GATHERING}), R.REVIEWING, _("The review has already started.")),
    "record_verdict": Step(frozenset({R.REVIEWING}), None, _("Checks are recorded during the review.")),
    "ask_question": Step(frozenset({R.REVIEWING, R.SCORING}), None,
                         _("Questions to bidders are asked during the review and the scoring.")),
    "submit_review": Step(frozenset({R.REVIEWING}), None, _("The review is submitted during the review.")),
    "start_scoring": Step(frozenset({R.REVIEWING}), R.SCORING, _("Scoring starts once the review is concluded.")),
    "record_score": Step(frozenset({R.SCORING}), None, _("Scores are recorded during the scoring.")),
    "confirm_flag": Step(frozenset({R.SCORING}), None, _("Flags are answered during the scoring.")),
    "vote_below_cost": Step(frozenset({R.SCORING}), None, _("Below-cost votes are taken during the scoring.")),
    "submit_scores": Step(frozenset({R.SCORING}), None, _("Scores are submitted during the scoring.")),
    "return_submission": Step(frozenset({R.REVIEWING, R.SCORING}), None,
                              _("A submission is returned only before the summary.")),
    "summarize": Step(frozenset({R.SCORING}), R.SUMMARIZED, _("The summary is made once every member has submitted.")),
    "record_dissent": Step(frozenset({R.SUMMARIZED}), None, _("A dissent is recorded before the report is made.")),
    "make_report": Step(frozenset({R.SUMMARIZED}), R.SIGNING, _("The report is made after the summary, once.")),
    "sign_report": Step(frozenset({R.SIGNING}), None, _("The report is signed once it is made.")),
    "finish_report": Step(frozenset({R.SIGNING}), R.FINAL, _("The report is final once every member has signed.")),
    "pause": Step(ANY_OPEN, None, _("The room is closed: the report is final.")),
    "resume": Step(ANY_OPEN, None, _("The room is closed: the report is final.")),
}


def refusal(room, step: str) -> str | None:
    """Why `step` cannot be taken in `room`'s state now, or None."""
    found = STEPS[step]
    return None if room.state in found.sources else found.refusal


def may(room, step: str) -> bool:
    return refusal(room, step) is None
