"""A lot's stage as people read it: its state on the server clock, its label, what comes next, why it ended.

The lifecycle's state with the clock applied, its label, what comes next and, for a lot that
failed or was cancelled, why. Every page that shows a lot's state asks here (the `{% lot_stage %}` tag, the hall, the bid
page), so that the portal, the tender pages, the workspaces and the hall never disagree. The
states and their labels are the lifecycle's (choices.LotState); the dates come from the lot and
its tender's legal settings, as the lifecycle's guards read them."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .choices import LotState as S
from .formats import local_text
from .lifecycle import contract_due, publicity_ends
from .models import AuditEvent

# The transitions that end a lot without a contract, whose audit event says why.
_ENDINGS = ("lot.fail_too_few_bids", "lot.fail_opening", "lot.fail_evaluation", "lot.cancel")
# The stages where the bids are opened, or are about to be: the opening hall is live.
OPENING_STAGES = frozenset({S.PUBLISHED, S.CLOSED, S.OPENING})


@dataclass(frozen=True)
class Stage:
    state: str  # a LotState value: the stored state, or CLOSED once the deadline has passed
    label: str
    next_step: str  # what happens next, in one sentence a member of the public understands
    reason: str = ""  # why the lot failed or was cancelled, as recorded

    @property
    def is_past_opening(self) -> bool:
        """The opening is over (or will never happen): the hall has an outcome, not a countdown."""
        return self.state not in OPENING_STAGES and self.state != S.DRAFT


def effective_state(lot, now) -> str:
    """The lot's state on the server clock: a lot still stored as open whose deadline has passed
    has closed, whether or not the closing job has run yet (it records the transition)."""
    deadline = lot.project.bid_deadline
    if lot.state == S.PUBLISHED and deadline is not None and now >= deadline:
        return S.CLOSED
    return lot.state


def stage_of(lot, now, *, with_reason: bool = False) -> Stage:
    """The lot's stage now. `with_reason` reads why a failed or cancelled lot ended (one query:
    for a page about the lot, not for a list)."""
    state = effective_state(lot, now)
    reason = ending_reason(lot) if with_reason and state in (S.FAILED, S.CANCELLED) else ""
    return Stage(state=state, label=str(S(state).label), next_step=_next_step(lot, state, reason), reason=reason)


def _next_step(lot, state, reason) -> str:
    project = lot.project
    if state == S.DRAFT:
        return _("Not published yet.")
    if state == S.PUBLISHED:
        return _("Bids are taken until the deadline, %(deadline)s (Beijing time); they are opened then, in the opening hall.") % {
            "deadline": local_text(project.bid_deadline, "min")}
    if state == S.CLOSED:
        return _("Bidding has closed; the bids are opened in the opening hall.")
    if state == S.OPENING:
        return _("The bids are being opened in the opening hall.")
    if state == S.EVALUATION:
        return _("The opening has ended; the evaluation committee is reviewing the bids. The winning candidates will be published.")
    if state == S.PUBLICITY:
        return _("The winning candidates are in publicity until %(ends)s (Beijing time); the award follows.") % {
            "ends": local_text(publicity_ends(lot), "min")}
    if state == S.AWARDED:
        return _("The winning bidder is named; the contract is to be signed by %(by)s (within %(days)d days).") % {
            "by": local_text(contract_due(lot), "min"), "days": project.contract_days}
    if state == S.CONTRACTED:
        return _("The contract is signed.")
    if state == S.ARCHIVED:
        return _("The tender is finished and archived.")
    if state == S.FAILED:
        return _("The tender failed; it may be tendered again.")
    return _("The tender was cancelled.")


def ending_reason(lot) -> str:
    """Why a lot failed or was cancelled, from the audit event of the transition that ended it."""
    event = (AuditEvent.objects.filter(object_type=lot._meta.label_lower, object_id=str(lot.pk), action__in=_ENDINGS)
             .order_by("-seq").values("action", "data").first())
    if event is None:
        return ""
    data = event["data"] or {}
    if event["action"] == "lot.fail_too_few_bids":
        return _("%(n)d complete bids at the deadline, fewer than the %(min)d needed to open them (%(citation)s).") % {
            "n": data.get("complete_bids") or 0, "min": lot.project.min_bids, "citation": "《招标投标法实施条例》第四十四条"}
    return str(data.get("reason") or "")
