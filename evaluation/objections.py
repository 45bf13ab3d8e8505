"""Objections (异议) to the winning candidates, raised by a bidder during their publicity and answered by the center.

《招标投标法实施条例》第五十四条: a bidder or another party concerned who objects to the result of
the evaluation raises it during the publicity; the answer is due within 3 days of receiving it,
and the tender waits until it is given (the award's guard counts the objections not answered,
evaluation.facts). A user of an organization whose bid for the lot counts raises one, on the
server's clock, between the candidates' publication and the publicity's end; the lot's own center
staff answer it. A late answer is still recorded, and the record says it came late. Each step is
audited. An objection is read by the organization that raised it, the lot's center staff and the
supervisors over it: not by the other bidders nor the public."""

from datetime import timedelta

import rules
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from trading import audit, lifecycle
from trading.choices import LotState
from trading.errors import NotFound, PermissionDenied, RuleViolation
from trading.formats import zoned_text
from trading.models import Lot
from trading.rules import check

from .models import PublicityObjection
from .rules import runs_the_lot, supervises_the_lot

ANSWER_DAYS = 3
CITATION = "《招标投标法实施条例》第五十四条"
MAX_TEXT = 4000


def _lot(lot_id, *, lock=False) -> Lot:
    qs = Lot.objects.select_related("project", "project__center")
    if lock:
        qs = qs.select_for_update(of=("self",))
    lot = qs.filter(pk=lot_id).first()
    if lot is None:
        raise NotFound(_("No such lot."))
    return lot


def publicity_refusal(lot, now) -> str | None:
    """Why an objection to `lot`'s candidates cannot be raised now, or None."""
    if lot.state == LotState.PUBLICITY:
        ends = lifecycle.publicity_ends(lot)
        if now < ends:
            return None
        return _("The publicity ended at %(ends)s: objections were raised during it (%(citation)s).") % {
            "ends": zoned_text(ends), "citation": CITATION}
    if lot.state in (LotState.AWARDED, LotState.CONTRACTED, LotState.ARCHIVED):
        return _("The lot is awarded: objections were raised during the candidates' publicity (%(citation)s).") % {
            "citation": CITATION}
    return _("The winning candidates of this lot are not in publicity: an objection is raised during their "
             "publicity (%(citation)s).") % {"citation": CITATION}


def _clean(text: str, empty: str) -> str:
    """The text, trimmed; refused with `empty` when there is none, or when it is too long."""
    text = (text or "").strip()
    if not text:
        raise RuleViolation(empty, field="text")
    if len(text) > MAX_TEXT:
        raise RuleViolation(_("At most %(n)d characters.") % {"n": MAX_TEXT}, field="text")
    return text


def raise_objection(*, actor, lot_id: int, text: str, now=None) -> PublicityObjection:
    """A bidder's user raises an objection to the published candidates, during the publicity."""
    now = now or timezone.now()
    with transaction.atomic():
        lot = _lot(lot_id, lock=True)
        check(actor, "evaluation.raise_objection", lot)
        refused = publicity_refusal(lot, now)
        if refused:
            raise RuleViolation(refused)
        text = _clean(text, _("Write the objection."))
        objection = PublicityObjection.objects.create(
            lot=lot, organization_id=actor.organization_id, raised_by=actor, text=text, raised_at=now,
            answer_due=now + timedelta(days=ANSWER_DAYS))
        audit.record(actor=actor, action="publicity.objection_raised", obj=objection, project=lot.project, data={
            "lot": str(lot), "bidder": actor.organization.name, "question": text, "asked_at": now,
            "answer_due": objection.answer_due})
    return objection


def answer_objection(*, actor, objection_id: int, answer: str, now=None) -> PublicityObjection:
    """The lot's center staff answer an objection, once; a late answer says so in the record."""
    now = now or timezone.now()
    with transaction.atomic():
        objection = (PublicityObjection.objects.select_for_update(of=("self",))
                     .select_related("lot__project__center", "organization").filter(pk=objection_id).first())
        if objection is None:
            raise NotFound(_("No such objection."))
        lot = objection.lot
        if not rules.has_perm("evaluation.answer_objection", actor, lot):
            if rules.has_perm("evaluation.read_objections", actor, lot):
                raise PermissionDenied(_("Only the lot's own center staff answer an objection."))
            raise NotFound(_("No such objection."))
        if objection.answered_at is not None:
            raise RuleViolation(_("This objection was answered at %(at)s.") % {"at": zoned_text(objection.answered_at)})
        objection.answer = _clean(answer, _("Write the answer."))
        objection.answered_by, objection.answered_at = actor, now
        objection.save(update_fields=["answer", "answered_by", "answered_at"])
        audit.record(actor=actor, action="publicity.objection_answered", obj=objection, project=lot.project, data={
            "lot": str(lot), "bidder": objection.organization.name, "question": objection.text,
            "answer": objection.answer, "answered_at": now, "answer_due": objection.answer_due,
            "answered_late": now > objection.answer_due})
    return objection


def readable(user, lot):
    """The lot's objections this user may read: all of them for its center staff and the
    supervisors over it; a bidder's own organization's only. Oldest first."""
    qs = PublicityObjection.objects.filter(lot=lot).select_related("organization", "raised_by", "answered_by")
    if runs_the_lot(user, lot) or supervises_the_lot(user, lot):
        return qs
    if rules.has_perm("evaluation.read_objections", user, lot):
        return qs.filter(organization_id=user.organization_id)
    return qs.none()


def open_for_center(user):
    """The objections not yet answered on the lots this staff member or supervisor works on,
    soonest due first."""
    from trading.rules import ProjectPolicy

    return (PublicityObjection.objects.filter(answered_at__isnull=True, lot__project__in=ProjectPolicy.workspace(user))
            .select_related("lot__project__center", "lot__project__tenderee", "organization").order_by("answer_due"))
