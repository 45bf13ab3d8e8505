"""The rules a project's lots keep together: one lot at least, each number once, a ceiling within the budget, a bid security within 2%.

The services refuse with these (registration, a draft's lots changed) and the forms show each
problem beside the field it concerns: one rule, in one place."""

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

from . import law
from .choices import Category
from .errors import RuleViolation
from .formats import FEN, money


@dataclass(frozen=True)
class LotProblem:
    index: int | None  # the lot's place in the list given, None for the list as a whole
    field: str | None  # the lot's field at fault (a form shows the message beside it)
    message: str


def lot_problems(lots: list[dict], category: str, *, other_numbers=()) -> list[LotProblem]:
    """Every way a project's lots break the rules, in order: at least one lot, each number once
    (`other_numbers`: those of lots kept as they are), a ceiling within the budget, a bid security
    of at most 2% (not for a sale). The service refuses with these; the form shows each beside
    its field."""
    problems = []
    if not lots:
        problems.append(LotProblem(None, None, _("A project needs at least one lot.")))
    seen = set(other_numbers)
    for index, lot in enumerate(lots):
        number = lot.get("number")
        if number in seen:
            problems.append(LotProblem(index, "number", _("Two lots have the same number.")))
        seen.add(number)
        budget, ceiling = lot.get("budget"), lot.get("ceiling_price")
        if ceiling is not None and budget is not None and ceiling > budget:
            problems.append(LotProblem(index, "ceiling_price",
                                       _("Lot %(n)s: the ceiling price may not exceed the budget.") % {"n": number}))
        if category in Category.price_sales() or budget is None:
            continue  # a sale's deposit (竞买保证金) is set by its own rules, often far above 2%
        # Down to the fen: the largest security that passes is the one the message names.
        security_cap = ((ceiling or budget) * Decimal(law.BID_SECURITY_MAX_RATE)).quantize(FEN, ROUND_DOWN)
        if (lot.get("bid_security") or Decimal(0)) > security_cap:
            problems.append(LotProblem(index, "bid_security", _(
                "Lot %(n)s: the bid security may be at most 2%% of the estimated price, %(cap)s yuan (%(citation)s).")
                % {"n": number, "cap": money(security_cap), "citation": law.BID_SECURITY_CITATION}))
    return problems


def check_lots(lots: list[dict], category: str, *, other_numbers=()):
    """Refuse, with the first of lot_problems, lots that break the rules."""
    problems = lot_problems(lots, category, other_numbers=other_numbers)
    if problems:
        raise RuleViolation(problems[0].message, field=problems[0].field)
