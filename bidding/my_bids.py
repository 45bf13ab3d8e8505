"""A bidder's own lots (我的投标), where each stands and the next thing to do.

Every lot its organization has a key, a version, a receipt, a
sign-in, or (while bidding is open) the tender documents for; where each stands, its own bid, and
the next thing to do as a link.

Only the bidder's own organization's rows are read, and of the lot only what is public or its own:
the lot's state, its deadline, the opening hall's step and the bidder's own opening (招标投标法 第二十
二条: nothing here counts, names or times another's bid). The lifecycle's clock is applied first,
so a lot past its deadline reads as closed whether or not the closing job has run."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from trading import lifecycle
from trading.choices import LotState, NoticeKind
from trading.formats import local_text
from trading.models import DocumentDownload, Lot, Notice
from trading.stages import effective_state
from trading.workspace import Link, Section, Task

from .choices import BidState, Confirmation, HallState, OpeningOutcome, OpeningStatus
from .models import Bid, BidderKey, BidOpening, SignIn
from .rules import check, is_bidder

OPEN, OPENING, AFTER = "open", "opening", "after"
AT_THE_OPENING = (LotState.CLOSED, LotState.OPENING)


@dataclass
class Mine:
    """What the bidder's organization has for one lot."""

    key: BidderKey | None = None
    versions: list | None = None  # newest first
    opening: BidOpening | None = None
    signed_in: bool = False

    @property
    def counting(self) -> Bid | None:
        return next((bid for bid in self.versions or [] if bid.state == BidState.COMPLETE), None)

    @property
    def latest(self) -> Bid | None:
        return (self.versions or [None])[0]


def my_lots(*, actor, now) -> dict[str, list[Task]]:
    """The bidder's lots as tasks, grouped: bidding open (the nearest deadline first), at the
    opening, and after it (the latest deadline first)."""
    check(actor, "bidding.seal_bid")
    lots = _lots_of(actor.organization_id, now)
    found = _what_is_mine(actor.organization_id, lots)
    notices = _notices(lots)
    groups = {OPEN: [], OPENING: [], AFTER: []}
    for lot in lots:
        group, task = _task(lot, found.get(lot.pk, Mine()), notices.get(lot.pk, {}), now)
        groups[group].append(task)
    def deadline(task) -> float:  # a lot cancelled before it was published has none
        return (task.lot.project.bid_deadline or now).timestamp()

    groups[OPEN].sort(key=lambda task: (deadline(task), task.lot.project.code, task.lot.number))
    for group in (OPENING, AFTER):
        groups[group].sort(key=lambda task: (-deadline(task), task.lot.project.code, task.lot.number))
    return groups


def my_sections(*, actor, now, only_now: bool = False) -> list[Section]:
    """The groups as a page's sections; `only_now` leaves out the lots past their opening (the
    workspace's summary: what needs doing now)."""
    groups = my_lots(actor=actor, now=now)
    sections = [
        Section("my-bids-open", _("Bidding open"), groups[OPEN], _("None of your lots is open for bidding."), order=10),
        Section("my-bids-opening", _("At the opening"), groups[OPENING], _("None of your lots is being opened."),
                order=20),
    ]
    if not only_now:
        sections.append(Section("my-bids-after", _("After the opening"), groups[AFTER],
                                _("None of your lots is past its opening."), order=30))
    return sections


def workspace_sections(user, now) -> list[Section]:
    """For the bidder's workspace (trading/workspace.py): its bids that need doing now."""
    return my_sections(actor=user, now=now, only_now=True) if is_bidder(user) else []


def workspace_notes(user, lots, now) -> dict:
    """For the bidder's workspace: beside each lot of its project list, its own bid in a few words
    and the link to its bid page."""
    if not is_bidder(user):
        return {}
    lots = [lot for lot in lots if lot.state != LotState.DRAFT]
    found = _what_is_mine(user.organization_id, lots)
    notes = {}
    for lot in lots:
        mine = found.get(lot.pk, Mine())
        notes[lot.pk] = Link(_mine_in_brief(lot, mine, now), reverse("bidding:bid_page", args=[lot.pk]),
                             primary=mine.counting is not None)
    return notes


# --- reading ---------------------------------------------------------------------------------------


