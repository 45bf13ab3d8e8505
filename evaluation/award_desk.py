"""The workspace's sections after the report: objections to answer, contracts overdue, a bidder's results.

For the center's staff (who act) and the supervisors over them (who read): the objections to the
candidates not yet answered, soonest due first, and the awarded lots whose contract is overdue
(招标投标法 第四十六条). For a bidder: its lots whose candidates are in publicity (it may object
until the publicity ends) and those it won in the last RECENT_DAYS days, not yet contracted (its
award notice to take)."""

from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from bidding.choices import BidState
from bidding.models import Bid
from trading import lifecycle
from trading.choices import LotState, Role
from trading.formats import local_text
from trading.models import Lot
from trading.workspace import Link, Section, Task, center_lots

from .awarding import contract_overdue, overdue_text
from .facts import published_candidates
from .models import Award
from .objections import open_for_center

RECENT_DAYS = 60


def sections(user, now) -> list[Section]:
    role = getattr(user, "role", None)
    if role in (Role.STAFF, Role.SUPERVISOR):
        return _center(user, now, acts=role == Role.STAFF)
    if role == Role.BIDDER and user.organization_id:
        return _bidder(user, now)
    return []


def _center(user, now, *, acts: bool) -> list[Section]:
    answers = []
    for objection in open_for_center(user):
        late = now > objection.answer_due
        summary = (_("%(bidder)s objects to the candidates (raised %(at)s). The answer was due by %(due)s: answer it "
                     "now; the award waits for it.") if late else
                   _("%(bidder)s objects to the candidates (raised %(at)s). Answer by %(due)s; the award waits for it."))
        url = reverse("evaluation:objections", args=[objection.lot_id]) + f"#objection-{objection.pk}"
        answers.append(Task(objection.lot, summary % {"bidder": objection.organization.name,
                                                      "at": local_text(objection.raised_at, "min"),
                                                      "due": local_text(objection.answer_due, "min")},
                            [Link(_("Answer the objection") if acts else _("Read the objection"), url, True)],
                            countdown_to=None if late else objection.answer_due))
    overdue = []
    for lot in center_lots(user, now).filter(state=LotState.AWARDED).order_by("state_changed_at"):
        if contract_overdue(lot, now):
            link = (Link(_("Record the contract"), reverse("evaluation:contract", args=[lot.pk]), True) if acts else
                    Link(_("The result"), reverse("evaluation:result", args=[lot.pk]), True))
            overdue.append(Task(lot, overdue_text(lot), [link]))
    return [
        Section("objections-to-answer", _("Objections to the candidates awaiting an answer"), answers,
                _("No objection to the candidates is waiting for an answer."), order=12),
        Section("contracts-overdue", _("Contracts overdue"), overdue,
                _("No awarded lot is past its contract's due date."), order=14),
    ]


def _bidder(user, now) -> list[Section]:
    since = now - timedelta(days=RECENT_DAYS)
    lot_ids = Bid.objects.filter(organization_id=user.organization_id, state=BidState.COMPLETE).values("lot_id")
    # What needs doing now: an objection may be raised during a publicity; the winner takes its
    # notice and signs the contract. The other bidders read the result from 我的投标 (its notice
    # links the result page).
    won = Award.objects.filter(winner_id=user.organization_id, lot__state=LotState.AWARDED,
                               awarded_at__gte=since).values("lot_id")
    lots = Lot.objects.filter(Q(pk__in=lot_ids, state=LotState.PUBLICITY) | Q(pk__in=won)).select_related(
        "project", "project__center")
    winners = dict(Award.objects.filter(lot__in=lots).values_list("lot_id", "winner_id"))
    tasks = []
    for lot in lots.order_by("-state_changed_at"):
        url = reverse("evaluation:result", args=[lot.pk])
        if lot.state == LotState.PUBLICITY:
            ends = lifecycle.publicity_ends(lot)
            ranks = {c.get("organization"): c.get("rank") for c in published_candidates(lot)}
            rank = ranks.get(user.organization_id)
            where = (_("Your organization is ranked %(rank)s among the winning candidates.") % {"rank": rank} if rank
                     else _("Your organization is not among the winning candidates."))
            if now < ends:
                summary = where + " " + _("The publicity runs until %(ends)s: you may object until then.") % {
                    "ends": local_text(ends, "min")}
                links = [Link(_("The candidates"), url, True),
                         Link(_("Raise an objection"), reverse("evaluation:objections", args=[lot.pk]) + "#raise")]
            else:
                summary = where + " " + _("The publicity is over; the award follows.")
                links = [Link(_("The candidates"), url, True)]
            tasks.append(Task(lot, summary, links, countdown_to=ends if now < ends else None))
        elif winners.get(lot.pk) == user.organization_id:
            tasks.append(Task(lot, _("Your organization won this lot: download the award notice and sign the contract "
                                     "with the tenderee."),
                              [Link(_("The award notice (PDF)"), reverse("evaluation:award_notice", args=[lot.pk]), True),
                               Link(_("The result"), url)]))
    return [Section("my-results", _("Candidates in publicity and lots won"), tasks,
                    _("None of your bids is in publicity or won a lot lately."), order=20)]
