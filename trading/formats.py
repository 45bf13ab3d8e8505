"""How the platform writes money and the server's time for people: one rounding, one zone, everywhere.

Money: `yuan` (4,598,600.00元) on every page and document that shows an amount for itself;
`wanyuan` (459.86万元) on summaries (lists, dashboards, statistics), which round to the hundred
yuan; `capital_yuan` (肆佰伍拾玖万捌仟陆佰元整) beside a bid's price, as bidders check it;
`parse_amount` reads what a person typed ("17,680,000.00", "１７６８００００").

Time: `local_text` writes an instant in the platform's zone (Beijing time); `zoned_text` names
the zone too ("2026-12-04 21:55:02（北京时间）"), for a time that stands alone (a message, a
receipt, a deadline); a table names the zone once, in its header (`zone_name`). `utc_text`
writes the exact UTC instant a signed receipt holds."""

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


def wanyuan(value) -> str:
    """'4598600' → '459.86万元': a summary's amount, in ten thousands of yuan to two decimals
    (half up, so to the hundred yuan), thousands separated ('1,768.00万元'); '—' when absent."""
    fen = amount(value)
    if fen is None:
        return ABSENT
    wan = (fen / 10000).quantize(FEN, rounding=ROUND_HALF_UP) + 0
    return f"{wan:,.2f}万元"


class AmountError(ValueError):
    """What a person typed is not an amount in yuan. `code` says why; str() says, in the reader's
    language, what to write instead (read only then: the record's PDF uses this without Django)."""

    MESSAGES = {
        "empty": gettext_lazy("Write the amount in yuan, for example 17680000.00 or 17,680,000.00."),
        "wan": gettext_lazy("Write the amount in yuan (元), not in 万元 or 亿元: 17680000.00, not 1768万."),
        "grouping": gettext_lazy("Separate the thousands with commas in groups of three (17,680,000.00), "
                                 "or write no commas (17680000.00)."),
        "decimals": gettext_lazy("At most two decimals (角 and 分): for example 17680000.05."),
        "digits": gettext_lazy("Write the amount in yuan with digits, for example 17680000.00 or 17,680,000.00."),
    }

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    def __str__(self):
        return str(self.MESSAGES[self.code])


# Digits as typed: ASCII or full-width (NFKC turns "１７６８，０００．５" into "1768,000.5"); the
# ideographic full stop a Chinese input method types for "." is read as the decimal point.
_PLAIN_AMOUNT = re.compile(r"-?\d+(\.\d+)?")
_GROUPED_AMOUNT = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
_COMMAS_ANYWHERE = re.compile(r"-?[\d,]+(\.\d+)?")


def parse_amount(text, *, fen_only: bool = True) -> Decimal:
    """An amount in yuan as a person writes it → Decimal to the fen, never rounded:
    "17,680,000.00", "17680000", "１７６８００００", "17680000.5元", "¥17,680,000". Commas must
    group by three; at most two decimals. Anything else raises AmountError saying what to write
    ("1768万" is refused: the field is in yuan, and a 万 read as yuan would be ten thousand times
    too small). An int or Decimal is taken as it is (with the same two-decimal rule).

    `fen_only=False` reads more decimals too, unrounded: to compare a price that is flagged for
    them with the ceiling, never to show or store it."""
    if isinstance(text, bool) or not isinstance(text, (str, int, Decimal)):
        raise AmountError("digits")
    raw = unicodedata.normalize("NFKC", str(text)).strip().replace("。", ".")
    raw = raw.removeprefix("¥").removeprefix("人民币").removesuffix("元").strip()
    if not raw:
        raise AmountError("empty")
    if "万" in raw or "亿" in raw:
        raise AmountError("wan")
    if not (_PLAIN_AMOUNT.fullmatch(raw) or _GROUPED_AMOUNT.fullmatch(raw)):
        raise AmountError("grouping" if "," in raw and _COMMAS_ANYWHERE.fullmatch(raw) else "digits")
    number = Decimal(raw.replace(",", ""))
    if number.as_tuple().exponent < -2:
        if not fen_only:
            return number + 0
        raise AmountError("decimals")
    return number.quantize(FEN) + 0


# 中国人民银行《支付结算办法》附件一（正确填写票据和结算凭证的基本规定）: the capital numerals.
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
CAPITAL_LIMIT = 10**16  # 9999万亿: beyond any amount the platform keeps (16 digits, two of them fen)


