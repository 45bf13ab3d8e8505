"""The opening hall's own state machine: one table of steps, their states and refusals.

The opening hall's own state machine: one table naming each step, the states it is taken
from, the state it leads to, and the refusal a person reads otherwise (as trading.lifecycle
does for the lot). Every hall command asks this table; no command writes its own state rule.

waiting → closed → decrypting → reading → confirming → ended; failed (too few bids at the
deadline: never opened); aborted (the host failed an opening that had started)."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..choices import Confirmation
from ..choices import HallState as H


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: str | None  # None: the step keeps the hall's state
    refusal: str


OPENED = frozenset({H.DECRYPTING, H.READING, H.CONFIRMING})
FINISHED = frozenset({H.ENDED, H.FAILED, H.ABORTED})
# A bidder confirms the record only while it has not answered it: an objection is its answer.
CONFIRMABLE = frozenset({Confirmation.PENDING})

STEPS = {
    # Taken by the clock at the deadline.
    "close_bidding": Step(frozenset({H.WAITING}), H.CLOSED, _("Bidding has already closed.")),
    "fail_too_few_bids": Step(frozenset({H.WAITING}), H.FAILED, _("Bidding has already closed.")),
    # Bidders and custodians.
    "sign_in": Step(frozenset({H.WAITING, H.CLOSED}), None, _("Sign-in has closed: decryption has started.")),
    "hand_in_identity": Step(frozenset({H.DECRYPTING}), None, _("Keys are handed in during decryption only.")),
    "hand_in_share": Step(OPENED, None, _("Shares are handed in once decryption has started.")),
    "confirm": Step(frozenset({H.CONFIRMING}), None, _("The time to confirm or object is not open.")),
    # The host.
    "start_decryption": Step(frozenset({H.CLOSED}), H.DECRYPTING,
                             _("Decryption can start only once bidding has closed, and only once.")),
    "apply_remedy": Step(frozenset({H.DECRYPTING, H.READING}), None,
                         _("The remedy is applied after decryption has started and before the record is read.")),
    "end_decryption": Step(frozenset({H.DECRYPTING}), H.READING, _("Decryption is not running.")),
    "read_record": Step(frozenset({H.READING}), H.CONFIRMING, _("The record is read once decryption has ended.")),
    "draw_k": Step(OPENED, None,
                   _("K is drawn once sign-in has closed, after decryption has started.")),
    "answer_objection": Step(frozenset({H.CONFIRMING}), None, _("Objections are answered while the record is open.")),
    "end_opening": Step(frozenset({H.CONFIRMING}), H.ENDED, _("The opening ends after the record is read and confirmed.")),
    "fail_opening": Step(OPENED, H.ABORTED, _("An opening fails only once it has started and before it has ended.")),
}


def refusal(hall, step: str) -> str | None:
    """Why `step` cannot be taken in `hall`'s state now, or None."""
    found = STEPS[step]
    return None if hall.state in found.sources else found.refusal


def may(hall, step: str) -> bool:
    return refusal(hall, step) is None


def take(hall, step: str, **fields) -> None:
    """Move the (locked) hall by `step`, saving its state and `fields`; the caller checked may()."""
    target = STEPS[step].target
    if target is None:
        raise ValueError(f"{step!r} keeps the hall's state")
    hall.state = target
    for name, value in fields.items():
        setattr(hall, name, value)
    hall.save(update_fields=["state", *fields])


def page_rules() -> dict:
    """The rules a hall page applies to what it offers, sent to it as they are here: the states
    in which the hall takes no more commands, and a bidder's answers to the record after which
    it may still confirm it."""
    return {"finished": sorted(FINISHED), "confirmable": sorted(CONFIRMABLE)}
