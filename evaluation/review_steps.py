"""The pool keepers' steps on an expert, in one table: from which status, to which, with what reason.

pending → approved | rejected; approved → suspended | retired; suspended → approved (reinstated)
| retired. Rejected and retired are ends. The weighty steps (reject, suspend, retire) are asked
once more before they are taken (trading.confirming), and need a reason the expert reads."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import ExpertStatus as S


@dataclass(frozen=True)
class ReviewStep:
    name: str
    label: str  # the button's words
    sources: frozenset  # the statuses it is taken from
    target: str
    event: str  # the audit event it writes is "expert.<event>"
    needs_reason: bool
    weighty: bool  # asked once more before it is taken
    final: bool  # cannot be undone
    consequence: str  # what it does, said in the confirmation

    @property
    def action(self) -> str:
        return f"expert.{self.event}"

    def allowed_from(self, status: str) -> bool:
        return status in self.sources


STEPS = {step.name: step for step in (
    ReviewStep("approve", pgettext_lazy("expert review", "Approve"), frozenset({S.PENDING}), S.APPROVED,
               "approved", needs_reason=False, weighty=False, final=False,
               consequence=_("The expert enters the pool and may be drawn for committees.")),
    ReviewStep("reject", pgettext_lazy("expert review", "Reject"), frozenset({S.PENDING}), S.REJECTED,
               "rejected", needs_reason=True, weighty=True, final=True,
               consequence=_("The application is refused; the applicant reads the reason.")),
    ReviewStep("suspend", pgettext_lazy("expert review", "Suspend"), frozenset({S.APPROVED}), S.SUSPENDED,
               "suspended", needs_reason=True, weighty=True, final=False,
               consequence=_("The expert is no longer drawn until reinstated; the expert reads the reason.")),
    ReviewStep("reinstate", pgettext_lazy("expert review", "Reinstate"), frozenset({S.SUSPENDED}), S.APPROVED,
               "reinstated", needs_reason=False, weighty=False, final=False,
               consequence=_("The expert is back in the pool and may be drawn again.")),
    ReviewStep("retire", pgettext_lazy("expert review", "Retire"), frozenset({S.APPROVED, S.SUSPENDED}), S.RETIRED,
               "retired", needs_reason=True, weighty=True, final=True,
               consequence=_("The expert leaves the pool for good and is never drawn again.")),
)}


def available(status: str) -> list[ReviewStep]:
    """The steps a keeper may take on an expert of this status, in the table's order."""
    return [step for step in STEPS.values() if step.allowed_from(status)]
