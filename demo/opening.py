"""A past tender's opening, taken in the real opening hall with the hall's own commands, on its own day's clock.

Bidding closes at the deadline (bidding.closing.close_lot, as the task worker closes it: with too
few bids the lot fails and the hall says so). Then, minutes apart on the server clock: the
supervisor looks in (监标), each bidder signs in with its browser's nonce, the host starts
decryption, each bidder hands in its identity for the tender, the host ends decryption and reads
the record (唱标), draws K where the tender draws one, each bidder confirms (or objects, and the
host answers on the spot), and the host ends the opening: the hall archives the record PDF and
moves the lot to evaluation. Nothing here takes a lifecycle transition itself.
"""

import secrets
from datetime import timedelta

from bidding import closing, hall
from bidding.choices import OpeningStatus
from bidding.models import OpeningHall, SealedFile
from trading.errors import RuleViolation
from trading.models import Lot

from .sealing import DemoBidder

# When each step was taken, after the deadline.
SUPERVISOR_PRESENT = timedelta(seconds=20)
SIGN_IN = timedelta(seconds=40)  # the first bidder; the others 23 seconds apart
START_DECRYPTION = timedelta(minutes=5)
HAND_IN = timedelta(minutes=6)  # the first bidder; the others 47 seconds apart
END_DECRYPTION = timedelta(minutes=12)
READ_RECORD = timedelta(minutes=13)
DRAW_K = timedelta(minutes=15)
CONFIRM = timedelta(minutes=16)  # the first bidder; the others 40 seconds apart
ANSWER = timedelta(minutes=21)
END_OPENING = timedelta(minutes=25)


def close_bidding(lot: Lot, deadline) -> Lot:
    """The platform closes bidding at the deadline; with fewer bids than the tender's minimum the
    lot fails at once (实施条例 第四十四条) and its hall is not opened."""
    return closing.close_lot(lot, deadline)


def open_lot(*, lot: Lot, deadline, host, supervisor, bidders: list[DemoBidder], objection=None) -> OpeningHall:
    """The whole opening of a closed lot, `bidders` being the counting versions (one per bidder),
    in the order they came in. `objection`: (bidder's username, question, answer) or None.
    Returns the ended hall. Each bid's opened files are added to its DemoBidder's storage names."""
    lot_id = lot.pk
    if supervisor is not None:
        hall.note_supervisor(actor=supervisor, lot_id=lot_id, now=deadline + SUPERVISOR_PRESENT)
    for i, bidder in enumerate(bidders):
        hall.sign_in(actor=bidder.user, lot_id=lot_id, nonce=secrets.token_hex(32),
                     now=deadline + SIGN_IN + i * timedelta(seconds=23))
    hall.start_decryption(actor=host, lot_id=lot_id, now=deadline + START_DECRYPTION)
    for i, bidder in enumerate(bidders):
        opening = hall.hand_in_identity(actor=bidder.user, lot_id=lot_id, identity=str(bidder.identity),
                                        now=deadline + HAND_IN + i * timedelta(seconds=47))
        bidder.storage_names += [name for name in SealedFile.objects.filter(bid__opening=opening)
                                 .exclude(opened_storage_name="").values_list("opened_storage_name", flat=True)]
        if opening.status != OpeningStatus.DECRYPTED:
            raise RuleViolation(f"{bidder.user.organization}: the demo bid was not decrypted: {opening.reason}")
    hall.end_decryption(actor=host, lot_id=lot_id, now=deadline + END_DECRYPTION)
    opened = hall.read_record(actor=host, lot_id=lot_id, now=deadline + READ_RECORD)
    if opened.needs_k:
        hall.draw_k(actor=host, lot_id=lot_id, now=deadline + DRAW_K)
    objector, question, answer = objection or (None, "", "")
    raised = None
    for i, bidder in enumerate(bidders):
        at = deadline + CONFIRM + i * timedelta(seconds=40)
        if bidder.user.username == objector:
            raised = hall.raise_objection(actor=bidder.user, lot_id=lot_id, question=question, now=at)
        else:
            hall.confirm(actor=bidder.user, lot_id=lot_id, now=at)
    if objector and raised is None:
        raise RuleViolation(f"{objector} has no bid in this opening: it cannot object.")
    if raised is not None:
        hall.answer_objection(actor=host, lot_id=lot_id, objection_id=raised.pk, answer=answer, now=deadline + ANSWER)
    return hall.end_opening(actor=host, lot_id=lot_id, now=deadline + END_OPENING)
