"""The evaluation floor's tables: the shared expert pool, and each lot's committee draw."""

from .draw import ANSWER_MINUTES, LOOKBACK_YEARS, CommitteeDraw, CommitteeMember
from .pool import Absence, Employment, Expert, Relation, Specialty

__all__ = ["ANSWER_MINUTES", "LOOKBACK_YEARS", "Absence", "CommitteeDraw", "CommitteeMember", "Employment", "Expert",
           "Relation", "Specialty"]
