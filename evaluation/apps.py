"""The evaluation app's config: at start-up, its events' names, its receivers and its workspace sections."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from trading.workspace import register_section_provider

        from . import draw_desk, event_names, pool_desk, question_desk, receivers, room_desk, seats  # noqa: F401

        event_names.register()
        register_section_provider(pool_desk.sections)
        register_section_provider(draw_desk.sections)
        register_section_provider(room_desk.sections)  # the lots whose committee is in its room
        register_section_provider(seats.workspace_sections)  # an expert's invitations awaiting an answer
        register_section_provider(question_desk.sections)  # a bidder's questions from a committee to answer
