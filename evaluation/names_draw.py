"""The names people read of the evaluation floor's draw events (trading.event_text)."""

from django.utils.translation import pgettext_lazy

from trading import event_text as t

ACTIONS = {
    "draw.revealed": pgettext_lazy("audit event", "Committee draw seed revealed"),
}
OBJECTS = {
    "evaluation.committeedraw": pgettext_lazy("audit object", "Committee draw"),
}
FIELDS = {
    "seed": (pgettext_lazy("event field", "Seed"), t.digest),
    "commitment": (pgettext_lazy("event field", "Commitment"), t.digest),
    "snapshot_digest": (pgettext_lazy("event field", "Digest of the eligible pool"), t.digest),
}
