"""The tender lifecycle, per lot: one table of transitions, actors, guards and records.

The tender lifecycle, per lot: one table naming every transition, who may take it, from
which states, its guard, and what it records (DESIGN.md §3).

Guards read the server clock (`now`, passed in by the caller from `timezone.now()`) and facts
that higher floors own (how many complete bids a lot has, whether the report is signed), which
they hand down as arguments: this module imports nothing above `trading`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .choices import LotState as S
from .choices import Role
from .formats import first_minute_from, zoned_text

SYSTEM = "system"  # the platform's own clock-driven jobs

Guard = Callable[["Lot", datetime, dict], "str | None"]  # noqa: F821 - returns a refusal or None


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: str
    actors: frozenset  # roles, and/or SYSTEM
    guard: Guard | None = None
    needs_reason: bool = False
    records: tuple = ()  # facts copied into the audit event
    room: str | None = None  # the live room that alone takes it (its own state machine moves with it)
    consequence: str = ""  # what taking it does, as the person taking it is asked before (trading.confirming)


def _server_time(moment) -> str:
    """An instant as people read it in a message: the server's zone (Beijing), named, not UTC."""
    return zoned_text(moment)


def _deadline_reached(lot, now, facts):
    deadline = lot.project.bid_deadline
    if deadline is None or now < deadline:
        return _("Bidding is open until the deadline %(deadline)s; it cannot close before.") % {
            "deadline": _server_time(deadline)
        }
    return None


def _ready_to_publish(lot, now, facts):
    project = lot.project
    if project.bid_deadline is None:
        return _("Set the bid deadline before publishing.")
    earliest = now + timedelta(days=project.min_days_to_deadline)
    if project.bid_deadline < earliest:
        return _(
            "The deadline must be at least %(days)d days after the documents are published (%(citation)s): "
            "the earliest allowed now is %(earliest)s."
        ) % {"days": project.min_days_to_deadline, "citation": "《招标投标法》第二十四条", "earliest": first_minute_from(earliest)}
    if not facts.get("has_documents"):
        return _("Upload the tender documents before publishing.")
    return None


def _too_few_bids(lot, now, facts):
    refusal = _deadline_reached(lot, now, facts)
    if refusal:
        return refusal
    if "complete_bids" not in facts:
        return _("The number of complete bids at the deadline is not known.")
    if facts["complete_bids"] >= lot.project.min_bids:
        return _("%(n)d complete bids were received; the lot can be opened, it has not failed.") % {"n": facts["complete_bids"]}
    return None


def _enough_bids(lot, now, facts):
    refusal = _deadline_reached(lot, now, facts)
    if refusal:
        return refusal
    n = facts.get("complete_bids")
    if n is None or n < lot.project.min_bids:
        return _("Fewer than %(min)d complete bids at the deadline (%(citation)s): the lot cannot be opened.") % {
            "min": lot.project.min_bids,
            "citation": "《招标投标法实施条例》第四十四条",
        }
    return None


def _opening_complete(lot, now, facts):
    if not facts.get("opening_record_complete"):
        return _("The opening record is not complete: every bid must be read and confirmed or answered.")
    return None


MAX_CANDIDATES = 3  # 《招标投标法实施条例》第五十三条: at most three, ranked


def _report_signed(lot, now, facts):
    if not facts.get("report_signed"):
        return _("The evaluation report must be signed by every committee member first.")
    candidates = facts.get("candidates") or []
    if not candidates:
        return _("The signed report names no winning candidate: there is nothing to publish.")
    if len(candidates) > MAX_CANDIDATES:
        return _("The report may name at most %(n)d ranked winning candidates (%(citation)s).") % {
            "n": MAX_CANDIDATES, "citation": "《招标投标法实施条例》第五十三条"}
    if len({candidate.get("organization") for candidate in candidates}) != len(candidates):
        return _("A bidder is named twice among the winning candidates.")
    return None


def publicity_ends(lot) -> datetime:
    """When the candidates' publicity of a lot in publicity may end (实施条例 第五十四条)."""
    return lot.state_changed_at + timedelta(days=lot.project.publicity_days)


def contract_due(lot) -> datetime:
    """By when an awarded lot's contract is to be signed (招标投标法 第四十六条: within the
    project's contract days of the award)."""
    return lot.state_changed_at + timedelta(days=lot.project.contract_days)


def _publicity_over(lot, now, facts):
    ends = publicity_ends(lot)
    if now < ends:
        return _("The candidates are in publicity until %(ends)s: at least %(days)d days (%(citation)s).") % {
            "ends": _server_time(ends),
            "days": lot.project.publicity_days,
            "citation": "《招标投标法实施条例》第五十四条",
        }
    if facts.get("open_objections", 0):
        return _("%(n)d objection(s) to the publicity are not yet answered.") % {"n": facts["open_objections"]}
    if facts.get("award_price") is None:
        return _("Name the award price.")
    return None


STAFF = frozenset({Role.STAFF})
HALL = "hall"  # the opening hall (bidding): the transitions of the opening are its own
LIVE = frozenset({S.DRAFT, S.PUBLISHED, S.CLOSED, S.OPENING, S.EVALUATION, S.PUBLICITY})

