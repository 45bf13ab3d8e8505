"""`{% load formrows %}`: a formset's rows in the order the person gave them."""

from django import template
from django.forms.formsets import ORDERING_FIELD_NAME

register = template.Library()


@register.filter
def rows_in_order(formset):
    """The rows as their order numbers put them (as typed, when the page comes back with an
    error: the person's moves are kept), unnumbered ones after in their place; a formset
    without order numbers as it is."""
    if not formset.can_order:
        return list(formset)

    def place(entry):
        position, form = entry
        try:
            return (0, int(form[ORDERING_FIELD_NAME].value()), position)
        except (TypeError, ValueError):
            return (1, 0, position)

    return [form for _position, form in sorted(enumerate(formset), key=place)]
