"""The live rooms' app: the abstract room and event models, and one table of its own (commands taken)."""

from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = "Live rooms"
