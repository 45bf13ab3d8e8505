"""The names people read of the evaluation room's scoring events (trading.event_text).

The room's own events are audited as "evaluation.room.<kind>" (room/core.append; their names
come from the room's event catalogue); the scoring also records each score and each confirmed
flag as audit events of its own, with the points, which the room's events never carry. Their
keys are labelled for these actions only (SCOPED), so that another part's "submitted" or
"points" may read otherwise."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from trading import event_text as t

from .choices import Stage

ACTIONS = {
    "evaluation.scoring.score_recorded": pgettext_lazy("audit event", "Score recorded"),
    "evaluation.scoring.flag_confirmed": pgettext_lazy("audit event", "Flagged score kept, with a reason"),
}
OBJECTS: dict = {}
FIELDS: dict = {}


def stage(value) -> str:
    return str(Stage(value).label) if value in Stage.values else t.plain(value)


def flags(value) -> str:
    """Flagged scores: 某公司，施工方案 18（高于其他专家的平均分）."""
    if not isinstance(value, list):
        return t.plain(value)
    return t.listed(_flag(f) for f in value if isinstance(f, dict)) or t.plain(None)


def _flag(f: dict) -> str:
    where = _("%(bidder)s, %(item)s") % {"bidder": t.plain(f.get("bidder")), "item": t.plain(f.get("item_name"))}
    ways = {"above": _("above the others' mean"), "below": _("below the others' mean")}
    if f.get("direction") not in ways:
        return where  # a withdrawn flag names the score only
    return _("%(score)s %(points)s (%(way)s)") % {"score": where, "points": t.plain(f.get("points")),
                                                   "way": ways[f["direction"]]}


def ranking(value) -> str:
    """The ranking: 1. 某公司 92.50 (total points), or 1. 某公司 ¥1,234.00 (evaluated price)."""
    if not isinstance(value, list):
        return t.plain(value)
    return t.listed(_("%(rank)s. %(name)s %(figure)s") % {
        "rank": t.plain(r.get("rank")), "name": t.plain(r.get("name")),
        "figure": t.plain(r["total"]) if "total" in r else t.money(r.get("evaluated_price"))}
        for r in value if isinstance(r, dict)) or t.plain(None)


def ties(value) -> str:
    """The ties the draw broke: 甲公司、乙公司."""
    if not isinstance(value, list):
        return t.plain(value)
    return t.clauses(t.names(tie.get("bids")) for tie in value if isinstance(tie, dict)) or t.plain(None)


_POINTS = {
    "item": (None, t.hidden),
    "item_name": (pgettext_lazy("event field", "Scored item"), t.text),
    "points": (pgettext_lazy("event field", "Points"), t.text),
}
SCOPED = [
    ({**_POINTS, "previous": (pgettext_lazy("event field", "Points before"), t.text)},
     ["evaluation.scoring.score_recorded"]),
    (_POINTS, ["evaluation.scoring.flag_confirmed"]),
    ({"scored": (pgettext_lazy("event field", "Scores given"), t.count),
      "needed": (pgettext_lazy("event field", "Scores owed"), t.count),
      "submitted": (pgettext_lazy("event field", "Submitted"), t.yes_no)},
     ["evaluation.room.scoring_progress"]),
    ({"members_submitted": (pgettext_lazy("event field", "Members submitted"), t.count),
      "members_seated": (pgettext_lazy("event field", "Members seated"), t.count)},
     ["evaluation.room.scores_submitted", "evaluation.room.below_cost_vote"]),
    ({"open_flags": (pgettext_lazy("event field", "Flags awaiting an answer"), t.count)},
     ["evaluation.room.flag_confirmed"]),
    ({"flags": (pgettext_lazy("event field", "Scores flagged"), flags),
      "threshold_percent": (pgettext_lazy("event field", "Outlier threshold, percent of the item's range"), t.text)},
     ["evaluation.room.score_flagged", "evaluation.room.flags_withdrawn"]),
    ({"below_cost": (pgettext_lazy("event field", "Below cost"), t.yes_no),
      "votes_below_cost": (pgettext_lazy("event field", "Votes for below cost"), t.count),
      "rejected": (pgettext_lazy("event field", "Rejected as below cost"), t.yes_no)},
     ["evaluation.room.below_cost_vote"]),
    ({"missing": (pgettext_lazy("event field", "Scores missing"), t.count)},  # "stage": named by names_review
     ["evaluation.room.submission_returned"]),
    ({"ranking": (pgettext_lazy("event field", "Ranking"), ranking)}, ["evaluation.room.summarized"]),
    ({"ties": (pgettext_lazy("event field", "Ties drawn between"), ties)}, ["evaluation.room.tie_drawn"]),
]
