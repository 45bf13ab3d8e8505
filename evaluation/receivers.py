"""The evaluation floor's signal receivers: publication freezes the scoring table; a final result reveals the draw's seed; a drawn expert is told."""

from django.dispatch import receiver

from trading.signals import lot_transitioned

from .signals import member_drawn


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
