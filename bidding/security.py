"""Bid security: staff record what each bidder paid for a lot, before its bid may count."""

from django.db import transaction
from django.utils.translation import gettext as _

from trading.formats import money
from trading import audit
from trading.errors import RuleViolation
from trading.models import Lot, Organization

from .models import BidSecurity
from .rules import check, deadline_passed


def record_bid_security(*, actor, lot: Lot, organization: Organization, amount, method: str, reference: str) -> BidSecurity:
    """Staff of the tender's center record a bidder's bid security for a lot (again: replaced)."""
    check(actor, "bidding.record_bid_security", lot.project)
    if amount <= 0:
        raise RuleViolation(_("The amount must be positive."))
    if amount < lot.bid_security:
        raise RuleViolation(_("The tender asks for %(need)s yuan of bid security; %(got)s is less.")
                            % {"need": money(lot.bid_security), "got": money(amount)})
    if method not in BidSecurity.Method.values or not reference.strip():
        raise RuleViolation(_("Say how it was paid and give its reference."))
    with transaction.atomic():
        security, _created = BidSecurity.objects.update_or_create(
            lot=lot, organization=organization,
            defaults={"amount": amount, "method": method, "reference": reference.strip(), "recorded_by": actor},
        )
        audit.record(actor=actor, action="bid_security.recorded", obj=security, project=lot.project,
                     data={"lot": lot.number, "organization": organization.uscc, "amount": amount, "method": method,
                           "reference": reference.strip()})
    return security


def securities_shown(project, now=None):
    """The bid securities recorded for a tender, as its staff may read them: none before the bid
    deadline, for a security names a bidder (招标投标法 第22条: who bids, and how many, stay secret
    until the opening); staff see what they record when they record it, and nothing of others'."""
    if not deadline_passed(project, now):
        return None
    return BidSecurity.objects.filter(lot__project=project).select_related("lot", "organization").order_by("lot__number", "recorded_at")
