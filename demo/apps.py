"""The demo app: `manage.py load_demo` builds a demo trading network through every floor's services."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = _("Demo data")
