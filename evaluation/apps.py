"""The evaluation app's config: at start-up, its events' names, its receivers, the lifecycle's facts it owns and its workspace sections."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self):
        from trading.lifecycle import register_fact_provider
        from trading.workspace import register_section_provider

        from . import (award_desk, awarding, draw_desk, event_names, facts, pool_desk, question_desk,  # noqa: F401
                       receivers, room_desk, seats)

        event_names.register()
        register_section_provider(pool_desk.sections)
        register_section_provider(draw_desk.sections)
        register_section_provider(room_desk.sections)  # the lots whose committee is in its room
        register_section_provider(seats.workspace_sections)  # an expert's invitations awaiting an answer
        register_section_provider(question_desk.sections)  # a bidder's questions from a committee to answer
        # After the report: the lifecycle's facts this floor owns (the report signed, the candidates,
        # the objections open, the award price); the objections and contracts owed; a bidder's results.
        register_fact_provider(facts.lifecycle_facts, owns=facts.OWNED)
        register_section_provider(award_desk.sections)
