"""The bidding app's config: at start-up, its receivers, its confidential audit actions, the lifecycle's facts and clock, its workspace sections, its events' names."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BiddingConfig(AppConfig):
    name = "bidding"
    verbose_name = _("Bidding and opening")

    def ready(self):
        from trading.audit import register_confidential_prefix
        from trading.lifecycle import register_clock_sync, register_fact_provider
        from trading.workspace import register_note_provider, register_section_provider

        from . import desk, event_names, my_bids, receivers  # noqa: F401
        from .closing import sync_clock
        from .hall.events import CONFIDENTIAL_ACTIONS
        from .selectors import lifecycle_facts

        # Until the deadline, no reader of the audit trail learns who is bidding: the bidding
        # floor's own actions, and the hall's actions whose kind is declared confidential.
        for prefix in ("bid.", "bid_security.", "bidder_key.", "sealed_file.", "opening.", *CONFIDENTIAL_ACTIONS):
            register_confidential_prefix(prefix)
        register_fact_provider(lifecycle_facts, owns=("complete_bids", "opening_record_complete"))
        register_clock_sync(sync_clock)
        # The workspaces: the openings staff host and the answers they owe; a bidder's own bids.
        register_section_provider(desk.sections)
        register_section_provider(my_bids.workspace_sections)
        register_note_provider(my_bids.workspace_notes)
        event_names.register()  # the names people read of this floor's events (trading.event_text)