def _lots_of(organization_id, now) -> list[Lot]:
    projects_with_key = BidderKey.objects.filter(organization_id=organization_id).values("project_id")
    taken = DocumentDownload.objects.filter(organization_id=organization_id).values("document__project_id")
    lot_ids = (
        set(Bid.objects.filter(organization_id=organization_id).values_list("lot_id", flat=True))
        | set(SignIn.objects.filter(organization_id=organization_id).values_list("hall__lot_id", flat=True))
        | set(Lot.objects.not_draft().filter(project_id__in=projects_with_key).values_list("pk", flat=True))
        # documents taken: while bidding is open only (a tender taken and let go is no bid of yours)
        | set(Lot.objects.filter(project_id__in=taken, state=LotState.PUBLISHED, project__bid_deadline__gt=now)
              .values_list("pk", flat=True))
    )
    lots = Lot.objects.filter(pk__in=lot_ids).select_related("project", "project__center")
    for project in {lot.project for lot in lots if lot.state == LotState.PUBLISHED and lot.project.bid_deadline <= now}:
        lifecycle.sync_clock(project, now)  # the clock's transitions before reading the states
    return list(Lot.objects.filter(pk__in=lot_ids).select_related("project", "project__center", "hall"))


def _what_is_mine(organization_id, lots) -> dict[int, Mine]:
    lot_ids = [lot.pk for lot in lots]
    found = {lot_id: Mine(versions=[]) for lot_id in lot_ids}
    keys = {key.project_id: key for key in BidderKey.objects.filter(organization_id=organization_id,
                                                                    project_id__in={lot.project_id for lot in lots})}
    for lot in lots:
        found[lot.pk].key = keys.get(lot.project_id)
    for bid in (Bid.objects.filter(organization_id=organization_id, lot_id__in=lot_ids)
                .prefetch_related("receipts").order_by("lot_id", "-version")):
        found[bid.lot_id].versions.append(bid)
    for opening in BidOpening.objects.filter(bid__organization_id=organization_id, hall__lot_id__in=lot_ids).select_related(
            "hall"):
        found[opening.hall.lot_id].opening = opening
    for lot_id in SignIn.objects.filter(organization_id=organization_id, hall__lot_id__in=lot_ids).values_list(
            "hall__lot_id", flat=True):
        found[lot_id].signed_in = True
    return found


def _notices(lots) -> dict[int, dict[str, Notice]]:
    found: dict[int, dict[str, Notice]] = {}
    for notice in Notice.objects.filter(lot__in=lots, published_at__isnull=False):
        found.setdefault(notice.lot_id, {})[notice.kind] = notice
    return found


# --- where it stands, and what to do next ----------------------------------------------------------


def _task(lot, mine: Mine, notices: dict, now) -> tuple[str, Task]:
    project = lot.project
    deadline = project.bid_deadline
    bid_page = reverse("bidding:bid_page", args=[lot.pk])
    hall_page = reverse("bidding:hall", args=[lot.pk])
    hall = getattr(lot, "hall", None)
    counting = mine.counting
    if effective_state(lot, now) == LotState.PUBLISHED:
        return OPEN, Task(lot, _before_deadline(mine), _links_before_deadline(lot, mine, bid_page, hall_page),
                          countdown_to=deadline, mine=_mine_in_brief(lot, mine, now))
    if lot.state in AT_THE_OPENING and hall is not None and hall.state not in (HallState.ENDED, HallState.FAILED,
                                                                               HallState.ABORTED):
        summary, label = _at_the_opening(hall, mine)
        links = [Link(label, hall_page, True)]
        if counting is None:
            links = [Link(_("Watch the opening"), hall_page, True)]
        return OPENING, Task(lot, summary, links, state_label=f"{LotState(lot.state).label} · {hall.get_state_display()}",
                             mine=_mine_in_brief(lot, mine, now))
    return AFTER, Task(lot, _after_opening(lot, mine), _links_after_opening(lot, hall, notices, bid_page),
                       mine=_mine_in_brief(lot, mine, now))


def _before_deadline(mine: Mine) -> str:
    latest, counting = mine.latest, mine.counting
    if mine.key is None:
        return _("Register your key for this tender first: your bid is sealed to it, and you hand it in at the opening.")
    if counting is not None:
        return _("Your bid is received and counts. Until the deadline you may replace it with a new version or "
                 "withdraw it.")
    if latest is not None and latest.state == BidState.UPLOADING:
        return _("Version %(v)d is not complete: finish its upload before the deadline, or it does not count.") % {
            "v": latest.version}
    if latest is not None and latest.state == BidState.WITHDRAWN:
        return _("You withdrew your bid. You may seal and upload a new one before the deadline.")
    return _("Seal your bid and upload it before the deadline; you get a signed receipt at once.")


