"""A workspace (我的工作台) by what needs doing now, in sections each floor adds.

A workspace by what needs doing now: sections of lots, each with where it stands and
the next thing to do as a link.

Each floor lists what its own tables tell. This one, for a center's staff and the supervisors over
it: the lots waiting for a staff transition (a draft to publish, the publicity over, the contract to
record, the archive). A higher floor registers its own sections at start-up (bidding: the deadlines
of today, which are the openings of today, the openings in progress, the objections owed, a
bidder's own bids) and its notes on
lots (a bidder's own bid beside each lot), as it registers the lifecycle's facts: this floor calls
them without importing them.

Nothing here counts, names or times anyone's bids: a lot is listed by its own state and dates only
(招标投标法 第二十二条), and a section provider is held to the same rule."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import lifecycle
from .choices import LotState, Role
from .formats import local_text
from .models import Lot
from .rules import ProjectPolicy


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    primary: bool = False  # the next thing to do; the others are there too


@dataclass
class Task:
    """One lot in a section: its state as people read it, one sentence on what is to be done (or
    where it stands), the deadline to count down to when there is one, and the links."""

    lot: Lot
    summary: str
    links: list[Link] = field(default_factory=list)
    countdown_to: datetime | None = None
    state_label: str = ""
    mine: str = ""  # a bidder's own bid, in one line (bidding's sections only)

    def __post_init__(self):
        self.state_label = self.state_label or str(LotState(self.lot.state).label)


@dataclass
class Section:
    key: str  # the element's id on the page
    title: str
    tasks: list[Task]
    empty: str  # what the page says when nothing is there
    order: int = 50  # where it stands on the page, smallest first
    # How the section is drawn: lots by default; a floor whose section lists other things (the
    # expert pool's applications) names its own template, which reads section.tasks as its own.
    template: str = "includes/task_section.html"


SectionProvider = Callable[[object, datetime], list[Section]]
NoteProvider = Callable[[object, list, datetime], dict]
_section_providers: list[SectionProvider] = []
_note_providers: list[NoteProvider] = []


def register_section_provider(provider: SectionProvider) -> None:
    """`provider(user, now) -> [Section]`: the sections a higher floor adds for this user."""
    if provider not in _section_providers:
        _section_providers.append(provider)


def register_note_provider(provider: NoteProvider) -> None:
    """`provider(user, lots, now) -> {lot id: Link}`: a note beside each listed lot (a bidder's
    own bid, with the link to its bid page)."""
    if provider not in _note_providers:
        _note_providers.append(provider)


def sections(user, now=None) -> list[Section]:
    now = now or timezone.now()
    found = _center_sections(user, now) if _is_center_role(user) else []
    for provider in _section_providers:
        found += provider(user, now)
    return sorted(found, key=lambda section: section.order)


def lot_notes(user, lots, now=None) -> dict:
    now = now or timezone.now()
    notes = {}
    for provider in _note_providers:
        notes.update(provider(user, lots, now))
    return notes


def _is_center_role(user) -> bool:
    return getattr(user, "role", None) in (Role.STAFF, Role.SUPERVISOR)


def center_lots(user, now):
    """The lots of the projects this staff member or supervisor works on, the clock applied
    first (a lot whose deadline has passed is closed, job or no job)."""
    projects = ProjectPolicy.workspace(user)
    late = projects.filter(bid_deadline__lte=now, lots__state=LotState.PUBLISHED).distinct()
    for project in late:
        lifecycle.sync_clock(project, now)
    return Lot.objects.filter(project__in=projects).select_related("project", "project__center", "project__tenderee")


def end_of_day(now) -> datetime:
    """The end of the server's day (Beijing time) that `now` is in."""
    today = timezone.localdate(now)
    return timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))


def _center_sections(user, now) -> list[Section]:
    lots = center_lots(user, now)
    acts = user.role == Role.STAFF  # a supervisor reads the same lists, and acts on none

    def project_link(lot, label):
        return Link(label if acts else _("View the project"), reverse("trading:project", args=[lot.project_id]), True)

    waiting = []
    for lot in lots.filter(state__in=[LotState.DRAFT, LotState.PUBLICITY, LotState.AWARDED, LotState.CONTRACTED]).order_by(
            "project__code", "number"):
        task = _waiting_for_staff(lot, now, project_link)
        if task is not None:
            waiting.append(task)
    return [
        Section("waiting-for-staff", _("Waiting for the center's staff"), waiting,
                _("No lot is waiting for a step of the center's staff."), order=40),
    ]


def _waiting_for_staff(lot, now, project_link) -> Task | None:
    """A lot whose next step is the center's staff's, or None (its next step is someone else's,
    or the clock's)."""
    project = lot.project
    if lot.state == LotState.DRAFT:
        return Task(lot, _("A draft registered by %(who)s: check it and publish the tender.")
                    % {"who": project.created_by.display_name}, [project_link(lot, _("Publish the tender"))])
    if lot.state == LotState.PUBLICITY:
        ends = lifecycle.publicity_ends(lot)
        if now < ends:
            return None
        return Task(lot, _("The publicity of the winning candidates ended at %(ends)s: award the lot.")
                    % {"ends": local_text(ends, "min")}, [project_link(lot, _("Award"))])
    if lot.state == LotState.AWARDED:
        due = lifecycle.contract_due(lot)
        summary = (_("Record the signed contract: it is due by %(due)s (within %(days)d days of the award, %(citation)s).")
                   if now < due else
                   _("The contract was due by %(due)s (within %(days)d days of the award, %(citation)s): record it, "
                     "the record says it came late."))
        return Task(lot, summary % {"due": local_text(due, "min"), "days": project.contract_days,
                                    "citation": "《招标投标法》第四十六条"}, [project_link(lot, _("Record the contract"))],
                    countdown_to=due if now < due else None)
    if lot.state == LotState.CONTRACTED:
        return Task(lot, _("The contract is recorded: archive the tender's records."), [project_link(lot, _("Archive"))])
    return None
