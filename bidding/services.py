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


def update_rules(*, actor, project: Project, **values) -> TenderRules:
    """Staff set the tender's sealed-bid rules while it is a draft (they are part of the
    tender documents once published)."""
    with transaction.atomic():
        # Locked, so that publishing cannot slip in between the draft check and the save.
        project = Project.objects.select_for_update().get(pk=project.pk)
        check(actor, "bidding.set_sealing_rules", project)
        rules = sealing_rules(project)
        for key, value in values.items():
            setattr(rules, key, value)
        problems = check_items(rules.declared_items)
        if problems:
            raise RuleViolation("; ".join(problems))
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

