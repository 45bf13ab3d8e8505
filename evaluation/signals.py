"""Signals of the evaluation floor, for the parts that answer them.

member_drawn(member): a member drawn or drawn as a replacement (notify them);
committee_formed(draw): every seat confirmed (open the evaluation room)."""

from django.dispatch import Signal

member_drawn = Signal()
committee_formed = Signal()
