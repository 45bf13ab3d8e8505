"""The resident identity card number (公民身份号码, GB 11643-1999) and its check character.

18 characters: administrative division (6 digits), date of birth (8 digits, YYYYMMDD), order
number (3 digits), check character (0-9 or X, ISO 7064 MOD 11-2). No Django import below the
validator, so the rule is tested with plain strings, like trading/uscc.py.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
CHECK = "10X98765432"  # the check character for (sum of digit × weight) mod 11 = 0, 1, 2, ...


class IDNumberError(ValueError):
    """Why a number is not a valid identity card number; `code` names the kind of fault."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


def normalize(raw: str) -> str:
    return (raw or "").strip().upper()


def check_character(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def check(raw: str, *, today: datetime.date | None = None) -> str:
    """Return the normalized number, or raise IDNumberError saying exactly what is wrong."""
    number = normalize(raw)
    if len(number) != 18:
        raise IDNumberError("length", _("An identity card number has 18 characters; this one has %(n)d.") % {"n": len(number)})
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IDNumberError("character", _("An identity card number is 17 digits and a last digit or X."))
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IDNumberError("birth", _("Characters 7 to 14 must be a date of birth (YYYYMMDD).")) from None
    if born.year < 1800 or born > (today or datetime.date.today()):
        raise IDNumberError("birth", _("Characters 7 to 14 must be a date of birth (YYYYMMDD).")) from None
    if check_character(number[:17]) != number[17]:
        raise IDNumberError("check", _("The last character (the check character) is wrong: please check the number for a typo."))
    return number


def validate_id_number(value: str) -> None:
    try:
        check(value)
    except IDNumberError as err:
        raise ValidationError(err.message, code=f"id_{err.code}") from err
