"""The evaluation room's event kinds, each with its audience and the name a person reads.

The room admits only the committee, the lot's center staff and its supervisors (viewing.py);
within it, every event is everyone's except a flag on a member's own score, which only that
member sees. Progress events carry counts, never another member's verdicts or scores before
the summary: each expert judges alone (实施条例 第四十九条)."""

from django.utils.translation import pgettext_lazy

from rooms.events import Audience, EventCatalog, EventKind

ROOM_EVENTS = EventCatalog(
    EventKind("room_opened", pgettext_lazy("room event", "Evaluation room opened")),
    EventKind("signed_in", pgettext_lazy("room event", "Member signed in")),
    EventKind("declared", pgettext_lazy("room event", "No conflict declared")),
    EventKind("recused", pgettext_lazy("room event", "Member recused")),
    EventKind("member_replaced", pgettext_lazy("room event", "Replacement drawn")),
    EventKind("leader_vote", pgettext_lazy("room event", "Vote for the leader")),
    EventKind("leader_elected", pgettext_lazy("room event", "Leader elected")),
    EventKind("paused", pgettext_lazy("room event", "Room paused")),
    EventKind("resumed", pgettext_lazy("room event", "Room resumed")),
    EventKind("review_started", pgettext_lazy("room event", "Review started")),
    EventKind("review_progress", pgettext_lazy("room event", "Review progress")),
    EventKind("review_submitted", pgettext_lazy("room event", "Review submitted")),
    EventKind("review_concluded", pgettext_lazy("room event", "Review concluded")),
    EventKind("question_asked", pgettext_lazy("room event", "Question to a bidder")),
    EventKind("question_answered", pgettext_lazy("room event", "Bidder answered")),
    EventKind("scoring_started", pgettext_lazy("room event", "Scoring started")),
    EventKind("scoring_progress", pgettext_lazy("room event", "Scoring progress")),
    EventKind("score_flagged", pgettext_lazy("room event", "Score flagged for review"), Audience.ADDRESSEE),
    EventKind("flags_withdrawn", pgettext_lazy("room event", "Flag withdrawn: the score no longer stands out"),
              Audience.ADDRESSEE),
    EventKind("flag_confirmed", pgettext_lazy("room event", "Flagged score confirmed")),
    EventKind("below_cost_vote", pgettext_lazy("room event", "Below-cost vote")),
    EventKind("scores_submitted", pgettext_lazy("room event", "Scores submitted")),
    EventKind("submission_returned", pgettext_lazy("room event", "Submission returned for correction")),
    EventKind("tie_drawn", pgettext_lazy("room event", "Tie drawn")),
    EventKind("summarized", pgettext_lazy("room event", "Summary and ranking")),
    EventKind("dissent_recorded", pgettext_lazy("room event", "Dissent recorded")),
    EventKind("report_made", pgettext_lazy("room event", "Report made")),
    EventKind("report_signed", pgettext_lazy("room event", "Report signed")),
    EventKind("signing_refused", pgettext_lazy("room event", "Signature refused")),
    EventKind("report_final", pgettext_lazy("room event", "Report final")),
)