def _links_before_deadline(lot, mine: Mine, bid_page, hall_page) -> list[Link]:
    opens_at = local_text(lot.project.bid_deadline, "min")
    hall = Link(_("Enter the opening hall at %(time)s") % {"time": opens_at}, hall_page)
    if mine.key is None:
        return [Link(_("Register your key"), bid_page, True)]
    if mine.counting is not None:
        return [Link(_("View your receipt"), bid_page + "#versions", True),
                Link(_("Replace or withdraw before the deadline"), bid_page), hall]
    if mine.latest is not None and mine.latest.state == BidState.UPLOADING:
        return [Link(_("Finish the upload"), bid_page, True)]
    return [Link(_("Seal and upload your bid"), bid_page, True)]


def _at_the_opening(hall, mine: Mine) -> tuple[str, str]:
    """What the bidder does now in the hall, and the link's words."""
    opening = mine.opening
    if mine.counting is None and opening is None:
        return _("You have no bid in this opening: you may watch it."), _("Watch the opening")
    if hall.state in (HallState.WAITING, HallState.CLOSED):
        if mine.signed_in:
            return _("You have signed in. Decryption starts when the host opens it."), _("Enter the opening hall")
        return _("Enter the opening hall and sign in before decryption starts."), _("Enter the hall and sign in")
    if hall.state == HallState.DECRYPTING:
        if opening is not None and opening.status in (OpeningStatus.WAITING, OpeningStatus.FAILED):
            return (_("Decryption is under way until %(until)s (Beijing time): hand in your key for this tender.")
                    % {"until": local_text(hall.decryption_deadline, "time")}, _("Hand in your key"))
        return _("Your bid is decrypted; the record is read once decryption ends."), _("Enter the opening hall")
    if hall.state == HallState.READING:
        return _("The opening record is being read."), _("Enter the opening hall")
    if opening is not None and opening.confirmation == Confirmation.PENDING:
        return (_("Confirm the record of your bid, or object, by %(until)s (Beijing time).")
                % {"until": local_text(hall.confirm_deadline, "time")}, _("Confirm or object"))
    return _("You have answered the record; the opening ends once every bidder has."), _("Enter the opening hall")


def _after_opening(lot, mine: Mine) -> str:
    opening = mine.opening
    if lot.state == LotState.FAILED:
        return _("The lot has failed: read the failure notice.")
    if lot.state == LotState.CANCELLED:
        return _("The tender was cancelled.")
    if opening is None:
        return _("You had no bid in this lot's opening.") if mine.counting is None else _("Bidding has closed.")
    if opening.outcome in (OpeningOutcome.REVOKED, OpeningOutcome.WITHDRAWN):
        return opening.get_outcome_display()
    if lot.state == LotState.EVALUATION:
        return _("Your bid was opened and read. The evaluation committee is reviewing the bids.")
    if lot.state == LotState.PUBLICITY:
        return _("The winning candidates are in publicity: read the notice.")
    if lot.state in (LotState.AWARDED, LotState.CONTRACTED, LotState.ARCHIVED):
        return _("The lot is awarded: read the result notice.")
    return _("Your bid was opened and read.")


def _links_after_opening(lot, hall, notices, bid_page) -> list[Link]:
    links = []
    for kind, label in ((NoticeKind.RESULT, _("Read the result notice")),
                        (NoticeKind.CANDIDATES, _("Read the winning candidates' publicity")),
                        (NoticeKind.FAILURE, _("Read the failure notice"))):
        if kind in notices:
            links.append(Link(label, reverse("reporting:notice", args=[notices[kind].pk])))
    if hall is not None and hall.state == HallState.ENDED:
        links.append(Link(_("Read the opening record"), reverse("bidding:hall_record", args=[lot.pk])))
    if not links:
        links.append(Link(_("Read the tender's page"), reverse("reporting:tender", args=[lot.project_id])))
    links.append(Link(_("Your versions and receipts"), bid_page))
    links[0] = Link(links[0].label, links[0].url, True)
    return links


def _mine_in_brief(lot, mine: Mine, now) -> str:
    """The bidder's own bid for the lot, in a few words."""
    counting, latest = mine.counting, mine.latest
    if counting is not None:
        return _("Version %(v)d, received %(time)s") % {"v": counting.version,
                                                        "time": local_text(counting.completed_at)}
    if latest is not None and latest.state == BidState.UPLOADING and lot.project.bidding_open(now, lot=lot):
        return _("Version %(v)d uploading") % {"v": latest.version}
    if latest is not None and latest.state == BidState.WITHDRAWN:
        return _("Withdrawn at %(time)s") % {"time": local_text(latest.withdrawn_at)}
    if mine.key is not None and lot.project.bidding_open(now, lot=lot):
        return _("Key registered, no bid yet")
    return _("No bid")