TRANSITIONS = {
    t.name: t
    for t in [
        Transition("publish", _("Publish"), frozenset({S.DRAFT}), S.PUBLISHED, STAFF, _ready_to_publish),
        Transition("close", _("Close bidding"), frozenset({S.PUBLISHED}), S.CLOSED, frozenset({SYSTEM}), _deadline_reached),
        Transition(
            "fail_too_few_bids", _("Fail: too few bids"), frozenset({S.CLOSED}), S.FAILED,
            frozenset({SYSTEM, Role.STAFF}), _too_few_bids, records=("complete_bids",),
            consequence=_("The lot fails for too few bids at the deadline: its bids are not opened, and the failure is "
                          "published."),
        ),
        Transition(
            "start_opening", _("Start the opening"), frozenset({S.CLOSED}), S.OPENING, STAFF, _enough_bids,
            records=("complete_bids",), room=HALL,
        ),
        Transition("fail_opening", _("Fail at the opening"), frozenset({S.OPENING}), S.FAILED, STAFF, needs_reason=True,
                   room=HALL),
        Transition("start_evaluation", _("Start evaluation"), frozenset({S.OPENING}), S.EVALUATION, STAFF, _opening_complete,
                   room=HALL),
        Transition("fail_evaluation", _("Fail: no responsive bid"), frozenset({S.EVALUATION}), S.FAILED, STAFF, needs_reason=True,
                   consequence=_("The lot fails: no bid is responsive. The reason you give is published and kept in the "
                                 "record.")),
        Transition("publicize", _("Publish the candidates"), frozenset({S.EVALUATION}), S.PUBLICITY, STAFF, _report_signed, records=("candidates",),
                   consequence=_("The winning candidates are published and their publicity begins now.")),
        Transition("award", _("Award"), frozenset({S.PUBLICITY}), S.AWARDED, STAFF, _publicity_over, records=("award_price",),
                   consequence=_("The lot is awarded at the price you give, and the result is final.")),
        Transition("contract", _("Record the contract"), frozenset({S.AWARDED}), S.CONTRACTED, STAFF,
                   consequence=_("The contract is recorded as signed now.")),
        Transition("archive", _("Archive"), frozenset({S.CONTRACTED}), S.ARCHIVED, STAFF,
                   consequence=_("The tender is archived: nothing more is recorded for this lot.")),
        Transition("cancel", _("Cancel"), LIVE, S.CANCELLED, STAFF, needs_reason=True,
                   consequence=_("The lot is terminated: bidding and the opening stop for good, and the reason you give "
                                 "is published.")),
    ]
}


def refusal(transition: Transition, *, actor_role: str, lot, now: datetime, facts: dict, reason: str = "") -> str | None:
    """Why `transition` cannot be taken now by an actor of `actor_role`, or None if it can.
    The object-level permission (is this the lot's own center) is checked by the service."""
    if actor_role not in transition.actors:
        return _("%(role)s may not “%(action)s”.") % {"role": capfirst(_role_label(actor_role)), "action": transition.label}
    if lot.state not in transition.sources:
        return _("“%(action)s” is not possible while the lot is “%(state)s”.") % {
            "action": transition.label,
            "state": S(lot.state).label,
        }
    if transition.needs_reason and not reason.strip():
        return _("Give the reason for “%(action)s”; it is published and kept in the record.") % {"action": transition.label}
    if transition.guard:
        return transition.guard(lot, now, facts)
    return None


def available(lot, actor_role: str) -> list[Transition]:
    """Transitions whose source state and actor fit: what a page may offer (guards run on submit).
    A room's transitions are offered in that room, not here."""
    return [t for t in TRANSITIONS.values() if lot.state in t.sources and actor_role in t.actors and t.room is None]


def _role_label(role: str):
    return _("the platform") if role == SYSTEM else (Role(role).label if role in Role.values else _("visitor"))


# Facts owned by higher floors (bids counted, report signed) reach the lifecycle through
# providers those floors register at start-up: this floor calls them without importing them.
# A provider names the facts it owns; no caller may hand one of those in instead.
_fact_providers: list[tuple[Callable, frozenset]] = []


def register_fact_provider(provider: Callable, *, owns) -> None:
    """`provider(lot, now) -> dict` of facts about the lot that its floor owns (the keys `owns`)."""
    if all(provider is not known for known, _owned in _fact_providers):
        _fact_providers.append((provider, frozenset(owns)))


def owned_facts() -> frozenset:
    return frozenset().union(*(owned for _provider, owned in _fact_providers))


def gather_facts(lot, now, given: dict | None = None) -> dict:
    """The providers' facts, with `given` (facts no floor owns yet, such as an award price)
    beside them. A given fact that a floor owns is a programming error, not a guess to weigh."""
    overridden = set(given or {}) & owned_facts()
    if overridden:
        raise ValueError(f"facts owned by their floor cannot be handed in: {sorted(overridden)}")
    facts: dict = dict(given or {})
    for provider, _owned in _fact_providers:
        facts.update(provider(lot, now))
    return facts


# The clock's transitions (closing at the deadline) are taken by the floor that knows their
# facts; it registers here so that every request on this floor applies what the clock owes.
_clock_syncs: list[Callable] = []


def register_clock_sync(sync: Callable) -> None:
    """`sync(project, now)` takes any transition the clock owes the project."""
    if sync not in _clock_syncs:
        _clock_syncs.append(sync)


def sync_clock(project, now) -> None:
    for sync in _clock_syncs:
        sync(project, now)
