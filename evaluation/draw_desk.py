"""The draw's section of the staff's and supervisors' workspace: the lots waiting for their expert draw.

An opened lot in evaluation whose committee is not drawn yet (no draw set up, or its commitment
published and not drawn), or whose pool ran short of replacements. Registered at start-up
(EvaluationConfig.ready) with trading.workspace; a lot is listed by its own state and its draw's,
never by anything of the committee's members."""

from django.urls import reverse
from django.utils.translation import gettext as _

from trading.choices import Role
from trading.workspace import Link, Section, Task, center_lots

from .choices import DrawState
from .draw_selectors import lots_awaiting_draw


def _summary(lot) -> str:
    draw = getattr(lot, "committee_draw", None)
    if draw is None:
        return _("Opened and in evaluation: set up the draw of its evaluation committee.")
    if draw.state == DrawState.SHORT:
        return _("The pool ran short of replacements: the committee is not complete.")
    return _("The draw's commitment is published: draw the committee.")


def sections(user, now) -> list[Section]:
    if getattr(user, "role", None) not in (Role.STAFF, Role.SUPERVISOR):
        return []
    acts = user.role == Role.STAFF  # a supervisor reads the draw, and runs none

    def links(lot):
        return [Link(_("Draw the experts") if acts else _("View the draw"),
                     reverse("evaluation:draw_staff", args=[lot.pk]), True),
                Link(_("Open the project") if acts else _("View the project"),
                     reverse("trading:project", args=[lot.project_id]))]

    tasks = [Task(lot, _summary(lot), links(lot)) for lot in lots_awaiting_draw(center_lots(user, now))]
    return [Section("awaiting-draw", _("Lots waiting for their expert draw"), tasks,
                    _("No lot in evaluation is waiting for its expert draw."), order=35)]
