"""The evaluation rooms' section of the staff's and supervisors' workspace: the lots whose committee is in its room.

A lot is listed while its room is open and its report not final, with where the room is at
(its step, and whether it is paused); never anything of a member's work. Registered at
start-up (EvaluationConfig.ready) with trading.workspace."""

from django.urls import reverse
from django.utils.translation import gettext as _

from trading.choices import Role
from trading.workspace import Link, Section, Task, center_lots

from .choices import RoomState


def _summary(room) -> str:
    step = RoomState(room.state).label
    if room.paused_at is not None:
        return _("%(step)s; paused: %(reason)s") % {"step": step, "reason": room.pause_reason}
    return str(step)


def sections(user, now) -> list[Section]:
    if getattr(user, "role", None) not in (Role.STAFF, Role.SUPERVISOR):
        return []
    lots = (center_lots(user, now).filter(evaluation_room__isnull=False)
            .exclude(evaluation_room__state=RoomState.FINAL).select_related("evaluation_room")
            .order_by("project__code", "number"))
    label = _("Open the evaluation room") if user.role == Role.STAFF else _("Watch the evaluation room")
    tasks = [Task(lot, _summary(lot.evaluation_room), [Link(label, reverse("evaluation:room", args=[lot.pk]), True)])
             for lot in lots]
    return [Section("rooms-in-evaluation", _("Lots in their evaluation room"), tasks,
                    _("No committee is evaluating in its room now."), order=36)]
