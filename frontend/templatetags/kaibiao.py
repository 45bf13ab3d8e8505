from decimal import ROUND_HALF_UP, Decimal

from django import template

from trading.clock import local_text

register = template.Library()


@register.filter
def yuan(value):
    """Money in yuan, two decimals, thousands separated: 1234567.8 -> ¥1,234,567.80."""
    if value is None or value == "":
        return "—"
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"¥{amount:,.2f}"


@register.filter
def server_time(value, precision="s"):
    """A server timestamp in the platform's zone (Beijing), to the second or millisecond."""
    return local_text(value, ms=precision == "ms")


@register.filter
def iso(value):
    return value.isoformat() if value else ""
