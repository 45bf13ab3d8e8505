"""The live rooms' app: the abstract room and event models, and one table of its own (commands taken)."""

from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = "Live rooms"

    def ready(self):
        # Their at-fork hooks, registered in every process: a server forked from this one (the
        # live test server) must not inherit executors whose threads it does not have. When
        # only rooms.db had been imported here, the child kept asgiref's thread-sensitive
        # executor, whose thread stayed behind: every database_sync_to_async waited forever
        # and no WebSocket connected in a second live server of the same test run.
        from . import db, hub  # noqa: F401
