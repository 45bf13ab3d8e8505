"""Reading bids: a bidder's own versions and receipts, a sealed file's ciphertext, receipt checks."""

import hmac
import json
import uuid
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from trading import audit, formats
from trading.errors import NotFound
from trading.models import Lot
from trading.rules import is_staff_member, is_supervisor

from . import receipts, storage
from .choices import BidState
from .models import Bid, Receipt, SealedFile
from .rules import BidPolicy, check, deadline_passed


def my_bids(*, actor, lot: Lot) -> list[Bid]:
    """A bidder's own versions for a lot, newest first: the only bid list anyone sees before
    the opening (招标投标法 第22条)."""
    check(actor, "bidding.seal_bid", lot)
    return list(BidPolicy.visible(actor).filter(lot=lot).prefetch_related("files").order_by("-version"))


def own_receipt(*, actor, receipt_id) -> Receipt:
    """One of the bidder's own receipts, for its page, its JSON file and its printable PDF. Only
    a user of the bidder's organization gets it, before the deadline and after: anyone else (the
    center's staff and supervisors included, who read the bids after the deadline in the opening
    record, not here) is told it does not exist, as for a receipt that does not."""
    check(actor, "bidding.seal_bid")
    receipt = (Receipt.objects.select_related("bid__lot__project")
               .filter(pk=receipt_id, bid__organization_id=actor.organization_id).first())
    if receipt is None:
        raise NotFound(_("No such receipt."))
    return receipt


def receipt_document(*, actor, receipt_id) -> dict:
    """A bidder downloads one of its own receipts again, exactly as issued."""
    return document_of(own_receipt(actor=actor, receipt_id=receipt_id))


def document_of(receipt: Receipt) -> dict:
    return {"receipt": json.loads(receipt.body), "signature": receipt.signature,
            "public_key": receipts.public_key_pem(receipts.platform_public_key())}


def check_printed_receipt(receipt_id, digest) -> bool:
    """The check a printed receipt's QR code asks for: did the platform issue the receipt with this
    number and exactly this signed content (the SHA-256 of its canonical body)? Only yes or no:
    nothing of the bid, and the same no for a number that does not exist, for a digest that does
    not match, and for anything malformed."""
    try:
        receipt = Receipt.objects.filter(pk=uuid.UUID(str(receipt_id))).first()
    except ValueError:
        return False
    if receipt is None or not isinstance(digest, str):
        return False
    body = json.loads(receipt.body)
    document = {"receipt": body, "signature": receipt.signature}
    return (hmac.compare_digest(receipts.content_digest(body).encode(), digest.strip().lower().encode())
            and receipts.verify(document, receipts.platform_public_key()).valid)


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
                         data={"until": project.bid_deadline})  # refused until the deadline
        raise
    return sealed, open(storage.path_of(sealed.storage_name), "rb")


# --- checking a receipt (anyone may ask) --------------------------------------------------------


@dataclass
class Verdict:
    """A receipt checked: valid or not; the problems, each a sentence; notes for a valid one
    (a version that no longer counts, or a check of the signature alone)."""

    valid: bool
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __str__(self):
        return "; ".join(self.problems or self.notes) or "valid"


def verify_receipt_file(data: bytes, *, public_key=None, compare: bool = True) -> Verdict:
    """Check a receipt file as uploaded: JSON with no key repeated in any object (a reader could
    show one value while the signature covers the other), then `verify_receipt_document`."""
    try:
        document = receipts.parse(data.decode("utf-8"))
    except receipts.DuplicateKey as err:
        return Verdict(False, [_("The file repeats the key “%(key)s” in one object: a reader could show one value "
                                 "while the signature covers the other. It is refused.") % {"key": err.key[:80]}])
    except ValueError:
        return Verdict(False, [_("This is not a receipt file (JSON).")])
    return verify_receipt_document(document, public_key=public_key, compare=compare)


def verify_receipt_document(document, *, public_key=None, compare: bool = True) -> Verdict:
    """Check a receipt against the platform's key (or `public_key`) and, with `compare`, against
    what the platform kept: the fields that differ, by name and never by value, and whether the
    version still counts.

    Only a copy carrying the very signature the platform issued is compared field by field: its
    holder had the original receipt and learns nothing new. Any other signature gets the same
    answer whether its receipt id exists or not, so the page cannot be asked which ids exist."""
    key = public_key or receipts.platform_public_key()
    check = receipts.verify(document, key)
    problems = [_problem(code, document, key) for code in check.problems]
    if receipts.NOT_A_RECEIPT in check.problems:
        return Verdict(False, problems)
    if not compare:
        return Verdict(check.valid, problems, [_(
            "Only the signature was checked: whether this version still counts (or was superseded by a later "
            "version or withdrawn) only the platform’s records tell: check the receipt on the platform’s page.")])
    kept = _issued_with(document)
    if kept is None:
        if check.valid:
            problems.append(_("The signature is the platform’s, but the platform has no record of this receipt."))
        return Verdict(False, problems)
    problems += [_difference(path, how) for path, how in receipts.differences(json.loads(kept.body), document["receipt"])]
    if problems:
        return Verdict(False, problems)
    return Verdict(True, notes=_standing(kept.bid))


