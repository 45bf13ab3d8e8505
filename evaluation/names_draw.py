"""The names people read of the evaluation floor's draw events (trading.event_text)."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from trading import event_text as t

from .choices import ExclusionReason, MemberState, RegionScope

ACTIONS = {
    "draw.set_up": pgettext_lazy("audit event", "Committee draw set up"),
    "draw.screened": pgettext_lazy("audit event", "Experts screened for the draw"),
    "draw.committed": pgettext_lazy("audit event", "Draw commitment published"),
    "draw.drawn": pgettext_lazy("audit event", "Committee drawn"),
    "draw.replaced": pgettext_lazy("audit event", "Replacement expert drawn"),
    "draw.short": pgettext_lazy("audit event", "Expert pool ran short"),
    "draw.revealed": pgettext_lazy("audit event", "Committee draw seed revealed"),
}
OBJECTS = {
    "evaluation.committeedraw": pgettext_lazy("audit object", "Committee draw"),
}


def choice(choices):
    def write(value):
        return str(choices(value).label) if value in choices.values else t.plain(value)
    return write


def groups(value) -> str:
    """The request: "A0101 ×3 (the lot's own region only)"."""
    if not isinstance(value, list):
        return t.plain(value)
    scope = {"local": _("from the lot's own region"), "remote": _("from other regions"), "any": ""}
    return t.listed(f"{g.get('specialty')} ×{g.get('count')}" + (f" {scope[g.get('scope')]}" if scope.get(g.get("scope")) else "")
                    for g in value if isinstance(g, dict))


def excluded(value) -> str:
    """How many experts each reason kept out."""
    if not isinstance(value, dict):
        return t.plain(value)
    return t.listed(f"{choice(ExclusionReason)(reason)} {n}" for reason, n in value.items()) or _("none")


def picks(value) -> str:
    if not isinstance(value, list):
        return t.plain(value)
    return t.listed(str(p.get("expert")) for p in value if isinstance(p, dict))


FIELDS = {
    "committee_size": (pgettext_lazy("event field", "Committee size"), t.count),
    "representatives": (pgettext_lazy("event field", "The tenderee's representatives"), t.count),
    "groups": (pgettext_lazy("event field", "Experts asked"), groups),
    "region_scope": (pgettext_lazy("event field", "Where the experts come from"), choice(RegionScope)),
    "evaluation_at": (pgettext_lazy("event field", "Evaluation starts"), t.moment),
    "place": (pgettext_lazy("event field", "Evaluation room"), t.text),
    "answer_minutes": (pgettext_lazy("event field", "Time to answer (minutes)"), t.count),
    "eligible": (pgettext_lazy("event field", "Eligible experts"), t.count),
    "excluded": (pgettext_lazy("event field", "Excluded"), excluded),
    "exclusions_sha256": (pgettext_lazy("event field", "SHA-256 of the exclusion list"), t.digest),
    "lookback_years": (pgettext_lazy("event field", "Look-back (years)"), t.count),
    "picks": (pgettext_lazy("event field", "Experts drawn (ids)"), picks),
    "member_state": (pgettext_lazy("event field", "Answer"), choice(MemberState)),
    "replacement": (None, t.hidden),
    "replacement_expert": (pgettext_lazy("event field", "Replacement (expert id)"), t.text),
    "group": (pgettext_lazy("event field", "Request group"), t.count),
    "shortage": (pgettext_lazy("event field", "Shortage"), t.text),
    "seed": (pgettext_lazy("event field", "Seed"), t.digest),
    "commitment": (pgettext_lazy("event field", "Commitment"), t.digest),
    "snapshot_digest": (pgettext_lazy("event field", "Digest of the eligible pool"), t.digest),
}
