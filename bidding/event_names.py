"""The bidding floor's audit events and hall events, named for people (trading.event_text).

Registered at start-up (BiddingConfig.ready): the name of each action this floor records, the
hall's actions by the names of its event kinds (bidding.hall.events, one name for the hall's
log, the audit trail and the opening record), and a label and writer for each key of their data.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from trading import event_text as t
from trading.formats import ABSENT

from .choices import OpeningOutcome, OpeningStatus
from .hall.events import HALL_EVENTS
from .models import BidSecurity, SealedFile, TenderRules

ACTIONS = {
    "custodian.key_registered": pgettext_lazy("audit event", "Custodian key registered"),
    "ceremony.invited": pgettext_lazy("audit event", "Key custodians invited"),
    "ceremony.completed": pgettext_lazy("audit event", "Opening key dealt to the custodians"),
    "bid_rules.updated": pgettext_lazy("audit event", "Sealing rules set"),
    "bidder_key.registered": pgettext_lazy("audit event", "Bidder key registered"),
    "bid.started": pgettext_lazy("audit event", "Bid upload started"),
    "bid.refused": pgettext_lazy("audit event", "Bid file refused"),
    "bid.completed": pgettext_lazy("audit event", "Bid submitted"),
    "bid.withdrawn": pgettext_lazy("audit event", "Bid withdrawn"),
    "bid_security.recorded": pgettext_lazy("audit event", "Bid security recorded"),
    "bid_security.forfeited": pgettext_lazy("audit event", "Bid security forfeited"),
    "sealed_file.read_refused": pgettext_lazy("audit event", "Reading a sealed bid refused"),
    "opening.refused_before_deadline": pgettext_lazy("audit event", "Opening refused before the deadline"),
    "opening.share_handed_in": pgettext_lazy("audit event", "Key share handed in"),
    "opening.keys_forgotten": pgettext_lazy("audit event", "Opening keys erased"),
    "opening.file_decrypted": pgettext_lazy("audit event", "Sealed file decrypted"),
    "hall.supervisor_present": pgettext_lazy("audit event", "Supervisor present"),
    # Each event kind of the opening hall (bidding.hall.core.append audits "hall.<kind>").
    **{f"hall.{kind.name}": kind.label for kind in HALL_EVENTS},
}

OBJECTS = {
    "bidding.bid": pgettext_lazy("audit object", "Bid"),
    "bidding.sealedfile": pgettext_lazy("audit object", "Sealed file"),
    "bidding.bidderkey": pgettext_lazy("audit object", "Bidder key"),
    "bidding.custodiankey": pgettext_lazy("audit object", "Custodian key"),
    "bidding.keyceremony": pgettext_lazy("audit object", "Key ceremony"),
    "bidding.tenderrules": pgettext_lazy("audit object", "Sealing rules"),
    "bidding.bidsecurity": pgettext_lazy("audit object", "Bid security"),
    "bidding.openinghall": pgettext_lazy("audit object", "Opening hall"),
}

OPENED_WITH = {"bidder": _("the bidder's key"), "opening": _("the opening key rebuilt from the custodians' shares")}


def choice(choices):
    def write(value):
        return str(choices(value).label) if value in choices.values else t.plain(value)
    return write


def opened_with(value) -> str:
    return str(OPENED_WITH.get(value, t.plain(value)))


def random_coefficient(value) -> str:
    """The hall's K: its published range and commitment before the draw, its value after."""
    if not isinstance(value, dict):
        return t.plain(value)
    parts = [_("from %(low)s to %(high)s in steps of %(step)s") % {k: value.get(k) for k in ("low", "high", "step")}]
    if value.get("commitment"):
        parts.append(_("commitment %(digest)s") % {"digest": t.digest(value["commitment"])})
    if value.get("k"):
        parts.append(f"K = {value['k']}")
    return t.clauses(parts)


def draw_inputs(value) -> str:
    if not isinstance(value, dict):
        return t.plain(value)
    return _("commitment %(digest)s, %(n)s contributions of the signed-in bidders") % {
        "digest": t.digest(value.get("commitment")), "n": len(value.get("contributions") or [])}


def digests(value) -> str:
    """Decryption's check of every sealed file against its receipt: how many, how many differ."""
    if not isinstance(value, list):
        return t.plain(value)
    checked = [f for bid in value if isinstance(bid, dict) for f in bid.get("files") or []]
    differ = [f for f in checked if isinstance(f, dict) and not f.get("match")]
    if differ:
        return _("%(n)s files checked, %(differ)s differ from the receipt") % {"n": len(checked), "differ": len(differ)}
    return _("%(n)s files checked, all as on the receipts") % {"n": len(checked)}


