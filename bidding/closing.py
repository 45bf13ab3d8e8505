"""Bidding closes at the deadline, whether or not anyone is looking (DESIGN.md §3).

The trading floor owns the transitions; this floor owns the fact they need (how many complete
bids a lot has), so the closing lives here. Three paths reach it, all with the same guards:
the scheduled task enqueued for the deadline, the `close_due_lots` sweep, and `sync_clock`
on every request that shows or acts on a lot."""

import logging

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from trading.choices import LotState
from trading.models import Lot, Project
from trading.services import system_transition

from .selectors import complete_bid_count

log = logging.getLogger(__name__)


def close_lot(lot: Lot, now) -> Lot | None:
    """Close one published lot whose deadline has passed; fail it at once if too few bids.
    None if, once locked, it is no longer published: another path (the scheduled task, the
    sweep, a request's sync_clock) closed it after this one found it due. That is the race the
    three paths run when many clients arrive after a deadline, not a failure."""
    from .hall import on_bidding_closed

    with transaction.atomic():
        state = Lot.objects.select_for_update(of=("self",)).filter(pk=lot.pk).values_list("state", flat=True).first()
        if state != LotState.PUBLISHED:
            log.info("lot %s was already closed by another path (now %s)", lot.pk, state)
            return None
        lot = system_transition(lot_id=lot.pk, name="close", now=now)
        count = complete_bid_count(lot)
        if count < lot.project.min_bids:
            lot = system_transition(lot_id=lot.pk, name="fail_too_few_bids", now=now)
        on_bidding_closed(lot, complete_bids=count, now=now)
    return lot


def due_lots(now, project_id=None):
    qs = Lot.objects.select_related("project").filter(state=LotState.PUBLISHED, project__bid_deadline__lte=now)
    return qs.filter(project_id=project_id) if project_id else qs


def close_due_lots(now=None, project_id=None) -> list[Lot]:
    now = now or timezone.now()
    return close_lots(due_lots(now, project_id), now)


def close_lots(lots, now) -> list[Lot]:
    """Close each of `lots` (found due at `now`); the ones this call closed."""
    closed = []
    for lot in lots:
        try:
            done = close_lot(lot, now)
        except Exception:  # one lot's fault must not keep the others open
            log.exception("closing lot %s failed", lot.pk)
            continue
        if done is not None:
            closed.append(done)
    return closed


def sync_clock(project: Project, now=None) -> None:
    """Apply any transition the clock owes this project before a request reads or acts on it."""
    now = now or timezone.now()
    if project.bid_deadline and project.bid_deadline <= now and due_lots(now, project.pk).exists():
        close_due_lots(now, project.pk)


@task()
def close_bidding_at_deadline(project_id: int):
    """Enqueued to run at the deadline. If the deadline moved later, a newer task waits for it."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None or project.bid_deadline is None:
        return 0
    now = timezone.now()
    if now < project.bid_deadline:
        return 0
    return len(close_due_lots(now, project_id))


def schedule_closing(project: Project):
    return close_bidding_at_deadline.using(run_after=project.bid_deadline).enqueue(project.pk)


@task()
def hall_tick(lot_id: int):
    """Enqueued for the end of decryption and of the confirmation window: the hall moves on
    on the server's clock, whether or not anyone is connected."""
    from .hall import tick

    tick(lot_id)
    return lot_id
