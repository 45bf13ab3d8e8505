"""Bidding's tables: sealed bids and their keys (bids.py), the opening hall (hall.py)."""

from .bids import (  # noqa: F401
    Bid,
    BidderKey,
    BidSecurity,
    CustodianKey,
    CustodianShare,
    HandedInShare,
    KeyCeremony,
    Receipt,
    SealedFile,
    TenderRules,
)
from .hall import BidOpening, HallEvent, Objection, OpeningHall, SignIn, SupervisorPresence  # noqa: F401
