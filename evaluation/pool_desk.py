"""The pool's section of the staff workspace: the applications waiting for the pool's keepers (待审核的专家申请).

Registered at start-up (EvaluationConfig.ready) with trading.workspace; shown to the staff of
the province center that keeps the pool, who review them."""

from django.urls import reverse
from django.utils.translation import gettext as _

from trading.workspace import Section

from .pool_selectors import pending_applications, pending_count
from .rules import is_pool_keeper

SHOWN = 20  # applications listed on the workspace; the pool list has them all


def sections(user, now) -> list[Section]:
    if not is_pool_keeper(user):
        return []
    applications = list(pending_applications(user, limit=SHOWN))
    for expert in applications:
        expert.review_url = reverse("evaluation:pool_expert", args=[expert.pk])
    section = Section("expert-applications", _("Expert applications waiting for review"), applications,
                      _("No expert application is waiting for review."), order=35,
                      template="evaluation/applications_section.html")
    section.total = pending_count(user) if len(applications) >= SHOWN else len(applications)
    return [section]
