"""What the sealed-bid services share: the tender's sealing rules and the checks every one makes."""

# The actions themselves live beside this module, a file per concern: ceremony.py (custodian
# keys and the key ceremony), upload.py (the bidder's key, bid versions, chunks, receipts,
# withdrawal), bid_access.py (reading bids, receipts and sealed files), security.py (bid
# security); opening_keys.py and hall.py do the opening. Each takes the acting user first and
# checks permission with bidding.rules.check, whatever the view asked before.


from django.db import transaction
from django.utils.translation import gettext as _

from trading import audit
from trading.errors import NotFound, RuleViolation
from trading.models import Lot, Project

from . import draw
from .models import TenderRules
from .opening_form import check_items, default_items
from .rules import check

AGE_RECIPIENT_PREFIX = "age1"


def rules_for(project: Project) -> TenderRules:
    """The tender's sealing rules, created with the defaults of its category on first use."""
    rules, _created = TenderRules.objects.get_or_create(
        project=project, defaults={"declared_items": default_items(project.category)}
    )
    return rules


def sealing_rules(project: Project) -> TenderRules:
    """The tender's sealing rules for reading: the stored ones, or the defaults unsaved (a page
    that only shows them writes nothing)."""
    rules = TenderRules.objects.filter(project=project).first() or TenderRules(project=project)
    if not rules.declared_items:
        rules.declared_items = default_items(project.category)
    return rules


K_FIELDS = {"low": "k_low", "high": "k_high", "step": "k_step"}


def k_range_problem(low: str, high: str, step: str) -> tuple[str, str] | None:
    """What is wrong with a published range of K, as (the rules' field, a sentence), or None:
    all three empty (the tender draws no K) or a range the hall can draw from (draw.make_range,
    the one rule)."""
    given = {"k_low": (low or "").strip(), "k_high": (high or "").strip(), "k_step": (step or "").strip()}
    if not any(given.values()):
        return None
    missing = [name for name, value in given.items() if not value]
    if missing:
        return missing[0], _("Give the range of K whole, from, to and step, or leave all three empty.")
    try:
        draw.make_range(given["k_low"], given["k_high"], given["k_step"])
    except draw.DrawError as err:
        words = {
            "not_decimal": _("Write a plain decimal fraction, such as 0.02."),
            "step_zero": _("The step must be greater than zero."),
            "more_decimals": _("It has more decimals than the step: with a step of %(step)s, write it with at most that many.")
            % {"step": given["k_step"]},
            "low_above_high": _("K to must not be below K from."),
            "not_below_one": _("K is a fraction below 1 (0.05 is 5%)."),
            "not_whole_steps": _("From %(low)s to %(high)s is not a whole number of steps of %(step)s.")
            % {"low": given["k_low"], "high": given["k_high"], "step": given["k_step"]},
        }
        return K_FIELDS.get(err.part, "k_low"), words.get(err.code, str(err))
    return None


def update_rules(*, actor, project: Project, **values) -> TenderRules:
    """Staff set the tender's sealed-bid rules while it is a draft (they are part of the
    tender documents once published). The opening form's items and K's range are checked by
    their one rule each (opening_form.item_problems, k_range_problem)."""
    with transaction.atomic():
        # Locked, so that publishing cannot slip in between the draft check and the save.
        project = Project.objects.select_for_update().get(pk=project.pk)
        check(actor, "bidding.set_sealing_rules", project)
        rules = sealing_rules(project)
        for key, value in values.items():
            setattr(rules, key, value)
        problems = check_items(rules.declared_items)
        if problems:
            raise RuleViolation("; ".join(problems), field="declared_items")
        problem = k_range_problem(rules.k_low, rules.k_high, rules.k_step)
        if problem:
            raise RuleViolation(problem[1], field=problem[0])
        rules.full_clean()
        rules.save()
        audit.record(actor=actor, action="bid_rules.updated", obj=rules, project=project, data=values)
    return rules


def check_recipient(recipient: str) -> str:
    import pyrage

    recipient = (recipient or "").strip()
    if not recipient.startswith(AGE_RECIPIENT_PREFIX):
        raise RuleViolation(_("This is not an age recipient (it starts with “age1”)."))
    try:
        pyrage.x25519.Recipient.from_str(recipient)
    except Exception as err:  # pyrage raises its own types for every malformed key
        raise RuleViolation(_("This age recipient is malformed: %(err)s") % {"err": err}) from err
    return recipient


def biddable_lot(lot_id: int, *, lock: bool = False) -> Lot:
    """A lot of a published tender (a draft's lots do not exist for bidders)."""
    qs = Lot.objects.select_related("project", "project__center")
    if lock:
        qs = qs.select_for_update(of=("self",))
    lot = qs.filter(pk=lot_id).first()
    if lot is None or lot.is_draft:
        raise NotFound(_("No such lot."))
    return lot

