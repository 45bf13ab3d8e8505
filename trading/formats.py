"""How the platform writes money and the server's time for people: one rounding, one zone, everywhere."""

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

FEN = Decimal("0.01")
ABSENT = "—"  # what a page or document shows for an amount or time that is not there

# The opening record says "北京时间（UTC+8）" in its own text and its digest must not depend on the
# server's settings, so it names this zone instead of taking the current one.
BEIJING = dt_timezone(timedelta(hours=8), "UTC+8")

_PATTERNS = {
    "min": "%Y-%m-%d %H:%M",
    "s": "%Y-%m-%d %H:%M:%S",
    "ms": "%Y-%m-%d %H:%M:%S",  # the milliseconds are added below: strftime knows only microseconds
    "time": "%H:%M:%S",
    "document": "%Y年%m月%d日 %H:%M",  # the way a Chinese notice or report writes an instant
}


# --- money -----------------------------------------------------------------------------------


def amount(value, *, exact: bool = False) -> Decimal | None:
    """`value` as yuan to the fen, rounded half up (0.005 → 0.01, -0.005 → -0.01), or None when
    absent (None or ""). A string is read as written ("17680000", " 0.5 "), a float as it prints
    (so 1.005 is 1.01, not the binary 1.00499…). With `exact`, an amount that would have to be
    rounded is refused instead: a record must not show a value other than the one it holds.

    Raises ValueError for anything that is not an amount: "12,000", "abc", NaN, infinity, a bool."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    try:
        number = Decimal(repr(value) if isinstance(value, float) else value.strip() if isinstance(value, str) else value)
        # beyond the context's 28 digits quantize raises too: no amount on this platform is that long
        if not number.is_finite():
            raise ValueError
        rounded = number.quantize(FEN, rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{value!r} is not an amount") from None
    if exact and rounded != number:
        raise ValueError(f"{value!r} has more than two decimals (fen) and would have to be rounded")
    return rounded + 0  # + 0 turns the -0.00 of a tiny negative into 0.00


def money(value, *, exact: bool = False) -> str:
    """'4598600' → '4,598,600.00': two decimals, thousands separated; '—' when absent."""
    fen = amount(value, exact=exact)
    return ABSENT if fen is None else f"{fen:,.2f}"


def yuan(value, *, exact: bool = False) -> str:
    """'4598600' → '4,598,600.00元', as Chinese prose writes an amount; '—' when absent."""
    text = money(value, exact=exact)
    return text if text == ABSENT else f"{text}元"


def yuan_sign(value, *, exact: bool = False) -> str:
    """'4598600' → '¥4,598,600.00', for tables and pages in any language; '—' when absent."""
    text = money(value, exact=exact)
    if text == ABSENT:
        return text
    return f"-¥{text[1:]}" if text.startswith("-") else f"¥{text}"


# --- time ------------------------------------------------------------------------------------


def local_text(moment, precision: str = "s", *, ms: bool = False, zone=None) -> str:
    """An aware instant as people read it, in the platform's zone (settings.TIME_ZONE, Beijing)
    or `zone`; '—' when absent. `precision`: "min", "s", "ms", "time" (HH:MM:SS) or "document"
    (2026年03月18日 09:30); `ms=True` is "ms".

    The digits below the precision are cut, never rounded: a bid received at 09:59:59.999 must
    not read 10:00:00 when the deadline is 10:00:00. A naive datetime raises ValueError."""
    if moment is None:
        return ABSENT
    precision = "ms" if ms else precision
    if precision not in _PATTERNS:
        raise ValueError(f"unknown precision {precision!r}; one of {', '.join(_PATTERNS)}")
    local = timezone.localtime(moment, zone)
    text = local.strftime(_PATTERNS[precision])
    return f"{text}.{local.microsecond // 1000:03d}" if precision == "ms" else text


def first_minute_from(moment: datetime, *, zone=None) -> str:
    """The earliest whole minute at or after `moment`, to the minute: a deadline typed as named
    (the form takes minutes) passes the guard that asked for `moment`."""
    later = moment + timedelta(seconds=59, microseconds=999999)
    return local_text(later.replace(second=0, microsecond=0), "min", zone=zone)
