"""The evaluation floor's signal receivers, each answering a step another part took.

Publication freezes the scoring table; a final result reveals the draw's seed; a drawn expert
is told; a formed committee gets its evaluation room."""

from django.dispatch import receiver

from trading.signals import lot_transitioned

from .signals import committee_formed, member_drawn


@receiver(lot_transitioned)
def freeze_the_table(sender, lot, name, actor, now, **kwargs):
    """Published with the tender, the lot's scoring table never changes (the default where none was set)."""
    if name == "publish":
        from .table_services import freeze

        freeze(lot=lot, actor=actor, now=now)


@receiver(lot_transitioned)
def reveal_when_final(sender, lot, name, actor, now, **kwargs):
    from .draw_services import reveal_if_final

    reveal_if_final(lot=lot, now=now)


@receiver(member_drawn)
def notify_the_drawn(sender, member, **kwargs):
    """Each member the draw seats, first or as a replacement, in the draw's transaction."""
    from .answers import notify

    notify(member)


@receiver(committee_formed)
def open_the_room(sender, draw, **kwargs):
    """The committee formed (every seat confirmed): its evaluation room opens, in the same
    transaction; formed again after a replacement, the room is already open."""
    from .room.core import ensure_room

    lot = draw.lot
    lot.committee_draw = draw  # the draw as just formed, not a copy read before
    ensure_room(lot)
