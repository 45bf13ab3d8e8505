"""The committee reads the opened bids' files: a list per bid, a PDF in the page, any file downloaded.

Only the seated members of the lot's committee read them, once the opening has ended and while
the lot is being evaluated; everyone else (the center's staff and supervisors, who have the
opening record and the archive; the bidders; the public; an expert of another committee) is
refused. Each file served is audited: who, which file of which bidder, how (viewed in the page
or downloaded), when. The files are the plaintexts the opening decrypted (SealedFile's
opened_storage_name, bidding.storage), read as they are and never changed."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from bidding import storage
from bidding.choices import HallState
from bidding.models import OpeningHall, SealedFile
from trading import audit
from trading.choices import LotState
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.models import Lot

from .room.core import EVALUATED_OUTCOMES
from .rules import sits_on_the_committee

VIEWED, DOWNLOADED = "viewed", "downloaded"
PDF_MAGIC = b"%PDF-"


@dataclass
class BidFile:
    id: object  # the sealed file's uuid
    name: str
    size: int
    pdf: bool


@dataclass
class BidFiles:
    """One opened bid and its decrypted files, in the opening record's order."""

    order: int
    bidder: str
    bid_id: int
    files: list


def committee_lot(actor, lot_id) -> Lot:
    """The lot, if `actor` sits on its committee and the files may be read now; else refused."""
    lot = Lot.objects.select_related("project").filter(pk=lot_id).first()
    if lot is None:
        raise NotFound(_("No such lot."))
    if not sits_on_the_committee(actor, lot):
        raise PermissionDenied(_("Only the members of this lot's evaluation committee read its bid files."))
    if not OpeningHall.objects.filter(lot=lot, state=HallState.ENDED).exists():
        raise RuleViolation(_("The bid files are read once the opening has ended."))
    if lot.state != LotState.EVALUATION:
        raise RuleViolation(_("The evaluation of this lot is over: its bid files are kept with the tender's records."))
    return lot


def _opened_files(lot_id):
    return (SealedFile.objects.select_related("bid__organization", "bid__opening")
            .filter(bid__opening__hall__lot_id=lot_id, bid__opening__outcome__in=EVALUATED_OUTCOMES,
                    kind=SealedFile.Kind.FILE).exclude(opened_storage_name=""))


def is_pdf(sealed: SealedFile) -> bool:
    """A PDF by its name and its first bytes (the browser shows it in the page)."""
    if not sealed.name.lower().endswith(".pdf"):
        return False
    try:
        return storage.read_prefix(sealed.opened_storage_name, len(PDF_MAGIC)) == PDF_MAGIC
    except OSError:
        return False


def bid_files(*, actor, lot_id) -> tuple[Lot, list[BidFiles]]:
    """Each opened bid of the lot with its decrypted files (name, size in bytes, PDF or not)."""
    lot = committee_lot(actor, lot_id)
    by_bid: dict[int, BidFiles] = {}
    for sealed in _opened_files(lot.pk).order_by("bid__opening__order", "name"):
        bid = sealed.bid
        entry = by_bid.setdefault(bid.pk, BidFiles(order=bid.opening.order, bidder=bid.organization.name,
                                                   bid_id=bid.pk, files=[]))
        entry.files.append(BidFile(id=sealed.pk, name=sealed.name, size=sealed.opened_size or 0, pdf=is_pdf(sealed)))
    return lot, sorted(by_bid.values(), key=lambda b: b.order)


def bid_file(*, actor, lot_id, file_id) -> tuple[Lot, SealedFile]:
    """One decrypted file of an opened bid of the lot (not audited: nothing of it is served)."""
    lot = committee_lot(actor, lot_id)
    sealed = _opened_files(lot.pk).filter(pk=file_id).first()
    if sealed is None:
        raise NotFound(_("No such bid file."))
    return lot, sealed


def open_bid_file(*, actor, lot_id, file_id, how: str):
    """The file's bytes as an open binary file, for the page (`how` VIEWED: a PDF only) or to
    download; the access audited first."""
    lot, sealed = bid_file(actor=actor, lot_id=lot_id, file_id=file_id)
    if how == VIEWED and not is_pdf(sealed):
        raise NotFound(_("Only a PDF is shown in the page: download this file instead."))
    try:
        handle = open(storage.path_of(sealed.opened_storage_name), "rb")  # noqa: SIM115 - the response closes it
    except OSError as err:
        raise NotFound(_("This bid file is missing from the storage: tell the center's staff.")) from err
    with transaction.atomic():
        audit.record(actor=actor, action="evaluation.bid_file_read", obj=sealed, project=lot.project,
                     data={"bidder": sealed.bid.organization.name, "bid": sealed.bid_id, "file": sealed.name,
                           "size": sealed.opened_size, "how": how})
    return sealed, handle