def _capital_below_10000(n: int) -> str:
    """1..9999 with a single 零 for any run of zeros between digits: 1001 壹仟零壹, 1010 壹仟零壹拾."""
    out, zero = [], False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)  # a zero counts only after a digit, and only if a digit follows
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_DIGITS[digit] + _SMALL_UNITS[power])
    return "".join(out)


def _capital_integer(n: int) -> str:
    """1 ≤ n < 10^16 in capital numerals. A 亿 or 万 part is followed by 零 when what follows it
    does not start at the next place down (10,005 壹万零伍; 100,010,000 壹亿零壹万), and not
    otherwise (107,000 壹拾万柒仟: the rule's first form)."""
    for unit, size in (("亿", 10**8), ("万", 10**4)):
        if n >= size:
            high, rest = divmod(n, size)
            text = _capital_integer(high) + unit
            if rest:
                text += ("零" if rest < size // 10 else "") + _capital_integer(rest)
            return text
    return _capital_below_10000(n)


def capital_yuan(value) -> str:
    """An amount in Chinese capital numerals (大写), as a bidder checks its price:
    Decimal("4598600") → "肆佰伍拾玖万捌仟陆佰元整".

    The rules of 中国人民银行《支付结算办法》附件一: "整" after 元 when there are no 角 or 分 (not
    after 角 or 分); a run of zeros inside the amount is one 零 (6,007.14 陆仟零柒元壹角肆分); where
    the rules allow 零 or not (元 place 0 and 角 not, 万 place 0 and 仟 not) this always takes the
    first form they give: 1,680.32 壹仟陆佰捌拾元零叁角贰分, 107,000.53 壹拾万柒仟元零伍角叁分; 角 0
    and 分 not: 元零贰分. Ten is 壹拾. Below one yuan no 元 is written (0.50 伍角); zero is 零元整;
    a negative amount is 负…. An amount with more than two decimals is refused (ValueError): the
    capital numerals never show another amount than the one held."""
    fen = amount(value, exact=True)
    if fen is None:
        return ABSENT
    sign, fen = ("负" if fen < 0 else ""), abs(fen)
    if fen >= CAPITAL_LIMIT:
        raise ValueError(f"{value!r} is beyond the capital numerals' range (less than 10^16 yuan)")
    whole = int(fen)
    jiao, cents = divmod(int((fen - whole) * 100), 10)
    if not whole and not jiao and not cents:
        return "零元整"
    text = f"{_capital_integer(whole)}元" if whole else ""
    if not jiao and not cents:
        return sign + text + "整"
    if whole and (whole % 10 == 0 or not jiao):
        text += "零"  # 元 place 0 (元零叁角), or 角 0 before 分 (元零贰分)
    if jiao:
        text += _DIGITS[jiao] + "角"
    if cents:
        text += _DIGITS[cents] + "分"
    return sign + text


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


def zone_name() -> str:
    """The platform's zone as people name it: 北京时间 (Beijing time) for Asia/Shanghai."""
    return _("Beijing time") if settings.TIME_ZONE in ("Asia/Shanghai", "PRC", "Asia/Chongqing") else settings.TIME_ZONE


def zoned_text(moment, precision: str = "s") -> str:
    """A time that stands alone, with its zone named: '2026-12-04 21:55:02（北京时间）'."""
    if moment is None:
        return ABSENT
    return _("%(time)s (%(zone)s)") % {"time": local_text(moment, precision), "zone": zone_name()}


def utc_text(moment) -> str:
    """The exact instant in UTC, to the millisecond: '2026-12-04 13:55:02.161 UTC' (a receipt's
    signed time, shown beside Beijing time). An ISO string (the receipt's "…Z") is read first."""
    if moment is None:
        return ABSENT
    moment = parse_instant(moment) if isinstance(moment, str) else moment
    return local_text(moment, "ms", zone=UTC) + " UTC"


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant with its offset ("2026-12-04T13:55:02.161Z") as an aware datetime;
    ValueError for one without an offset."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment


def first_minute_from(moment: datetime, *, zone=None) -> str:
    """The earliest whole minute at or after `moment`, to the minute: a deadline typed as named
    (the form takes minutes) passes the guard that asked for `moment`."""
    later = moment + timedelta(seconds=59, microseconds=999999)
    return local_text(later.replace(second=0, microsecond=0), "min", zone=zone)
