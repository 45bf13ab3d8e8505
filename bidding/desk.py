"""Bidding's sections of the staff's and supervisors' workspace: the openings to host, the answers owed.

The openings a center's staff host today, and the answers they owe (trading/workspace.py).

- Deadlines today: the lots that close later today. The deadline is the opening time, so each is an
  opening to host; it is counted down on the server clock.
- Openings in progress: the lots past their deadline whose opening has not ended (bidding closed,
  decryption, the reading, the confirmation), with the hall's step.
- Objections owed: objections to the opening record not yet answered (answered on the spot,
  实施条例 第四十四条). The platform keeps no other question a bidder asks the center: clarifications
  are published by the center, not asked through it.

Before a lot's deadline nothing here counts, names or times its bids, its bidders' keys or their
sign-ins (招标投标法 第二十二条): a lot is listed by its deadline and its own state."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from trading.choices import LotState, Role
from trading.formats import local_text
from trading.models import Lot
from trading.workspace import Link, Section, Task, center_lots, end_of_day

from .choices import HallState
from .models import CustodianShare, OpeningHall


def sections(user, now) -> list[Section]:
    if getattr(user, "role", None) == Role.CUSTODIAN:
        return _custodian_sections(user, now)
    if getattr(user, "role", None) not in (Role.STAFF, Role.SUPERVISOR):
        return []
    hosts = user.role == Role.STAFF  # a supervisor watches as 监标人, and acts on none
    lots = center_lots(user, now)

    def hall_link(lot, host_label):
        return Link(host_label if hosts else _("Watch the opening"), reverse("bidding:hall", args=[lot.pk]), True)

    def project_link(lot):
        return Link(_("Open the project"), reverse("trading:project", args=[lot.project_id]))

    today = [
        Task(lot, _("Bidding closes today at %(time)s (Beijing time), and the bids are opened then in the opening hall.")
             % {"time": local_text(lot.project.bid_deadline, "time")},
             [hall_link(lot, _("Host the opening")), project_link(lot)], countdown_to=lot.project.bid_deadline)
        for lot in lots.filter(state=LotState.PUBLISHED, project__bid_deadline__gt=now,
                               project__bid_deadline__lt=end_of_day(now)).order_by("project__bid_deadline", "number")
    ]
    # Past the deadline only: a hall's state says nothing of the bids before it.
    halls = {hall.lot_id: hall for hall in OpeningHall.objects.filter(
        lot__in=lots.filter(state__in=[LotState.CLOSED, LotState.OPENING]), lot__project__bid_deadline__lte=now)}
    in_progress = [
        Task(lot, _("Bidding closed at %(deadline)s (Beijing time). The opening hall: %(step)s.")
             % {"deadline": local_text(lot.project.bid_deadline, "min"), "step": halls[lot.pk].get_state_display()},
             [hall_link(lot, _("Host the opening")), project_link(lot)])
        for lot in lots.filter(pk__in=halls).order_by("project__bid_deadline", "number")
    ]
    owed_halls = (OpeningHall.objects.filter(lot__in=lots, lot__project__bid_deadline__lte=now, state=HallState.CONFIRMING)
                  .annotate(owed=Count("openings__objections", filter=Q(openings__objections__answer="")))
                  .filter(owed__gt=0).select_related("lot", "lot__project", "lot__project__center"))
    owed = [
        Task(hall.lot, ngettext("%(n)d objection to the opening record is waiting for the host's answer, on the spot.",
                                "%(n)d objections to the opening record are waiting for the host's answer, on the spot.",
                                hall.owed) % {"n": hall.owed},
             [hall_link(hall.lot, _("Answer in the hall"))], countdown_to=hall.confirm_deadline)
        for hall in owed_halls
    ]
    return [
        Section("deadlines-today", _("Deadlines today"), today, _("No tender of yours closes today."), order=10),
        Section("openings", _("Openings in progress"), in_progress, _("No opening is waiting or under way."), order=20),
        Section("answers-owed", _("Answers owed"), owed, _("No objection is waiting for an answer."), order=30),
    ]


def _custodian_sections(user, now) -> list[Section]:
    """A key custodian's openings of today and in progress, of the tenders whose opening key it
    holds a share of: its share may be asked for in the hall."""
    held = CustodianShare.objects.filter(custodian=user).values("ceremony__project_id")
    lots = (Lot.objects.filter(project_id__in=held, project__bid_deadline__lt=end_of_day(now))
            .filter(Q(state=LotState.PUBLISHED, project__bid_deadline__gt=now) | Q(state__in=[LotState.CLOSED, LotState.OPENING]))
            .select_related("project", "project__center").order_by("project__bid_deadline", "number"))
    tasks = [
        Task(lot, _("You hold a share of this tender's opening key. Be in the opening hall from %(time)s (Beijing time): "
                    "the host may ask for your share.") % {"time": local_text(lot.project.bid_deadline, "min")},
             [Link(_("Enter the opening hall"), reverse("bidding:hall", args=[lot.pk]), True),
              Link(_("My key shares"), reverse("bidding:custodian"))],
             countdown_to=lot.project.bid_deadline if lot.project.bid_deadline > now else None)
        for lot in lots
    ]
    return [Section("custodian-openings", _("Openings where you hold a share"), tasks,
                    _("No opening of a tender whose key you hold a share of is today or under way."), order=10)]
