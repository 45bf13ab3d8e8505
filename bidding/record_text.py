"""What the opening record writes for each value: money, Beijing time, sealed values as sealed, Chinese labels.

Every time is shown in Beijing time (UTC+8) to the second. Amounts of the tender (budget,
ceiling) come as decimal strings and are shown as 8,765,432.10元, never rounded: an amount with
more than fen is refused. The declared items of the bids are shown exactly as sealed, never
rounded or corrected: a string as written (in JSON quotes when it has blanks at either end,
blank runs or control characters, so that nothing is hidden), any other JSON value as JSON
(180, true, null). A sealed amount (a money item) that reads as one is written as people
write it, 4,598,600.00元, with its capital numerals (大写) beside: the same value, only grouped.
"""

import json
import re
from datetime import datetime

from trading import formats

OUTCOMES = {"decrypted": "已解密", "revoked": "视为撤销", "withdrawn": "视为撤回", "remedied": "经补救解密"}
# A bid read as revoked by its bidder loses its bid security (bidding.security.forfeit_for_revoked_bid).
FORFEIT = "投标保证金不予退还"
FORFEIT_LAW = "《电子招标投标办法》第三十一条、《中华人民共和国招标投标法实施条例》第三十五条"
CONFIRMATIONS = {"confirmed": "确认", "objected": "提出异议", "deemed_accepted": "视为认可", "deemed": "视为认可",
                 "pending": "尚未答复"}
ROLES = {"staff": "交易中心工作人员", "tenderee": "招标人", "agent": "招标代理机构", "bidder": "投标人",
         "expert": "评标专家", "supervisor": "监督人员", "custodian": "密钥保管人", "host": "开标主持人",
         "system": "系统", "": "系统"}
FILE_KINDS = {"form": "开标项文件", "file": "投标文件"}  # bidding.models.SealedFile.Kind


class RecordError(ValueError):
    """The record dict is incomplete or holds a value the record cannot show honestly."""


def format_money(value) -> str:
    """'8765432.1' → '8,765,432.10元' (trading.formats). A JSON number is refused (a float has
    already lost the amount), and so is an amount with more than fen: the record never rounds."""
    if isinstance(value, float):
        raise RecordError(f"an amount must be a decimal string, not {value!r}")
    try:
        return formats.yuan(value, exact=True)
    except ValueError as err:
        raise RecordError(str(err)) from None


def sealed_amount(value) -> tuple[str, str] | None:
    """A sealed money item as (4,598,600.00元, 肆佰伍拾玖万捌仟陆佰元整) when it is a positive
    amount to the fen as a person writes one ("4598600", "4,598,600.00"); None otherwise, and the
    value is then shown as sealed (the opening has flagged it)."""
    if isinstance(value, (bool, float)) or not isinstance(value, (str, int)):
        return None
    try:
        fen = formats.parse_amount(value)
    except ValueError:
        return None
    if fen <= 0:
        return None
    return formats.yuan(fen), formats.capital_yuan(fen)


def beijing_time(value) -> str:
    """An aware time (ISO string or datetime) as 'YYYY-MM-DD HH:MM:SS' in Beijing time; '—' if
    absent. A time without an offset is refused: the record must not guess the zone."""
    if value in (None, ""):
        return formats.ABSENT
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
        except ValueError:
            raise RecordError(f"{value!r} is not an ISO 8601 time") from None
    if not isinstance(value, datetime):
        raise RecordError(f"{value!r} is not a time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise RecordError(f"{value.isoformat()} has no UTC offset; the record shows Beijing time")
    return formats.local_text(value, "s", zone=formats.BEIJING)


_PLAIN = re.compile(r"\S(?:\S| (?=\S))*", re.UNICODE)


def sealed_text(value) -> str:
    """A declared item's value exactly as sealed (see the module docstring)."""
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.isprintable():
            return value
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def text_or(value, default=formats.ABSENT) -> str:
    return default if value in (None, "") else str(value)


def need(mapping, key, where):
    if not isinstance(mapping, dict) or mapping.get(key) in (None, ""):
        raise RecordError(f"the record needs {where}.{key}")
    return mapping[key]


def byte_size(value) -> str:
    if value in (None, ""):
        return formats.ABSENT
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"a file size is a whole number of bytes, not {value!r}")
    return f"{value:,}"
