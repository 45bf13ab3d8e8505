"""The award and the contract: the Award row with its savings and its notice PDF, the contract's date and amount, the contract's warning.

Trading takes the transitions (award, contract) and publishes the result notice; this floor
listens to them (trading.signals.lot_transitioned, in the transition's transaction) and keeps
what follows:

- at the award: the winner is the first-ranked candidate of the publicity (实施条例 第五十五条),
  at its bid price; an award price given otherwise is refused, and nothing is awarded. The
  Award row keeps the budget, the savings (budget − award price) and the savings rate (savings /
  budget) for the statistics (DOMAIN.md §8), and the award notice (中标通知书) as a PDF with its
  SHA-256;
- the contract is recorded with its date and amount, through record_contract, which takes the
  contract transition in the same transaction; the transition taken without them is refused;
- a lot awarded for longer than the project's contract days without a contract is overdue
  (招标投标法 第四十六条): the staff's workspace and the lot's pages warn.
"""

import hashlib
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit, lifecycle, services
from trading.choices import LotState
from trading.errors import NotFound, RuleViolation
from trading.formats import local_text, money
from trading.models import Lot, Organization
from trading.rules import check
from trading.signals import lot_transitioned

from . import facts
from .award_pdf import render_award_notice
from .models import Award, Contract

RATE = Decimal("0.000001")  # the savings rate, a fraction, to six places (the model's)
CONTRACT_CITATION = "《招标投标法》第四十六条"


def savings_of(budget: Decimal, price: Decimal) -> tuple[Decimal, Decimal]:
    """(savings, savings rate): budget − price, and that over the budget, half up to six places
    (a fraction: 0.139220 is 13.922%). Negative when the price is above the budget (a sale's
    premium); a budget of zero has no rate (0)."""
    savings = budget - price
    rate = (savings / budget).quantize(RATE, rounding=ROUND_HALF_UP) if budget else Decimal(0)
    return savings, rate


@receiver(lot_transitioned)
def after_transition(sender, lot, name, actor, now, **kwargs):
    if name == "award":
        make_award(lot=lot, actor=actor, now=now)
    elif name == "contract" and not Contract.objects.filter(lot=lot).exists():
        raise RuleViolation(_("Record the contract with its date and amount on the lot's contract page."))


def make_award(*, lot, actor, now) -> Award:
    """The Award row of a lot just awarded (locked, in the transition's transaction)."""
    ranked = facts.published_candidates(lot)
    if not ranked:
        raise RuleViolation(_("The lot has no published winning candidates: there is nobody to award it to."))
    first = ranked[0]
    price = facts.decimal_or_none(first.get("price"))
    given = facts.decimal_or_none(lot.award_price)  # as handed to the transition (a form's Decimal, a string)
    if price is None or given != price:
        raise RuleViolation(_("The award price is the first-ranked candidate's bid price, %(price)s yuan (%(winner)s); "
                              "%(given)s yuan was given.") % {"price": money(price), "winner": first.get("name"),
                                                              "given": money(given)})
    winner = Organization.objects.get(pk=first["organization"])
    savings, rate = savings_of(lot.budget, price)
    award = Award(lot=lot, winner=winner, price=price, budget=lot.budget, savings=savings, savings_rate=rate,
                  awarded_at=now)
    award.notice_pdf = render_award_notice(notice_dict(lot, award, ranked))
    award.notice_sha256 = hashlib.sha256(award.notice_pdf).hexdigest()
    award.save()
    audit.record(actor=actor, action="award.made", obj=award, project=lot.project, data={
        "lot": str(lot), "winner": {"name": winner.name, "uscc": winner.uscc}, "award_price": str(price),
        "budget": str(lot.budget), "savings": str(savings), "savings_rate": str(rate),
        "sha256": award.notice_sha256, "size": len(award.notice_pdf)})
    return award


def notice_number(lot) -> str:
    return f"{lot.project.code}-{lot.number:02d}-ZB"


def notice_dict(lot, award, ranked) -> dict:
    """What the award notice prints (evaluation.award_pdf), from the lot, its award and the
    publicity's ranked candidates."""
    project = lot.project
    publicity = lot.notices.filter(kind="candidates").only("details").first()
    details = publicity.details if publicity else {}
    return {
        "number": notice_number(lot), "sale": facts.is_price_sale(lot), "project_code": project.code,
        "project_name": project.name, "lot_number": lot.number, "lot_name": lot.name,
        "trading_center": project.center.name, "tenderee": project.tenderee.name,
        "agent": project.agent.name if project.agent_id else None, "winner": award.winner.name,
        "winner_uscc": award.winner.uscc, "price": str(award.price), "budget": str(award.budget),
        "bid_deadline": project.bid_deadline, "publicity_starts": details.get("publicity_starts"),
        "publicity_ends": details.get("publicity_ends"), "awarded_at": award.awarded_at,
        "contract_days": project.contract_days,
        "candidates": [{"rank": c.get("rank"), "name": c.get("name"), "price": c.get("price")} for c in ranked],
    }


# --- the contract ------------------------------------------------------------------------------


def contract_due(lot):
    """By when an awarded lot's contract is due: the project's contract days after the award
    (the lot has been awarded since its state last changed)."""
    return lifecycle.contract_due(lot)


def contract_overdue(lot, now) -> bool:
    """Awarded, no contract recorded, and the contract days since the award are over."""
    return lot.state == LotState.AWARDED and now >= contract_due(lot)


def overdue_text(lot) -> str:
    return _("No contract is recorded although it was due by %(due)s, within %(days)d days of the award "
             "(%(citation)s): record it, or find out why it is not signed.") % {
        "due": local_text(contract_due(lot), "min"), "days": lot.project.contract_days,
        "citation": CONTRACT_CITATION}


def record_contract(*, actor, lot_id: int, signed_on, amount: Decimal, now=None) -> Contract:
    """The lot's center staff record the signed contract's date and amount, and the lot is
    contracted, in one transaction. A contract signed later than the law's days is recorded,
    and the record says so."""
    now = now or timezone.now()
    with transaction.atomic():
        lot = Lot.objects.select_for_update(of=("self",)).select_related("project__center").filter(pk=lot_id).first()
        if lot is None:
            raise NotFound(_("No such lot."))
        check(actor, "evaluation.record_contract", lot)
        if lot.state != LotState.AWARDED:
            raise RuleViolation(_("A contract is recorded for an awarded lot; this one is “%(state)s”.")
                                % {"state": lot.get_state_display()})
        award = Award.objects.filter(lot=lot).first()
        awarded_on = timezone.localdate(award.awarded_at if award else lot.state_changed_at)
        today = timezone.localdate(now)
        if signed_on is None or signed_on < awarded_on or signed_on > today:
            raise RuleViolation(_("The contract is signed between the award (%(awarded)s) and today (%(today)s).")
                                % {"awarded": awarded_on.isoformat(), "today": today.isoformat()}, field="signed_on")
        if amount is None or amount <= 0:
            raise RuleViolation(_("Give the contract's amount in yuan."), field="amount")
        contract = Contract.objects.create(lot=lot, signed_on=signed_on, amount=amount, recorded_by=actor,
                                           recorded_at=now)
        days = (signed_on - awarded_on).days
        audit.record(actor=actor, action="contract.recorded", obj=contract, project=lot.project, data={
            "lot": str(lot), "signed_on": signed_on.isoformat(), "amount": str(amount),
            "award_price": str(lot.award_price) if lot.award_price is not None else None,
            "days_since_award": days, "within_legal_limit": days <= lot.project.contract_days})
        services.transition_lot(actor=actor, lot=lot, name="contract", now=now)
    return contract

