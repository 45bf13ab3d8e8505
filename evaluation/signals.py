"""Signals of the evaluation floor: member_drawn(member), a member drawn or drawn as a replacement (notify them)."""

from django.dispatch import Signal

member_drawn = Signal()
