"""The bidding app's config: at start-up, its receivers, its confidential audit actions, the lifecycle's facts and clock, its events' names."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = _("Bidding and opening")

    def ready(self):
        from trading.audit import register_confidential_prefix
        from trading.lifecycle import register_clock_sync, register_fact_provider

        from . import event_names, receivers  # noqa: F401
        from .closing import sync_clock
        from .hall.events import CONFIDENTIAL_ACTIONS
        from .selectors import lifecycle_facts

        # Until the deadline, no reader of the audit trail learns who is bidding: the bidding
        # floor's own actions, and the hall's actions whose kind is declared confidential.
        for prefix in ("bid.", "bid_security.", "bidder_key.", "sealed_file.", "opening.", *CONFIDENTIAL_ACTIONS):
            register_confidential_prefix(prefix)
        register_fact_provider(lifecycle_facts, owns=("complete_bids", "opening_record_complete"))
        register_clock_sync(sync_clock)
        event_names.register()  # the names people read of this floor's events (trading.event_text)