def declared_values(value) -> str:
    """A bid's opening form as read: the price as an amount, the other values as sealed."""
    if not isinstance(value, dict):
        return t.plain(value)
    return t.clauses(t.money(v) if k == "price" else t.plain(v) for k, v in value.items()) or ABSENT


def forfeit(value) -> str:
    if not isinstance(value, dict):
        return "" if value in (None, "") else t.plain(value)
    return _("%(amount)s not returned: %(reason)s") % {"amount": t.money(value.get("amount")),
                                                       "reason": t.plain(value.get("reason"))}


def _rules_field(name):
    return TenderRules._meta.get_field(name).verbose_name


RULES_WRITERS = {
    "declared_items": t.declared_items, "max_file_bytes": t.size,
    "bidders_decrypt": t.yes_no, "require_bid_security": t.yes_no, "remedy_custodian_stanza": t.yes_no,
}

FIELDS = {
    # the sealing rules (bid_rules.updated records the fields set, by their names)
    **{f.name: (f.verbose_name, RULES_WRITERS.get(f.name, t.plain))
       for f in TenderRules._meta.concrete_fields if f.name not in ("id", "project")},
    "version": (_("Version"), t.text),
    "files": (_("Files"), t.files),
    "file": (_("File"), t.text),
    "kind": (_("File kind"), choice(SealedFile.Kind)),
    "receipt_id": (_("Receipt number"), t.text),
    "at": (_("Time"), t.moment),
    "until": (_("Not before"), t.moment),
    "what": (_("Refused"), t.text),
    "recipient": (_("Public key"), t.digest),
    "replaced": (_("Replaces"), t.digest),
    "opening_recipient": (_("Opening key (public)"), t.digest),
    "custodians": (_("Key custodians"), t.names),
    "k": (_("Shares needed to open"), t.count),
    "n": (_("Key custodians"), t.count),
    "count": (_("Shares handed in"), t.count),
    "shares": (_("Shares"), t.how_many),
    "with": (_("Opened with"), opened_with),
    "ciphertext_sha256": (_("SHA-256 of the sealed file"), t.digest),
    "lot": (_("Lot"), t.text),
    "amount": (_("Amount"), t.money),
    "method": (_("Method"), choice(BidSecurity.Method)),
    "reference": (_("Reference"), t.text),
    "bidders": (_("Bidders"), t.names),
    "min_bids": (_("Bids needed to open"), t.count),
    "citation": (_("Law"), t.text),
    "status": (_("Decryption"), choice(OpeningStatus)),
    "outcome": (_("Outcome"), choice(OpeningOutcome)),
    "decrypted": (_("Bids decrypted"), t.count),
    "digests": (_("Digests"), digests),
    "order": (_("Order"), t.count),
    "form": (_("Opening form"), declared_values),
    "flags": (_("Flags"), t.names),
    "above_ceiling": (_("Above the ceiling price"), t.yes_no),
    "ceiling_reason": (_("Why"), t.text),
    "security_forfeit": (_("Bid security"), forfeit),
    "question": (_("Objection"), t.text),
    "answer": (_("Answer"), t.text),
    "asked_at": (_("Raised at"), t.moment),
    "answered_at": (_("Answered at"), t.moment),
    "record_sha256": (_("SHA-256 of the opening record"), t.digest),
    "inputs": (_("Draw inputs"), draw_inputs),
    # numbers of rows in the database: kept in the record, not shown
    "seq": (None, t.hidden), "opening": (None, t.hidden), "bid": (None, t.hidden), "id": (None, t.hidden),
}

# Who an event is about: its summary starts with them.
WHO = {
    "bidder": (_("Bidder"), t.text),
    "custodian": (_("Key custodian"), t.text),
    "supervisor": (_("Supervisor"), t.text),
    "host": (_("Host"), t.text),
}

# In the hall's K events, "k" is the random coefficient, not a number of shares.
K_EVENTS = ("hall.hall_opened", "hall.k_drawn")


def register() -> None:
    t.name_actions(ACTIONS)
    t.name_objects(OBJECTS)
    t.label_fields(WHO, leading=True)
    t.label_fields(FIELDS)
    t.label_fields({"k": (_("Random coefficient K"), random_coefficient)}, actions=K_EVENTS)
