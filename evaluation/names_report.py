"""The names people read of the evaluation report's events and the experts' signing keys (trading.event_text).

The room's report events (dissent_recorded, report_made, report_signed, signing_refused,
report_final) are named by their kinds' labels with the room's other events; here are their
data's labels ("member", "reason", "sha256" and "size" are labelled once for every floor) and
the signing key's own audit events."""

from django.utils.translation import pgettext_lazy

from trading import event_text as t

ACTIONS = {
    "evaluation.signing_key_registered": pgettext_lazy("audit event", "Expert's signing key registered"),
    "evaluation.signing_key_replaced": pgettext_lazy("audit event", "Expert's signing key replaced"),
}
OBJECTS = {
    "evaluation.expertkey": pgettext_lazy("audit object", "Expert's signing key"),
}
FIELDS = {
    "public_key": (pgettext_lazy("event field", "Public key (Ed25519)"), t.digest),
    "previous_key": (pgettext_lazy("event field", "Key replaced"), t.digest),
    "signature": (pgettext_lazy("event field", "Signature (Ed25519)"), t.digest),
    "signed": (pgettext_lazy("event field", "Members who signed"), t.count),
    "refused": (pgettext_lazy("event field", "Members who refused to sign"), t.count),
}
