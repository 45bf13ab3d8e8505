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
        raise RuleViolation(_("The amount must be positive."), field="amount")
    if amount < lot.bid_security:
        raise RuleViolation(_("The tender asks for %(need)s yuan of bid security; %(got)s is less.")
                            % {"need": money(lot.bid_security), "got": money(amount)}, field="amount")
    if method not in BidSecurity.Method.values or not reference.strip():
        raise RuleViolation(_("Say how it was paid and give its reference."))
    with transaction.atomic():
        if BidSecurity.objects.filter(lot=lot, organization=organization, forfeited_at__isnull=False).exists():
            raise RuleViolation(_("This bid security was forfeit at the opening; it is not recorded again."))
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


@transaction.atomic  # the caller's transaction, where it has one (the hall's lock); its own otherwise
def forfeit_for_revoked_bid(*, actor, opening, now) -> BidSecurity | None:
    """The record reads a bid as revoked by its bidder (视为撤销: neither its bidder nor the
    custodians opened it, by the bidder's fault; 电子招标投标办法 第三十一条): its bid security is
    not returned (招标投标法实施条例 第三十五条). Marked once, with who, when and why, and audited;
    None where none was recorded. The caller holds the hall's lock."""
    bid = opening.bid
    security = BidSecurity.objects.select_for_update().filter(lot_id=bid.lot_id, organization_id=bid.organization_id).first()
    if security is None or security.forfeited_at is not None:
        return security
    security.forfeited_at, security.forfeited_by = now, actor
    security.forfeit_reason = _("The bid counts as revoked by the bidder (视为撤销): %(why)s A bid revoked after the "
                                "deadline loses its bid security (招标投标法实施条例 第三十五条).") % {"why": opening.reason}
    security.save(update_fields=["forfeited_at", "forfeited_by", "forfeit_reason"])
    lot = security.lot
    audit.record(actor=actor, action="bid_security.forfeited", obj=security, project=lot.project,
                 data={"lot": lot.number, "organization": bid.organization.uscc, "amount": security.amount,
                       "opening": opening.pk, "at": now, "reason": security.forfeit_reason})
    return security
