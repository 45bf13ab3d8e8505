"""The legal defaults of DOMAIN.md §4, each a per-tender setting with its citation.

The legal defaults of DOMAIN.md §4: each a per-tender setting with its citation and the
bound the law sets when the project is one that must be tendered (依法必须招标)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class LegalDefault:
    field: str
    default: int
    bound: int  # the law's limit, binding where the project must be tendered
    at_most: bool  # the bound is a maximum (contract days), not a minimum
    citation: str
    meaning: str

    def allows(self, value: int) -> bool:
        return value <= self.bound if self.at_most else value >= self.bound


DAYS_TO_DEADLINE = LegalDefault(
    field="min_days_to_deadline",
    default=20,
    bound=20,
    at_most=False,
    citation="《招标投标法》第二十四条",
    meaning=_("days from the tender documents to the bid deadline"),
)
AMENDMENT_DAYS = LegalDefault(
    field="amendment_min_days",
    default=15,
    bound=15,
    at_most=False,
    citation="《招标投标法实施条例》第二十一条",
    meaning=_("days an amendment that changes bids must precede the deadline, or the deadline moves"),
)
MIN_BIDS = LegalDefault(
    field="min_bids",
    default=3,
    bound=3,
    at_most=False,
    citation="《招标投标法实施条例》第四十四条",
    meaning=_("bids needed at the deadline to open; with fewer the tender fails"),
)
PUBLICITY_DAYS = LegalDefault(
    field="publicity_days",
    default=3,
    bound=3,
    at_most=False,
    citation="《招标投标法实施条例》第五十四条",
    meaning=_("days the winning candidates stay in publicity before the award"),
)
CONTRACT_DAYS = LegalDefault(
    field="contract_days",
    default=30,
    bound=30,
    at_most=True,
    citation="《招标投标法》第四十六条",
    meaning=_("days from the award notice within which the contract is signed (at most)"),
)

ALL = [DAYS_TO_DEADLINE, AMENDMENT_DAYS, MIN_BIDS, PUBLICITY_DAYS, CONTRACT_DAYS]
BID_SECURITY_MAX_RATE = "0.02"  # 《招标投标法实施条例》第二十六条: at most 2% of the estimated price
BID_SECURITY_CITATION = "《招标投标法实施条例》第二十六条"
