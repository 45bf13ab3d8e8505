"""The frontend app's config: the shared layout, templates, static files, template tags and translations."""

from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"
