"""The pure draw's refusals (evaluation.drawing.DrawError codes) in the reader's language.

The pure module says what went wrong in English, for logs and the recompute tool; a page says it
with these words, by the error's code, and never shows the English."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .drawing import DrawError, ShortPool

WORDS = {
    "bad_seed": gettext_lazy("The draw's seed is not 32 bytes: its record is damaged."),
    "bad_lot": gettext_lazy("The draw names no lot: its record is damaged."),
    "bad_digest": gettext_lazy("The snapshot digest is not 64 hexadecimal digits: the draw's record is damaged."),
    "bad_expert": gettext_lazy("An expert in the eligible pool's snapshot is malformed: the draw's record is damaged."),
    "duplicate_expert": gettext_lazy("An expert appears twice in the eligible pool's snapshot: the draw's record is "
                                     "damaged."),
    "bad_group": gettext_lazy("A group of the request is malformed: the draw's record is damaged."),
    "no_groups": gettext_lazy("The request asks for no expert."),
    "short_pool": gettext_lazy("After the exclusions the pool cannot fill the committee."),
    "no_such_group": gettext_lazy("A replacement names a group the request does not have."),
    "not_a_member": gettext_lazy("A replacement names an expert who is not on the committee."),
    "wrong_group": gettext_lazy("A replacement names an expert drawn for another group."),
    "bad_replacement": gettext_lazy("A replacement is malformed: the draw's record is damaged."),
    "not_this_draw": gettext_lazy("The draw so far is not the one this seed and pool give: the draw's record is "
                                  "damaged."),
}


def draw_error_text(err: DrawError) -> str:
    """What a page says of a refusal of the pure draw: its words by code, the shortage named."""
    if isinstance(err, ShortPool) and err.short:
        from .draw_services import shortage_text

        return shortage_text(err.short)
    words = WORDS.get(getattr(err, "code", ""))
    return str(words) if words else _("The draw could not be computed from its record; tell the platform's operators.")
