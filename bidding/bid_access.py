"""Reading bids: a bidder's own versions and receipts, a sealed file's ciphertext, receipt checks."""

import json
import uuid

from django.utils.translation import gettext as _

from trading import audit
from trading.errors import NotFound
from trading.models import Lot
from trading.rules import is_staff_member, is_supervisor

from . import receipts, storage
from .models import Bid, Receipt, SealedFile
from .rules import BidPolicy, check, deadline_passed


def my_bids(*, actor, lot: Lot) -> list[Bid]:
    """A bidder's own versions for a lot, newest first: the only bid list anyone sees before
    the opening (招标投标法 第22条)."""
    check(actor, "bidding.seal_bid", lot)
    return list(BidPolicy.visible(actor).filter(lot=lot).prefetch_related("files").order_by("-version"))


def receipt_document(*, actor, receipt_id) -> dict:
    """A bidder downloads one of its own receipts again, exactly as issued."""
    check(actor, "bidding.seal_bid")
    receipt = Receipt.objects.filter(pk=receipt_id, bid__in=BidPolicy.visible(actor)).first()
    if receipt is None:
        raise NotFound(_("No such receipt."))
    return {"receipt": json.loads(receipt.body), "signature": receipt.signature,
            "public_key": receipts.public_key_pem(receipts.platform_public_key())}


def open_sealed_file(*, actor, file_id):
    """The ciphertext of a sealed file, as an open binary file. Before the deadline only its own
    bidder gets it; after the deadline the tender's center staff too (for the opening and the
    archive). Everyone else, always: not found. The deadline is the server clock's, now."""
    sealed = SealedFile.objects.select_related("bid__lot__project").filter(pk=file_id, completed_at__isnull=False).first()
    if sealed is None:
        raise NotFound(_("No such sealed file."))
    project = sealed.bid.lot.project
    try:
        check(actor, "bidding.read_sealed_file", sealed)
    except NotFound:
        # An official trying early is on the record; anyone else is merely told "not found".
        if (is_staff_member(actor) or is_supervisor(actor)) and not deadline_passed(project):
            audit.record(actor=actor, action="sealed_file.read_refused", obj=sealed, project=project,
                         data={"reason": "before the deadline"})
        raise
    return sealed, open(storage.path_of(sealed.storage_name), "rb")


def verify_receipt_document(document: dict, *, public_key=None, compare: bool = True) -> receipts.Verdict:
    """Check a receipt against the platform's key (or `public_key`) and, when this installation
    issued it and `compare`, name every field that differs from what it kept. Anyone may ask."""
    if not compare:
        return receipts.verify(document, public_key or receipts.platform_public_key())
    body = document.get("receipt") if isinstance(document, dict) else None
    try:
        kept = Receipt.objects.filter(pk=uuid.UUID(str(body.get("receipt_id")))).first()
    except (AttributeError, ValueError):
        kept = None
    stored = json.loads(kept.body) if kept is not None else None
    verdict = receipts.verify(document, public_key or receipts.platform_public_key(), stored=stored)
    if stored is None and isinstance(body, dict) and "signature" in document:
        # Nothing to compare with: a changed receipt_id is the field to name.
        verdict.problems.append(f"receipt_id {body.get('receipt_id')!r} is not a receipt this platform issued")
        verdict.valid = False
    return verdict
