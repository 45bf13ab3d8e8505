"""A draft tender's lots changed after its registration: added, changed and removed, all or nothing.

Only while the tender is a draft: once published, a lot is in the tender notice and bidders act
on it; from then on it is cancelled, with its reason (a lifecycle transition), never removed."""

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from . import audit
from .errors import NotFound, RuleViolation
from .lot_rules import check_lots
from .models import Lot, Project
from .services import LOT_FIELDS, _save, access_project


def _lot_facts(lot: Lot) -> dict:
    return {name: getattr(lot, name) for name in LOT_FIELDS}


def _check_removable(lot: Lot):
    """A lot leaves a project only while it is a draft: once published it is in the tender notice
    and bidders act on it; from then on it is cancelled (终止), with its reason, never removed."""
    if not lot.is_draft or lot.project.documents_published_at is not None:
        raise RuleViolation(_("Lot %(n)s is %(state)s: only a lot of a tender not yet published can be removed; "
                              "a published lot is cancelled, with its reason.")
                            % {"n": lot.number, "state": lot.get_state_display()})


def save_lots(*, actor, project: Project, changed=(), added=(), removed=()) -> list[Lot]:
    """Edit the lots of a draft tender: `changed` pairs a lot with its new values, `added` holds
    the new lots' values, `removed` the lots to take away. The lots that result are checked as a
    registration's are (one lot at least, numbers once, ceiling and bid security), all or nothing,
    one audit event per lot added, changed or removed. Only draft lots change or go."""
    with transaction.atomic():
        project = access_project(actor, project.pk, perm="trading.change_project", lock=True)
        if project.documents_published_at is not None:
            raise RuleViolation(_("The tender is published: its lots cannot change."))
        current = {lot.pk: lot for lot in project.lots.select_for_update()}
        for lot in current.values():
            lot.project = project

        def mine(lot):
            if lot.pk not in current:
                raise NotFound(_("No such lot."))
            return current[lot.pk]

        gone = [mine(lot) for lot in removed]
        for lot in gone:
            _check_removable(lot)
        edits = [(mine(lot), {k: v for k, v in values.items() if k in LOT_FIELDS}) for lot, values in changed]
        for lot, _values in edits:
            if not lot.is_draft:
                raise RuleViolation(_("Lot %(n)s is %(state)s: it cannot change here.")
                                    % {"n": lot.number, "state": lot.get_state_display()})
        new = [{k: v for k, v in values.items() if k in LOT_FIELDS} for values in added]
        # The lots as they will be, in one list, checked before anything is written.
        edited = {lot.pk: {**_lot_facts(lot), **values} for lot, values in edits}
        result = [edited.get(lot.pk, _lot_facts(lot)) for lot in current.values() if lot not in gone] + new
        check_lots(result, project.category)
        try:
            for lot in gone:
                facts = _lot_facts(lot)
                lot_id = lot.pk
                lot.delete()
                audit.record(actor=actor, action="lot.removed", object_type="trading.lot", object_id=lot_id,
                             project=project, data=facts)
        except ProtectedError as err:
            raise RuleViolation(_("Lot %(n)s has records attached (such as a bid security) and cannot be removed.")
                                % {"n": lot.number}) from err
        for lot, values in edits:
            before = {k: getattr(lot, k) for k in values if getattr(lot, k) != values[k]}
            if not before:
                continue
            for key, value in values.items():
                setattr(lot, key, value)
            _save(lot)
            audit.record(actor=actor, action="lot.updated", obj=lot, project=project,
                         data={"number": lot.number, "before": before, "after": {k: values[k] for k in before}})
        for values in new:
            lot = _save(Lot(project=project, **values))
            audit.record(actor=actor, action="lot.added", obj=lot, project=project, data=_lot_facts(lot))
    return list(project.lots.order_by("number"))


def remove_lot(*, actor, lot: Lot) -> None:
    """Take a lot away from a tender not yet published (save_lots, with this lot removed)."""
    save_lots(actor=actor, project=lot.project, removed=[lot])
