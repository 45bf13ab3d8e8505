"""The links and the warning a lot's row shows after the report: its result, its objections, its contract (overdue)."""

import rules
from django import template
from django.utils import timezone

from evaluation import results
from evaluation.awarding import contract_due, contract_overdue
from evaluation.rules import runs_the_lot, supervises_the_lot

register = template.Library()


@register.inclusion_tag("evaluation/award_links.html", takes_context=True)
def award_links(context, lot):
    """`{% award_links lot %}` on the project page (staff, supervisors) and the tender page (anyone)."""
    user = context.get("user")
    shown = results.has_result(lot)
    now = timezone.now()
    return {
        "lot": lot, "shown": shown,
        "objections": shown and rules.has_perm("evaluation.read_objections", user, lot),
        "contract": lot.state == "awarded" and rules.has_perm("evaluation.record_contract", user, lot),
        "overdue": contract_overdue(lot, now) and (runs_the_lot(user, lot) or supervises_the_lot(user, lot)),
        "due": contract_due(lot) if lot.state == "awarded" else None,
    }
