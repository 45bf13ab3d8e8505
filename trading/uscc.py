"""The unified social credit code (统一社会信用代码, GB 32100-2015).

18 characters: registration authority (1), organization type (1), administrative division
(6 digits), organization code (9, GB 11714 with its own check character), check character (1).
The alphabet leaves out I, O, S, V and Z. No Django import below the validator, so the rules
are tested with plain strings.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
# GB 11714 values its characters over the whole Latin alphabet (A=10 … Z=35, I, O, S, V counted),
# not by their place in the 31-character alphabet above: J is 19 there, not 18.
ORG_CODE_VALUES = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# GB 32100-2015 Annex: registration authorities and the organization types each may issue.
AUTHORITY_TYPES = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "12349",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "129",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商 / 市场监管
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业
    "Y": "1",  # 其他
}


class USCCError(ValueError):
    """Why a code is not a valid unified social credit code; `code` names the kind of fault."""

    def __init__(self, code: str, message):
        super().__init__(code)
        self.code = code
        self.message = message


def normalize(raw: str) -> str:
    return (raw or "").strip().upper()


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(first8: str) -> str:
    total = sum(ORG_CODE_VALUES.index(c) * w for c, w in zip(first8, ORG_CODE_WEIGHTS))
    value = (11 - total % 11) % 11
    return "X" if value == 10 else str(value)


def check(raw: str) -> str:
    """Return the normalized code, or raise USCCError saying exactly what is wrong."""
    code = normalize(raw)
    if len(code) != 18:
        raise USCCError("length", _("A unified social credit code has 18 characters; this one has %(n)d.") % {"n": len(code)})
    bad = [c for c in code if c not in ALPHABET]
    if bad:
        raise USCCError(
            "character",
            _("“%(c)s” cannot appear in a unified social credit code (the letters I, O, S, V and Z are never used).")
            % {"c": bad[0]},
        )
    authority, kind = code[0], code[1]
    if authority not in AUTHORITY_TYPES:
        raise USCCError("authority", _("“%(c)s” is not a registration authority code.") % {"c": authority})
    if kind not in AUTHORITY_TYPES[authority]:
        raise USCCError(
            "type", _("“%(k)s” is not an organization type that authority “%(a)s” registers.") % {"k": kind, "a": authority}
        )
    if not code[2:8].isdigit():
        raise USCCError("region", _("Characters 3 to 8 must be the six digits of an administrative division code."))
    if org_code_check_character(code[8:16]) != code[16]:
        raise USCCError("org_code", _("The organization code inside it (characters 9 to 17) has a wrong check character."))
    expected = check_character(code[:17])
    if code[17] != expected:
        raise USCCError("check", _("The last character (the check character) is wrong: please check the code for a typo."))
    return code


def validate_uscc(value: str) -> None:
    try:
        check(value)
    except USCCError as err:
        raise ValidationError(err.message, code=f"uscc_{err.code}") from err
