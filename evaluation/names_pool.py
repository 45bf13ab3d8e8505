"""The names people read of the evaluation floor's pool events (trading.event_text)."""

from django.utils.translation import pgettext_lazy

from trading import event_text as t

from .choices import ExpertStatus, RelationKind


def choice(choices):
    def write(value):
        return str(choices(value).label) if value in choices.values else t.plain(value)
    return write


ACTIONS = {
    "expert.enrolled": pgettext_lazy("audit event", "Expert applied to the pool"),
    "expert.approved": pgettext_lazy("audit event", "Expert approved"),
    "expert.rejected": pgettext_lazy("audit event", "Expert application rejected"),
    "expert.suspended": pgettext_lazy("audit event", "Expert suspended"),
    "expert.reinstated": pgettext_lazy("audit event", "Expert reinstated"),
    "expert.retired": pgettext_lazy("audit event", "Expert retired from the pool"),
    "expert.profile_updated": pgettext_lazy("audit event", "Expert profile updated"),
    "expert.absence_added": pgettext_lazy("audit event", "Expert's time away declared"),
    "expert.absence_removed": pgettext_lazy("audit event", "Expert's time away withdrawn"),
    "expert.relation_declared": pgettext_lazy("audit event", "Expert's relation declared"),
    "expert.relation_withdrawn": pgettext_lazy("audit event", "Expert's relation withdrawn"),
    "specialty.added": pgettext_lazy("audit event", "Specialty added"),
    "specialty.changed": pgettext_lazy("audit event", "Specialty changed"),
}
OBJECTS = {
    "evaluation.expert": pgettext_lazy("audit object", "Evaluation expert"),
    "evaluation.specialty": pgettext_lazy("audit object", "Specialty"),
}
FIELDS = {
    "expert_name": (pgettext_lazy("event field", "Expert"), t.text),
    "id_number": (pgettext_lazy("event field", "Identity card number"), t.text),
    "pool": (pgettext_lazy("event field", "Pool"), t.text),
    "status_before": (pgettext_lazy("event field", "Status before"), choice(ExpertStatus)),
    "expert_status": (pgettext_lazy("event field", "Status"), choice(ExpertStatus)),
    "professional_title": (pgettext_lazy("event field", "Professional title"), t.text),
    "employer": (pgettext_lazy("event field", "Employer"), t.text),
    "employer_uscc": (pgettext_lazy("event field", "Employer's credit code"), t.text),
    "employed_since": (pgettext_lazy("event field", "Employed there since"), t.text),
    "earlier_employers": (pgettext_lazy("event field", "Earlier employers"), t.names),
    "phone": (pgettext_lazy("event field", "Mobile phone"), t.text),
    "region_code": (pgettext_lazy("event field", "Region"), t.text),
    "specialty_codes": (pgettext_lazy("event field", "Specialties"), t.names),
    "away_from": (pgettext_lazy("event field", "Away from"), t.text),
    "away_until": (pgettext_lazy("event field", "Away until"), t.text),
    "away_note": (pgettext_lazy("event field", "Note"), t.text),
    "relation_kind": (pgettext_lazy("event field", "Related party"), choice(RelationKind)),
    "related_name": (pgettext_lazy("event field", "Name of the related party"), t.text),
    "related_uscc": (pgettext_lazy("event field", "Its credit code"), t.text),
    "relation_note": (pgettext_lazy("event field", "Relation"), t.text),
    "specialty_code": (pgettext_lazy("event field", "Specialty code"), t.text),
    "name_before": (pgettext_lazy("event field", "Name before"), t.text),
    "specialty_name": (pgettext_lazy("event field", "Specialty name"), t.text),
    "specialty_name_en": (pgettext_lazy("event field", "English name"), t.text),
    "parent_code": (pgettext_lazy("event field", "Field"), t.text),
    "specialty_in_use": (pgettext_lazy("event field", "In use"), t.yes_no),
}
