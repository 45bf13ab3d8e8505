"""Signals by which the ground floor tells higher floors what happened, without importing them.

deadline_set(project): the bid deadline was set or moved; `bidding` schedules the closing job.
"""

from django.dispatch import Signal

deadline_set = Signal()
