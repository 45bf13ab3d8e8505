"""A lot's committee draw: set up with its exclusions and commitment, drawn, replaced, revealed.

Each action takes the acting user first, checks the permission here, runs in one transaction
and writes its audit event (DESIGN.md §2). The draw's rule itself is evaluation.drawing's."""

from django.db import transaction

from trading import audit

from .choices import DrawState
from .models import CommitteeDraw
from .rules import RESULT_FINAL


def reveal_if_final(*, lot, now) -> CommitteeDraw | None:
    """Once a lot's result is final, its draw's seed is published, so that anyone can recompute
    the committee (docs/expert-draw.md). Called by the lifecycle's signal, in its transaction."""
    if lot.state not in RESULT_FINAL:
        return None
    with transaction.atomic():
        draw = CommitteeDraw.objects.select_for_update().filter(lot=lot, revealed_at__isnull=True).first()
        if draw is None or draw.drawn_at is None:
            return None
        draw.revealed_at = now
        draw.state = DrawState.REVEALED
        draw.save(update_fields=["revealed_at", "state"])
        audit.record(actor=None, action="draw.revealed", obj=draw, project=lot.project,
                     data={"lot": str(lot), "seed": draw.seed, "commitment": draw.commitment,
                           "snapshot_digest": draw.snapshot_digest})
    return draw