def _issued_with(document) -> Receipt | None:
    """The receipt the platform issued with exactly this signature, if any."""
    signature = document.get("signature")
    if not isinstance(signature, str) or not 0 < len(signature) <= 200:
        return None
    receipts_kept = Receipt.objects.select_related("bid")
    try:
        kept = receipts_kept.filter(pk=uuid.UUID(str(document["receipt"].get("receipt_id"))), signature=signature).first()
    except ValueError:
        kept = None
    return kept or receipts_kept.filter(signature=signature).first()


def _problem(code: str, document: dict, key) -> str:
    body = document.get("receipt") if isinstance(document, dict) else None
    named = str(body.get("key_id"))[:80] if isinstance(body, dict) else ""
    return {
        receipts.NOT_A_RECEIPT: lambda: _("This is not a Kaibiao receipt: it needs “receipt” and “signature”."),
        receipts.WRONG_TYPE: lambda: _("The receipt’s type is not %(type)s.") % {"type": receipts.RECEIPT_TYPE},
        receipts.OTHER_KEY: lambda: _("The receipt names the signing key %(named)s; the platform’s key is "
                                      "%(platform)s.") % {"named": named, "platform": receipts.key_id(key)},
        receipts.CARRIED_KEY_UNREADABLE: lambda: _("The public key the receipt carries is not an Ed25519 public key."),
        receipts.CARRIED_KEY_OTHER: lambda: _("The public key the receipt carries is not the key it names as its "
                                              "signer (%(named)s): the receipt is refused.") % {"named": named},
        receipts.BAD_SIGNATURE: lambda: _("The signature does not match this receipt: it was changed after signing, "
                                          "or the platform did not issue it."),
    }[code]()


def _difference(path: tuple, how: str) -> str:
    name = _field_name(path, how)
    if how == receipts.MISSING:
        return _("%(field)s is missing.") % {"field": name}
    if how == receipts.ADDED:
        return _("%(field)s is not part of the receipt the platform issued.") % {"field": name}
    return _("%(field)s differs from the platform’s record.") % {"field": name}


def _field_name(path: tuple, how: str) -> str:
    """A field's name as people read it (its place, never its value)."""
    top = {
        "receipt_id": _("Receipt number"), "action": _("Action"), "project": _("Project code"),
        "lot": _("Lot number"), "lot_name": _("Lot name"), "version": _("Bid version"),
        "server_time": _("Time of receipt"), "type": _("Receipt type"), "key_id": _("Signing key"),
        "bidder": _("Bidder"), "files": _("Number of files") if how == receipts.COUNT else _("List of files"),
    }
    if len(path) == 1 and path[0] in top:
        return top[path[0]]
    if len(path) == 2 and path[0] == "bidder" and path[1] in ("name", "uscc"):
        return _("Bidder name") if path[1] == "name" else _("Bidder USCC")
    if len(path) in (2, 3) and path[0] == "files" and isinstance(path[1], int):
        n = {"n": path[1] + 1}
        if len(path) == 2:
            return _("File %(n)d") % n
        entry = {"kind": _("File %(n)d: kind"), "name": _("File %(n)d: name"), "size": _("File %(n)d: size"),
                 "sha256": _("File %(n)d: SHA-256 digest")}
        return entry[path[2]] % n if path[2] in entry else _("File %(n)d: “%(key)s”") % {**n, "key": str(path[2])[:80]}
    return "“%s”" % ".".join(str(step) for step in path)[:80]


def _standing(bid: Bid) -> list[str]:
    """Whether the version a valid receipt proves still counts, as the platform knows it now."""
    if bid.state == BidState.WITHDRAWN:
        return [_("This version no longer counts: withdrawn at %(time)s.")
                % {"time": formats.zoned_text(bid.withdrawn_at)}]
    if bid.state == BidState.SUPERSEDED:
        later = (Bid.objects.filter(lot_id=bid.lot_id, organization_id=bid.organization_id, version__gt=bid.version,
                                    completed_at__isnull=False).order_by("completed_at").first())
        return [_("This version no longer counts: superseded by a later version at %(time)s.")
                % {"time": formats.zoned_text(later.completed_at if later else None)}]
    return []
