from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = _("Bidding and opening")

    def ready(self):
        from trading.lifecycle import register_clock_sync, register_fact_provider

        from . import receivers  # noqa: F401
        from .selectors import lifecycle_facts

        from .closing import sync_clock

        register_fact_provider(lifecycle_facts)
        register_clock_sync(sync_clock)
