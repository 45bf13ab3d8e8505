"""Who may do what with sealed bids, keys and the opening hall: `rules` predicates and perms."""

# Loaded by rules' autodiscovery (rules.apps.AutodiscoverRulesConfig), as trading/rules.py is.
# "Staff of this project's center" and "a supervisor over it" are trading's predicates, reused.

import rules
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trading.choices import Role
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.rules import is_bidder, is_center_staff, is_draft, is_staff_member, is_supervisor, is_supervisor_over

from .models import Bid, CustodianShare

# --- predicates --------------------------------------------------------------------------------


@rules.predicate
def is_custodian(user):
    return user is not None and user.is_authenticated and user.role == Role.CUSTODIAN


@rules.predicate
def host_hall(user, project):
    """Staff of the project's center host its opening."""
    return is_center_staff(user, project)


@rules.predicate
def watch_hall(user, project):
    """A supervisor of the project's center or of a center above it watches as 监标人."""
    return is_supervisor_over(user, project)


@rules.predicate
def hold_share(user, project):
    """A key custodian named in the project's key ceremony (it holds one of the shares)."""
    return (
        is_custodian(user)
        and project is not None
        and CustodianShare.objects.filter(ceremony__project=project, custodian=user).exists()
    )


@rules.predicate
def seal_bid(user, lot):
    """Any registered bidder organization may bid; whether the lot is open is the service's rule."""
    return is_bidder(user)


set_sealing_rules = is_center_staff & is_draft
run_key_ceremony = is_center_staff
record_bid_security = is_center_staff


@rules.predicate
def owns_sealed_file(user, sealed_file):
    return is_bidder(user) and sealed_file is not None and sealed_file.bid.organization_id == user.organization_id


def deadline_passed(project, now=None) -> bool:
    # The server clock, never the lot's stored state: a closing job that runs late opens nothing early.
    now = now or timezone.now()
    return project.bid_deadline is not None and now >= project.bid_deadline


@rules.predicate
def is_center_staff_after_deadline(user, sealed_file):
    if sealed_file is None:
        return False
    project = sealed_file.bid.lot.project
    return is_center_staff(user, project) and deadline_passed(project)


read_sealed_file = owns_sealed_file | is_center_staff_after_deadline


# --- perms -------------------------------------------------------------------------------------

rules.add_perm("bidding.host_hall", host_hall)
rules.add_perm("bidding.watch_hall", watch_hall)
rules.add_perm("bidding.hand_in_share", hold_share)
rules.add_perm("bidding.seal_bid", seal_bid)
# At the opening the bidder hands in its key for the tender; any bidder may try, the key decides.
rules.add_perm("bidding.hand_in_key", is_bidder)
# In the hall: a bidder signs in, and confirms or objects to the record (its own bid, found by
# the service: a bidder with none is told so).
rules.add_perm("bidding.sign_in", is_bidder)
rules.add_perm("bidding.answer_record", is_bidder)
rules.add_perm("bidding.upload_sealed_file", owns_sealed_file)
rules.add_perm("bidding.read_sealed_file", read_sealed_file)
rules.add_perm("bidding.set_sealing_rules", set_sealing_rules)
rules.add_perm("bidding.run_key_ceremony", run_key_ceremony)
rules.add_perm("bidding.record_bid_security", record_bid_security)
# The staff's page for the three above: the sealing rules, the custodians and the bid security.
rules.add_perm("bidding.view_sealing_setup", is_center_staff)
rules.add_perm("bidding.register_custodian_key", is_custodian)
rules.add_perm("bidding.view_custodian_page", is_custodian)


# --- refusals ----------------------------------------------------------------------------------
# What each refusal says, and as which error: where the current answer is "not found" (so that
# nobody learns that a file or share exists) or "not now" (a rule, not a permission), it stays so.


def _denied(message):
    # Read when raised, in the reader's language of that moment (the message itself is lazy).
    return lambda user, obj: PermissionDenied(str(message))


_staff_only = _denied(gettext_lazy("Only staff of this tender's trading center may do this."))
_bidders_only = _denied(gettext_lazy("Only a registered bidder organization may do this."))


def _refuse_upload(user, sealed_file):
    return _bidders_only(user, sealed_file) if not is_bidder(user) else NotFound(_("No such upload."))


def _refuse_sealing_rules(user, project):
    if is_center_staff(user, project):
        return RuleViolation(_("The tender is published: its sealing rules cannot change."))
    return _staff_only(user, project)


def _refuse_share(user, project):
    if not is_custodian(user):
        return PermissionDenied(_("Only a key custodian hands in a share."))
    return NotFound(_("You hold no share of this tender's opening key."))


REFUSALS = {
    "bidding.host_hall": _denied(gettext_lazy("Only the trading center's host may do this.")),
    "bidding.watch_hall": _denied(gettext_lazy("Only a supervisor of this trading center watches the opening as its supervisor.")),
    "bidding.hand_in_share": _refuse_share,
    "bidding.seal_bid": _bidders_only,
    "bidding.hand_in_key": _denied(gettext_lazy("Only the bidder hands in its key.")),
    "bidding.sign_in": _denied(gettext_lazy("Only bidders sign in.")),
    "bidding.answer_record": _denied(gettext_lazy("Only bidders confirm or object.")),
    "bidding.upload_sealed_file": _refuse_upload,
    "bidding.read_sealed_file": lambda user, obj: NotFound(_("No such sealed file.")),
    "bidding.set_sealing_rules": _refuse_sealing_rules,
    "bidding.run_key_ceremony": _staff_only,
    "bidding.record_bid_security": _staff_only,
    "bidding.view_sealing_setup": _staff_only,
    "bidding.register_custodian_key": _denied(gettext_lazy("Only a key custodian registers a custodian key.")),
    "bidding.view_custodian_page": _denied(gettext_lazy("This page is for key custodians.")),
}


def check(user, perm: str, obj=None, message=None):
    """Raise the refusal of `perm` unless `user` has it on `obj`: PermissionDenied with `message`
    when given, else what REFUSALS says for this perm (translated when raised)."""
    if rules.has_perm(perm, user, obj):
        return
    if message is not None:
        raise PermissionDenied(message)
    refusal = REFUSALS.get(perm)
    if refusal is None:
        raise PermissionDenied(_("You do not have permission to do this (%(perm)s).") % {"perm": perm.split(".")[-1]})
    raise refusal(user, obj)


# --- policies ----------------------------------------------------------------------------------


class BidPolicy:
    """The one answer to "which bids may this user see": a bidder its own organization's, at any
    time; the center's staff and the supervisors over it, the bids of tenders whose deadline has
    passed; nobody else any (招标投标法 第22条: who is bidding stays secret until the opening)."""

    @staticmethod
    def visible(user, queryset=None, *, now=None):
        qs = queryset if queryset is not None else Bid.objects.all()
        if is_bidder(user):
            return qs.filter(organization_id=user.organization_id)
        after = Q(lot__project__bid_deadline__lte=now or timezone.now())
        if is_staff_member(user):
            return qs.filter(after, lot__project__center_id=user.center_id)
        if is_supervisor(user):
            return qs.filter(after, lot__project__center_id__in=user.center.subtree_ids())
        return qs.none()
