"""Signals by which the ground floor tells higher floors what happened, without importing them.

deadline_set(project): the bid deadline was set or moved; `bidding` schedules the closing job.
lot_transitioned(lot, name, actor, now): a lifecycle transition was taken, inside its transaction
(`evaluation` reveals a committee draw's seed once the result is final).
"""

from django.dispatch import Signal

deadline_set = Signal()
lot_transitioned = Signal()
