"""The live rooms' app: holds no tables of its own, only the abstract event model."""

from django.apps import AppConfig


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = "Live rooms"
