"""The `{% load kaibiao %}` template filters and tags: money, Beijing time, a lot's stage, a question.

Money in yuan, server times in Beijing time, ISO timestamps, a lot's stage (trading.stages), and
the question a form asks before an action that cannot be undone (trading.confirming)."""

from django import template
from django.utils.html import format_html
from django.utils import timezone

from trading import formats, stages

register = template.Library()


@register.filter
def yuan(value):
    """Money on a page: 1234567.805 -> ¥1,234,567.81 (trading.formats, half up to the fen)."""
    return formats.yuan_sign(value)


@register.filter
def server_time(value, precision="s"):
    """A server timestamp in the platform's zone (Beijing), to the second or millisecond."""
    return formats.local_text(value, precision)


@register.filter
def iso(value):
    return value.isoformat() if value else ""


@register.inclusion_tag("includes/lot_stage.html")
def lot_stage(lot, detail=False):
    """A lot's stage (trading.stages): its label, and with `detail` what comes next and, for a
    lot that failed or was cancelled, why. Every page that shows a lot's state uses this."""
    return {"stage": stages.stage_of(lot, timezone.now(), with_reason=detail), "detail": detail}


@register.simple_tag
def stage_of(lot, detail=False):
    """`{% stage_of lot as stage %}`: the lot's stage, for a page that decides by it (which
    links to offer); render it with `{% lot_stage %}`."""
    return stages.stage_of(lot, timezone.now(), with_reason=detail)


@register.simple_tag
def confirm_attrs(question):
    """The attributes of a form whose action cannot be undone (trading.confirming): the site's
    dialog asks `question` before the form is sent."""
    return format_html('data-confirm="{}" data-confirm-detail="{}" data-confirm-action="{}"',
                       question.title, question.consequence, question.action)
