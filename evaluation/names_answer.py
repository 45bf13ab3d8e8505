"""The names people read of the evaluation floor's answer events (trading.event_text).

The answer events (evaluation.answers) carry the seat ("member", kept but not shown: its number
means nothing to a reader), the expert (by name once they answer; by id when notified, as the
draw's own event lists the picks), the pick and the answer's deadline; a decline and a timeout
their reason ("reason", labelled once for every floor by trading.event_text). Only the center's
staff and the supervisors read the audit trail, so the expert is named there."""

from django.utils.translation import pgettext_lazy

from trading import event_text as t

ACTIONS = {
    "draw.notified": pgettext_lazy("audit event", "Drawn expert notified"),
    "draw.confirmed": pgettext_lazy("audit event", "Expert confirmed attendance"),
    "draw.declined": pgettext_lazy("audit event", "Expert declined"),
    "draw.expired": pgettext_lazy("audit event", "Expert did not answer in time"),
    "draw.formed": pgettext_lazy("audit event", "Evaluation committee formed"),
}
OBJECTS = {
    "evaluation.committeemember": pgettext_lazy("audit object", "Committee seat"),
}
FIELDS = {
    "member": (None, t.hidden),
    "expert": (pgettext_lazy("event field", "Expert"), t.text),
    "pick": (pgettext_lazy("event field", "Pick"), t.text),
    "answer_due": (pgettext_lazy("event field", "Answer due by"), t.moment),
}
