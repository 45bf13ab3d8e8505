"""The key ceremony: custodians' own keys, their invitation, and the opening key's dealt shares."""

import hashlib

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit
from trading.errors import NotFound, RuleViolation
from trading.models import Project

from .agefile import AgeError, check_header_start
from .models import CustodianKey, CustodianShare, KeyCeremony
from .rules import check, hold_share, is_custodian
from .services import check_recipient, rules_for

def register_custodian_key(*, actor, recipient: str) -> CustodianKey:
    """A custodian registers its own age recipient (its identity stays in its browser)."""
    check(actor, "bidding.register_custodian_key")
    recipient = check_recipient(recipient)
    with transaction.atomic():
        if CustodianShare.objects.filter(custodian=actor, ceremony__opening_recipient__gt="").exists():
            existing = CustodianKey.objects.filter(user=actor).first()
            if existing and existing.recipient != recipient:
                raise RuleViolation(_("You hold shares encrypted to your current key; it cannot be replaced now."))
        key, _created = CustodianKey.objects.update_or_create(user=actor, defaults={"recipient": recipient})
        audit.record(actor=actor, action="custodian.key_registered", obj=key, data={"recipient": recipient})
    return key


def invite_custodians(*, actor, project: Project, custodians: list, k: int) -> KeyCeremony:
    """Staff name the tender's n key custodians and how many (k) must hand in shares."""
    check(actor, "bidding.run_key_ceremony", project)
    n = len(custodians)
    if len({c.pk for c in custodians}) != n:
        raise RuleViolation(_("A custodian is named twice."), field="custodians")
    if not 1 <= k <= n:
        raise RuleViolation(_("k must be between 1 and the number of custodians (%(n)d).") % {"n": n}, field="k")
    if k < 2:
        raise RuleViolation(_("At least two custodians must be needed to open, so no single person can open alone."),
                            field="k")
    for custodian in custodians:
        if not is_custodian(custodian):
            raise RuleViolation(_("%(name)s is not a key custodian.") % {"name": custodian}, field="custodians")
        if not CustodianKey.objects.filter(user=custodian).exists():
            raise RuleViolation(_("%(name)s has not registered a custodian key yet.") % {"name": custodian},
                                field="custodians")
    with transaction.atomic():
        existing = KeyCeremony.objects.select_for_update().filter(project=project).first()
        if existing and existing.complete:
            raise RuleViolation(_("The key ceremony of this tender is done; its custodians cannot change."))
        if existing:
            existing.delete()
        ceremony = KeyCeremony.objects.create(project=project, k=k, n=n, invited_by=actor)
        for index, custodian in enumerate(custodians, start=1):
            CustodianShare.objects.create(ceremony=ceremony, custodian=custodian, index=index)
        rules = rules_for(project)
        rules.custodians_k, rules.custodians_n = k, n
        rules.save(update_fields=["custodians_k", "custodians_n"])
        audit.record(actor=actor, action="ceremony.invited", obj=ceremony, project=project,
                     data={"k": k, "n": n, "custodians": [c.username for c in custodians]})
    return ceremony


def ceremony_recipients(*, actor, project: Project) -> list[dict]:
    """What the dealing browser needs: each custodian's index and public recipient."""
    check(actor, "bidding.run_key_ceremony", project)
    ceremony = KeyCeremony.objects.filter(project=project).first()
    if ceremony is None:
        raise RuleViolation(_("Invite the key custodians first."))
    return [
        {"index": s.index, "custodian": s.custodian_id, "name": str(s.custodian), "recipient": s.custodian.custodian_key.recipient}
        for s in ceremony.shares.select_related("custodian__custodian_key").order_by("index")
    ]


def complete_ceremony(*, actor, project: Project, opening_recipient: str, shares: dict[int, bytes]) -> KeyCeremony:
    """Store what the dealing browser produced: the opening recipient (public) and each share
    as an age file to its custodian. The identity itself never reaches the server."""
    check(actor, "bidding.run_key_ceremony", project)
    opening_recipient = check_recipient(opening_recipient)
    with transaction.atomic():
        ceremony = KeyCeremony.objects.select_for_update().filter(project=project).first()
        if ceremony is None:
            raise RuleViolation(_("Invite the key custodians first."))
        if ceremony.complete:
            raise RuleViolation(_("The key ceremony of this tender is already done."))
        rows = {s.custodian_id: s for s in ceremony.shares.all()}
        if set(shares) != set(rows):
            raise RuleViolation(_("Every invited custodian needs exactly one encrypted share."))
        record = []
        for custodian_id, blob in shares.items():
            try:
                check_header_start(blob[:4096])
            except AgeError as err:
                raise RuleViolation(_("The share for custodian %(id)s is not an age file: %(err)s") % {"id": custodian_id, "err": err}) from err
            row = rows[custodian_id]
            row.encrypted_share, row.sha256 = bytes(blob), hashlib.sha256(blob).hexdigest()
            row.save(update_fields=["encrypted_share", "sha256"])
            record.append({"custodian": custodian_id, "index": row.index, "sha256": row.sha256})
        ceremony.opening_recipient, ceremony.dealt_by, ceremony.dealt_at = opening_recipient, actor, timezone.now()
        ceremony.save(update_fields=["opening_recipient", "dealt_by", "dealt_at"])
        audit.record(actor=actor, action="ceremony.completed", obj=ceremony, project=project,
                     data={"opening_recipient": opening_recipient, "k": ceremony.k, "n": ceremony.n, "shares": record})
    return ceremony


def my_encrypted_share(*, actor, project: Project) -> CustodianShare:
    """A custodian fetches its own encrypted share (to open at the opening, in its browser)."""
    share = (CustodianShare.objects.filter(ceremony__project=project, custodian=actor).select_related("ceremony").first()
             if hold_share(actor, project) else None)
    if share is None or not share.ceremony.complete:
        raise NotFound(_("You hold no share of this tender's opening key."))
    return share

