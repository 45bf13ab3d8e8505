"""Bidding's signal receivers: a deadline set schedules the closing and makes each lot's opening hall."""

from django.dispatch import receiver

from trading.signals import deadline_set

from .closing import schedule_closing


@receiver(deadline_set)
def schedule_closing_at_new_deadline(sender, project, **kwargs):
    schedule_closing(project)
    # Each lot's hall exists, with its K commitment, from the publication on: the seed is
    # fixed before any bidder can sign in and contribute.
    from .hall import ensure_hall

    for lot in project.lots.not_draft():
        ensure_hall(lot)
