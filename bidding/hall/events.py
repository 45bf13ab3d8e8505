"""The opening hall's event kinds, each with its audience and the name a person reads: the one
place that says who may see what, and from when (招标投标法 第二十二条: before the opening
nobody may learn who bid, nor how many)."""

from django.utils.translation import pgettext_lazy

from rooms.events import Audience, EventCatalog, EventKind


def _kind(name, label, audience=Audience.EVERYONE):
    return EventKind(name, pgettext_lazy("hall event", label), audience)


HALL_EVENTS = EventCatalog(
    _kind("hall_opened", "Hall opened"),
    # Who signed in: a sign-in before the deadline is no event at all (its number alone would
    # tell every viewer that someone is bidding); it is audited, and the deadline's
    # bidding_closed names who signed in.
    _kind("signed_in", "Signed in", Audience.UNSTORED_UNTIL_DEADLINE),
    _kind("bidding_closed", "Bidding closed"),
    _kind("lot_failed", "Not opened: too few bids"),
    _kind("decryption_started", "Decryption started"),
    _kind("bid_status", "Bid status"),
    _kind("share_handed_in", "Key share handed in"),
    _kind("opening_key_rebuilt", "Opening key rebuilt"),
    _kind("files_decrypted", "Bid files decrypted"),
    _kind("decryption_ended", "Decryption ended"),
    _kind("row_read", "Row read"),
    _kind("confirmation_open", "Confirmation open"),
    _kind("k_drawn", "K drawn"),
    _kind("confirmed", "Confirmed"),
    _kind("objection_raised", "Objection raised"),
    _kind("objection_answered", "Objection answered"),
    _kind("deemed_accepted", "Deemed accepted"),
    _kind("opening_ended", "Opening ended"),
    _kind("opening_failed", "Opening failed"),
)

# Audited hall actions that are not events, and what the audit trail hides of them until the
# deadline (trading.audit's confidential actions).
CONFIDENTIAL_ACTIONS = tuple(f"hall.{kind.name}" for kind in HALL_EVENTS if kind.confidential_before_deadline)
