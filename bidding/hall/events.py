"""The opening hall's event kinds, each with its audience and the name a person reads.

The opening hall's event kinds, each with its audience and the name a person reads: the one
place that says who may see what, and from when (招标投标法 第二十二条: before the opening
nobody may learn who bid, nor how many)."""

from django.utils.translation import pgettext_lazy

from rooms.events import Audience, EventCatalog, EventKind


HALL_EVENTS = EventCatalog(
    EventKind("hall_opened", pgettext_lazy("hall event", "Hall opened")),
    # Who signed in: a sign-in before the deadline is no event at all (its number alone would
    # tell every viewer that someone is bidding); it is audited, and the deadline's
    # bidding_closed names who signed in.
    EventKind("signed_in", pgettext_lazy("hall event", "Signed in"), Audience.UNSTORED_UNTIL_DEADLINE),
    EventKind("bidding_closed", pgettext_lazy("hall event", "Bidding closed")),
    EventKind("lot_failed", pgettext_lazy("hall event", "Not opened: too few bids")),
    EventKind("decryption_started", pgettext_lazy("hall event", "Decryption started")),
    EventKind("bid_status", pgettext_lazy("hall event", "Bid status")),
    EventKind("share_handed_in", pgettext_lazy("hall event", "Key share handed in")),
    EventKind("opening_key_rebuilt", pgettext_lazy("hall event", "Opening key rebuilt")),
    EventKind("files_decrypted", pgettext_lazy("hall event", "Bid files decrypted")),
    EventKind("decryption_ended", pgettext_lazy("hall event", "Decryption ended")),
    EventKind("row_read", pgettext_lazy("hall event", "Row read")),
    EventKind("confirmation_open", pgettext_lazy("hall event", "Confirmation open")),
    EventKind("k_drawn", pgettext_lazy("hall event", "K drawn")),
    EventKind("confirmed", pgettext_lazy("hall event", "Confirmed")),
    EventKind("objection_raised", pgettext_lazy("hall event", "Objection raised")),
    EventKind("objection_answered", pgettext_lazy("hall event", "Objection answered")),
    EventKind("deemed_accepted", pgettext_lazy("hall event", "Deemed accepted")),
    EventKind("opening_ended", pgettext_lazy("hall event", "Opening ended")),
    EventKind("opening_failed", pgettext_lazy("hall event", "Opening failed")),
)

# Audited hall actions that are not events, and what the audit trail hides of them until the
# deadline (trading.audit's confidential actions).
CONFIDENTIAL_ACTIONS = tuple(f"hall.{kind.name}" for kind in HALL_EVENTS if kind.confidential_before_deadline)
