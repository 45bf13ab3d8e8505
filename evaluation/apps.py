"""The evaluation app's config: at start-up, its events' names, its receivers and its workspace sections."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from trading import workspace

        from . import draw_desk, event_names, receivers  # noqa: F401

        event_names.register()
        workspace.register_section_provider(draw_desk.sections)
