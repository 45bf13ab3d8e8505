"""The names people read of the evaluation room's events (trading.event_text).

Every event of the room is audited as "evaluation.room.<kind>" (evaluation/room/core.append)
and named here by its kind's own label (evaluation/room/events.py): one name for the room's
record on the page and for the audit trail. The gathering's data: the member acting ("member",
kept, not shown; "expert", their name: only the committee, the lot's staff and its supervisors
read the room and the audit trail), the candidate of a vote, the votes counted, a pause's
reason ("reason", labelled once for every floor by trading.event_text)."""

from django.utils.translation import pgettext_lazy

from trading import event_text as t

from .room.events import ROOM_EVENTS

ACTIONS = {
    "evaluation.supervisor_present": pgettext_lazy("audit event", "Supervisor watching the evaluation room"),
    **{f"evaluation.room.{kind.name}": kind.label for kind in ROOM_EVENTS},
}
OBJECTS = {
    "evaluation.evaluationroom": pgettext_lazy("audit object", "Evaluation room"),
}
FIELDS = {
    "tie_commitment": (pgettext_lazy("event field", "Tie-break commitment"), t.digest),
    "candidate": (None, t.hidden),
    "candidate_expert": (pgettext_lazy("event field", "Vote for"), t.text),
    "replacement_name": (pgettext_lazy("event field", "Replacement"), t.text),
    "votes": (pgettext_lazy("event field", "Votes"), t.count),
    "seated": (pgettext_lazy("event field", "Members seated"), t.count),
    "paused_at": (pgettext_lazy("event field", "Paused at"), t.moment),
}
