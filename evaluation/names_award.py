"""The names people read of the events after the report: objections in publicity, the award, the contract (trading.event_text).

The keys these events share with other floors keep their labels there: "lot", "bidder",
"question", "answer", "answer_due", "answered_at", "asked_at" (the opening's objections read the
same), "winner", "award_price", "budget", "sha256", "size", "amount", "days_since_award",
"within_legal_limit"."""

from django.utils.translation import pgettext_lazy

from trading import event_text as t


def rate(value) -> str:
    """A fraction as a percentage to two places: "0.139220" → "13.92%"."""
    from decimal import Decimal, InvalidOperation

    try:
        return f"{Decimal(str(value)) * 100:.2f}%"
    except (InvalidOperation, TypeError, ValueError):
        return t.plain(value)


ACTIONS = {
    "publicity.objection_raised": pgettext_lazy("audit event", "Objection to the candidates raised"),
    "publicity.objection_answered": pgettext_lazy("audit event", "Objection to the candidates answered"),
    "award.made": pgettext_lazy("audit event", "Lot awarded, award notice issued"),
    "contract.recorded": pgettext_lazy("audit event", "Contract recorded"),
}
OBJECTS = {
    "evaluation.publicityobjection": pgettext_lazy("audit object", "Objection to the candidates"),
    "evaluation.award": pgettext_lazy("audit object", "Award"),
    "evaluation.contract": pgettext_lazy("audit object", "Contract"),
}
FIELDS = {
    "answered_late": (pgettext_lazy("event field", "Answered after it was due"), t.yes_no),
    "savings": (pgettext_lazy("event field", "Savings"), t.money),
    "savings_rate": (pgettext_lazy("event field", "Savings rate"), rate),
    "signed_on": (pgettext_lazy("event field", "Contract signed on"), t.text),
}
