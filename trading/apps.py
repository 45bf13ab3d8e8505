"""The trading app's config: at start-up, kaibiao.sqlite_wal.hold_open is set to run on every new database connection."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Trading")

    def ready(self):
        from django.db.backends.signals import connection_created

        from kaibiao.sqlite_wal import hold_open

        connection_created.connect(hold_open, dispatch_uid="kaibiao.sqlite_wal.hold_open")
