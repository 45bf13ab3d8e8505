"""The evaluation floor's signal receivers: a final result reveals the committee draw's seed."""

from django.dispatch import receiver

from trading.signals import lot_transitioned


@receiver(lot_transitioned)
def reveal_when_final(sender, lot, name, actor, now, **kwargs):
    from .draw_services import reveal_if_final

    reveal_if_final(lot=lot, now=now)
