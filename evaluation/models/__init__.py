"""The evaluation floor's tables: the pool, the draw, the scoring table, the room, the award.

The expert pool, each lot's committee draw, its scoring table, its evaluation room, and what
follows the report (objections in publicity, the award, the contract)."""

from .award import Award, Contract, PublicityObjection
from .draw import ANSWER_MINUTES, LOOKBACK_YEARS, CommitteeDraw, CommitteeMember
from .pool import Absence, Employment, Expert, Relation, Specialty
from .room import (Attendance, BelowCostVote, CheckVerdict, Clarification, Dissent, EvaluationEvent, EvaluationRoom,
                   ExpertKey, LeaderVote, ReportSignature, Score, Submission)
from .table import ScoringTable, TableCheck, TableItem

__all__ = ["ANSWER_MINUTES", "LOOKBACK_YEARS", "Absence", "Attendance", "Award", "BelowCostVote", "CheckVerdict",
           "Clarification", "CommitteeDraw", "CommitteeMember", "Contract", "Dissent", "Employment", "EvaluationEvent",
           "EvaluationRoom", "Expert", "ExpertKey", "LeaderVote", "PublicityObjection", "Relation", "ReportSignature",
           "Score", "ScoringTable", "Specialty", "Submission", "TableCheck", "TableItem"]
