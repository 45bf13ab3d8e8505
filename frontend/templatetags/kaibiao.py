"""The `{% load kaibiao %}` template filters: money in yuan, server times in Beijing time, ISO timestamps."""

from django import template

from trading import formats

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
