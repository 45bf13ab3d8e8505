"""The `{% load kaibiao %}` template filters and tags: money, Beijing time, a lot's stage, a question.

A lot's stage comes from trading.stages; the question a form asks before an action that cannot be
undone from trading.confirming.

Money: `{{ x|yuan }}` (4,598,600.00元) wherever an amount is shown for itself: a tender's page,
a bid, a receipt, a record; `{{ x|wanyuan }}` (459.86万元) on a summary: a list of tenders or
projects, a dashboard, a table of statistics, where amounts are compared at a glance;
`{{ x|capital_yuan }}` (肆佰伍拾玖万捌仟陆佰元整) beside a bid's price.

Time: `{{ t|server_time }}` (2026-12-04 21:55:02, Beijing time) in a table whose header names
the zone once with `{% zone_name %}`; `{{ t|beijing_time }}` (2026-12-04 21:55:02（北京时间）)
for a time that stands alone; a precision as argument ("min", "s", "ms")."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trading import formats, stages

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "").lower().startswith("zh")


@register.filter
def yuan(value):
    """1234567.805 → 1,234,567.81元 (half up to the fen); 1,234,567.81 yuan in English."""
    text = formats.money(value)
    if text == formats.ABSENT:
        return text
    return _("%(amount)s yuan") % {"amount": text}  # zh-hans: %(amount)s元


@register.filter
def wanyuan(value):
    """A summary's amount: 4598600 → 459.86万元. English has no 万: the amount in yuan."""
    return formats.wanyuan(value) if _chinese() else yuan(value)


@register.filter
def capital_yuan(value):
    """The amount in Chinese capital numerals (大写): 4598600 → 肆佰伍拾玖万捌仟陆佰元整."""
    try:
        return formats.capital_yuan(value)
    except ValueError:
        return formats.ABSENT


@register.filter
def grouped(value):
    """A count (bytes, say) with its thousands separated: 23456789 → 23,456,789."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else formats.ABSENT


@register.filter
def server_time(value, precision="s"):
    """A server timestamp in the platform's zone (Beijing), bare: for a table naming the zone in its header."""
    return formats.local_text(value, precision)


@register.filter
def beijing_time(value, precision="s"):
    """A time that stands alone, its zone named: 2026-12-04 21:55:02（北京时间）."""
    return formats.zoned_text(value, precision)


@register.filter
def utc_time(value):
    """The exact UTC instant (a receipt's signed time): 2026-12-04 13:55:02.161 UTC."""
    return formats.utc_text(value)


@register.simple_tag
def zone_name():
    """The zone, named once in a table's header: （北京时间）."""
    return _("(%(zone)s)") % {"zone": formats.zone_name()}


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
