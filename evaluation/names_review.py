"""The names people read of the review's audit events (trading.event_text): verdicts, submissions, the conclusion, questions to bidders, bid files read.

The room's events are audited as "evaluation.room.<kind>" (evaluation.room.core.append), named
by their kinds' own names; their data keys are labelled for these actions only, so that a key
("question", "responsive") means here what it says here. "reason", "bidder", "file", "size"
(bytes), "expert", "answer", "answer_due" keep the labels every floor gives them."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from trading import event_text as t

from .choices import Stage
from .room.events import ROOM_EVENTS

PASS_FAIL = {"pass": pgettext_lazy("verdict", "Pass"), "fail": pgettext_lazy("verdict", "Fail")}
HOW = {"viewed": pgettext_lazy("bid file read", "Shown in the page"),
       "downloaded": pgettext_lazy("bid file read", "Downloaded")}
ROOM_KINDS = ("review_progress", "review_submitted", "review_concluded", "submission_returned", "question_asked",
              "question_answered", "scoring_started")

ACTIONS = {
    "evaluation.verdict_recorded": pgettext_lazy("audit event", "Check recorded by a committee member"),
    "evaluation.bid_file_read": pgettext_lazy("audit event", "Bid file read by a committee member"),
    **{f"evaluation.room.{kind}": ROOM_EVENTS[kind].label for kind in ROOM_KINDS},
}
OBJECTS = {
    "evaluation.evaluationroom": pgettext_lazy("audit object", "Evaluation room"),
}


def one_of(words):
    def write(value):
        return str(words[value]) if value in words else t.plain(value)
    return write


def outcomes(value) -> str:
    """The conclusion, bid by bid: "某公司: not responsive (营业执照: 已过期; 过期)"."""
    if not isinstance(value, list):
        return t.plain(value)
    shown = []
    for bid in value:
        if not isinstance(bid, dict):
            continue
        if bid.get("responsive"):
            shown.append(_("%(bidder)s: responsive") % {"bidder": t.plain(bid.get("bidder"))})
            continue
        failed = t.clauses(_("%(check)s (%(reasons)s)") % {"check": t.plain(f.get("check")),
                                                            "reasons": t.listed(t.plain(r) for r in f.get("reasons", []))}
                           for f in bid.get("failed", []) if isinstance(f, dict))
        shown.append(_("%(bidder)s: not responsive, fails %(failed)s") % {"bidder": t.plain(bid.get("bidder")),
                                                                           "failed": failed})
    return t.in_fields(shown) or t.plain(None)


def _room(*kinds):
    return [f"evaluation.room.{kind}" for kind in kinds]


# Each group: (its labels, the actions they are for).
SCOPED = [
    ({"check": (pgettext_lazy("event field", "Check"), t.text),
      "table_check": (None, t.hidden),
      "verdict": (pgettext_lazy("event field", "Verdict"), one_of(PASS_FAIL))}, ["evaluation.verdict_recorded"]),
    ({"recorded": (pgettext_lazy("event field", "Checks recorded"), t.count),
      "to_record": (pgettext_lazy("event field", "Checks to record"), t.count)}, _room("review_progress")),
    ({"submitted": (pgettext_lazy("event field", "Members who submitted"), t.count),
      "seated": (pgettext_lazy("event field", "Members of the committee"), t.count)}, _room("review_submitted")),
    ({"responsive": (pgettext_lazy("event field", "Responsive bids"), t.count)},
     _room("review_concluded", "scoring_started")),
    ({"members": (pgettext_lazy("event field", "Members of the committee"), t.count),
      "outcomes": (pgettext_lazy("event field", "Outcome per bid"), outcomes)}, _room("review_concluded")),
    ({"stage": (pgettext_lazy("event field", "What is returned"), one_of(dict(Stage.choices)))},
     _room("submission_returned")),
    ({"question_id": (None, t.hidden),
      "question": (pgettext_lazy("event field", "Question to the bidder"), t.text),
      "hours": (pgettext_lazy("event field", "Time to answer (hours)"), t.count)},
     _room("question_asked", "question_answered")),
    ({"how": (pgettext_lazy("event field", "How"), one_of(HOW))}, ["evaluation.bid_file_read"]),
]


def register() -> None:
    t.name_actions(ACTIONS)
    t.name_objects(OBJECTS)
    for fields, actions in SCOPED:
        t.label_fields(fields, actions=actions)
