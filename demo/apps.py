"""The demo app: `manage.py load_demo` builds a demo trading network through every floor's services."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo data 演示数据"  # no models, so never shown: not a message to translate
