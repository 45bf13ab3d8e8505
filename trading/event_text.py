"""What a person reads of an audit event: its name, its summary, who acted, on what.

One registry for every event the platform records (trading.audit) and every event of its live
rooms (the opening hall's "hall.*"): each action has a name a person reads, and each key of an
event's data a label and a way to write its value (amounts through trading.formats, times in
Beijing time through formats.local_text, states and roles by their labels; never a Python
repr). The audit trail, the opening record's process log and the hall's log read events
through it.

This floor names its own actions below; higher floors name theirs at start-up with
name_actions() and label_fields() (bidding/event_names.py), as they register their
confidential actions with trading.audit. tests/trading/test_event_text.py fails when the code
can record an action that has no name here.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import pgettext, pgettext_lazy

from . import formats
from .choices import Category, EvaluationMethod, LotState, NoticeKind, Role
from .lifecycle import SYSTEM, TRANSITIONS
from .models import Project

_names: dict[str, Promise] = {}
_object_names: dict[str, Promise] = {}


def name_actions(names: dict[str, Promise]) -> None:
    """Give actions their names (lazy translations). Naming one twice is a programming error."""
    twice = set(names) & set(_names)
    if twice and any(_names[a] is not names[a] for a in twice):
        raise ValueError(f"actions named twice: {sorted(twice)}")
    _names.update(names)


def name_objects(names: dict[str, Promise]) -> None:
    """Names of the kinds of object an event is about ("app_label.model")."""
    _object_names.update(names)


def named_actions() -> frozenset[str]:
    return frozenset(_names)


def action_name(action: str) -> str:
    """The action's name in the current language; the action code itself if it has none (the
    test of this module fails then)."""
    name = _names.get(action)
    return str(name) if name is not None else action


def object_name(object_type: str) -> str:
    name = _object_names.get(object_type)
    return str(name) if name is not None else object_type


def actor_text(actor_name: str, role: str) -> str:
    """Who acted: the platform itself (its clock, a scheduled job) has no account."""
    return _("the platform") if role in (SYSTEM, "") and actor_name in (SYSTEM, "") else actor_name


def role_name(role: str) -> str:
    if role in (SYSTEM, ""):
        return _("the platform")
    return str(Role(role).label) if role in Role.values else role


# --- the fields of an event's data -----------------------------------------------------------


@dataclass(frozen=True)
class Field:
    label: Promise | None  # None: kept in the record, not shown (an internal number)
    write: Callable[[object], str]


_fields: dict[str, Field] = {}
_scoped: dict[tuple[str, str], Field] = {}  # (action, key): a key that means something else there
_leading: list[str] = []  # keys a summary starts with: who the event is about


def label_fields(fields: dict[str, tuple[Promise | None, Callable[[object], str]]], *, actions=(),
                 leading=False) -> None:
    """Give keys of events' data their label and writer: for every action, or for `actions`
    only (where the key means something else than it does elsewhere). A summary writes its
    fields in the order they were labelled, `leading` ones (who: the bidder…) first."""
    if leading:
        _leading.extend(k for k in fields if k not in _leading)
    for key, (label, write) in fields.items():
        field = Field(label, write)
        for where, table in ([((a, key), _scoped) for a in actions] or [(key, _fields)]):
            known = table.get(where)
            if known is not None and known != field:
                raise ValueError(f"the data key {where!r} is labelled twice")
            table[where] = field


def field_for(action: str, key: str) -> Field | None:
    return _scoped.get((action, key)) or _fields.get(key)


def summary(action: str, data) -> str:
    """An event's data as a person reads it: "label：value；label：value" (in Chinese), in the
    order the keys were labelled; a key without a label is written as it is (the tests fail
    then)."""
    if not isinstance(data, dict):
        return plain(data)
    order = {key: index for index, key in enumerate([*_leading, *(k for k in _fields if k not in _leading)])}
    parts = []
    for key in sorted(data, key=lambda k: (order.get(k, len(order)), k)):
        field = field_for(action, key)
        if field is None:
            parts.append(labelled(key, plain(data[key])))
            continue
        if field.label is None:
            continue
        written = field.write(data[key])
        if written:
            parts.append(labelled(field.label, written))
    return in_fields(parts)


def unlabelled_keys(action: str, data) -> list[str]:
    """The keys of an event's data that summary() would write as they are."""
    return [key for key in (data if isinstance(data, dict) else {}) if field_for(action, key) is None]


# --- punctuation, in the reader's language --------------------------------------------------


def listed(items) -> str:
    """Items of one list: 甲、乙、丙 in Chinese."""
    return pgettext("a list's separator", ", ").join(items)


def clauses(items) -> str:
    """The parts of one field's value: 第 1 标段 …，预算 …"""
    return pgettext("clauses' separator", ", ").join(items)


def in_fields(items) -> str:
    """The fields of a summary: 标题：…；大小：…"""
    return pgettext("fields' separator", "; ").join(items)


def labelled(label, value) -> str:
    return _("%(label)s: %(value)s") % {"label": label, "value": value}


# --- writers: one per kind of value ----------------------------------------------------------


def plain(value) -> str:
    """Any value without a writer of its own: text as it is, a list item by item, a mapping as
    its values; never a repr (no None, True, quotes or braces)."""
    if value is None or value == "":
        return formats.ABSENT
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, (list, tuple)):
        return listed(plain(v) for v in value) or formats.ABSENT
    if isinstance(value, dict):
        return clauses(plain(v) for v in value.values()) or formats.ABSENT
    return str(value)


def text(value) -> str:
    return "" if value in (None, "") else plain(value)


def yes_no(value) -> str:
    return _("yes") if value else _("no")


def money(value) -> str:
    if value in (None, ""):
        return formats.ABSENT
    try:
        return formats.yuan_sign(value)  # ¥1,234.00 reads in either language
    except ValueError:
        return plain(value)


def moment(value) -> str:
    """An instant of the data (ISO 8601, with its offset) in Beijing time, to the second."""
    if value in (None, ""):
        return formats.ABSENT
    try:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return plain(value)
    if at.tzinfo is None:
        return plain(value)
    return formats.local_text(at, "s")


def count(value) -> str:
    return plain(value)


def size(value) -> str:
    return filesizeformat(value) if isinstance(value, int) and not isinstance(value, bool) else plain(value)


def digest(value) -> str:
    """A SHA-256 shown by its first 16 hex digits: enough to tell two apart on a page."""
    return f"{value[:16]}…" if isinstance(value, str) and len(value) > 16 else plain(value)


def lot_state(value) -> str:
    return str(LotState(value).label) if value in LotState.values else plain(value)


def category(value) -> str:
    return str(Category(value).label) if value in Category.values else plain(value)


def names(value) -> str:
    """A list of names, or of mappings naming someone (a bidder, a custodian)."""
    if not isinstance(value, list):
        return plain(value)
    shown = []
    for item in value:
        if isinstance(item, dict):
            item = item.get("bidder") or item.get("name") or item.get("custodian") or item.get("contributor")
        shown.append(plain(item))
    return listed(shown) or formats.ABSENT


def evaluation_method(value) -> str:
    return str(EvaluationMethod(value).label) if value in EvaluationMethod.values else plain(value)


def transition(value) -> str:
    """A lifecycle step by its name on the project page (fail_too_few_bids → 流标：投标不足)."""
    step = TRANSITIONS.get(value) if isinstance(value, str) else None
    return str(step.label) if step is not None else plain(value)


def ranked(value) -> str:
    """The winning candidates in their order, each with its bid price: 1. 某公司 1,234.00元."""
    if not isinstance(value, list):
        return plain(value)
    return listed([_("%(rank)s. %(name)s %(price)s") % {"rank": plain(c.get("rank", i)), "name": plain(c.get("name")),
                                                        "price": money(c.get("price"))}
                   for i, c in enumerate(value, start=1) if isinstance(c, dict)]) or formats.ABSENT


def winner(value) -> str:
    return plain(value.get("name")) if isinstance(value, dict) else plain(value)


def how_many(value) -> str:
    """A list by its length: the shares dealt, the contributions mixed in."""
    return str(len(value)) if isinstance(value, list) else plain(value)


def files(value) -> str:
    """Files by name and size: 投标文件.pdf.age（33.8 KB）."""
    if not isinstance(value, list):
        return count(value)
    return listed(_("%(name)s (%(size)s)") % {"name": plain(f.get("name")), "size": size(f.get("size"))}
                  if isinstance(f, dict) else plain(f) for f in value) or formats.ABSENT


def lots(value) -> str:
    """Lots by number (and name and amounts where the event has them)."""
    if not isinstance(value, list):
        return plain(value)
    shown = []
    for lot in value:
        if not isinstance(lot, dict):
            shown.append(_("lot %(number)s") % {"number": plain(lot)})
            continue
        head = " ".join([_("lot %(number)s") % {"number": plain(lot.get("number"))}, *([str(lot["name"])] if lot.get("name") else [])])
        amounts = []
        if lot.get("budget") not in (None, ""):
            amounts.append(_("budget %(amount)s") % {"amount": money(lot["budget"])})
        if lot.get("ceiling_price") not in (None, ""):
            amounts.append(_("ceiling price %(amount)s") % {"amount": money(lot["ceiling_price"])})
        shown.append(_("%(lot)s (%(amounts)s)") % {"lot": head, "amounts": clauses(amounts)} if amounts else head)
    return listed(shown) or formats.ABSENT


def declared_items(value) -> str:
    """The opening form's items by their labels."""
    if not isinstance(value, list):
        return plain(value)
    return listed(plain(i.get("label") or i.get("key")) if isinstance(i, dict) else plain(i) for i in value)


def hidden(value) -> str:
    return ""


def project_values(value) -> str:
    """A project's fields before or after an edit, each by its label on the project form."""
    if not isinstance(value, dict):
        return plain(value)
    shown = []
    for key, item in value.items():
        try:
            label = Project._meta.get_field(key).verbose_name
        except FieldDoesNotExist:  # a field since removed: its name as it is
            label = key
        written = moment(item) if isinstance(item, str) and _looks_like_a_time(item) else plain(item)
        shown.append(f"{label} {written}")
    return clauses(shown) or formats.ABSENT


def _looks_like_a_time(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


# --- this floor's actions and keys -------------------------------------------------------------

name_actions({
    "organization.registered": pgettext_lazy("audit event", "Organization registered"),
    "project.created": pgettext_lazy("audit event", "Project registered"),
    "project.updated": pgettext_lazy("audit event", "Project edited"),
    "project.published": pgettext_lazy("audit event", "Project published"),
    "lot.added": pgettext_lazy("audit event", "Lot added"),
    "lot.updated": pgettext_lazy("audit event", "Lot edited"),
    "lot.removed": pgettext_lazy("audit event", "Lot removed"),
    "document.added": pgettext_lazy("audit event", "Tender document uploaded"),
    "document.downloaded": pgettext_lazy("audit event", "Tender document downloaded"),
    # A notice of each kind: "notice.clarification" reads 澄清 (trading.services.publish_notice)
    **{f"notice.{kind.value}": kind.label for kind in NoticeKind},
    # Each lifecycle transition (trading.services._take): "lot.close" reads 标段：投标截止
    **{f"lot.{t.name}": t.label for t in TRANSITIONS.values()},
})

name_objects({
    "trading.organization": pgettext_lazy("audit object", "Organization"),
    "trading.project": pgettext_lazy("audit object", "Project"),
    "trading.lot": pgettext_lazy("audit object", "Lot"),
    "trading.document": pgettext_lazy("audit object", "Tender document"),
    "trading.notice": pgettext_lazy("audit object", "Notice"),
    "trading.user": pgettext_lazy("audit object", "Account"),
})

label_fields({
    "code": (gettext_lazy("Project code"), text),
    "name": (gettext_lazy("Name"), text),
    "title": (gettext_lazy("Title"), text),
    "category": (gettext_lazy("Category"), category),
    "uscc": (gettext_lazy("Unified social credit code"), text),
    "organization": (gettext_lazy("Organization (credit code)"), text),
    "from": (gettext_lazy("From"), lot_state),
    "to": (gettext_lazy("To"), lot_state),
    "reason": (gettext_lazy("Reason"), text),
    "complete_bids": (gettext_lazy("Complete bids"), count),
    "award_price": (gettext_lazy("Award price"), money),
    "days_since_award": (gettext_lazy("Days since the award"), count),
    "within_legal_limit": (gettext_lazy("Within the legal limit"), yes_no),
    "deadline": (gettext_lazy("Deadline"), moment),
    "previous_deadline": (gettext_lazy("Deadline before"), moment),
    "new_deadline": (gettext_lazy("New deadline"), moment),
    "changes_bids": (gettext_lazy("Changes the bids"), yes_no),
    "lots": (gettext_lazy("Lots"), lots),
    "legal": (gettext_lazy("Legal limits"), project_values),
    "before": (gettext_lazy("Before"), project_values),
    "after": (gettext_lazy("After"), project_values),
    "size": (gettext_lazy("Size"), size),
    "sha256": (gettext_lazy("SHA-256"), digest),
    "notice": (None, hidden),  # the notice's number in the database
    # a lot's fields (trading.lot_services) and its award-stage notices (trading.lot_notices)
    "number": (gettext_lazy("Lot number"), text),
    "lot_name": (gettext_lazy("Lot name"), text),
    "budget": (gettext_lazy("Budget"), money),
    "ceiling_price": (gettext_lazy("Ceiling price"), money),
    "reserve_price": (gettext_lazy("Reserve price"), money),
    "bid_security": (gettext_lazy("Bid security"), money),
    "evaluation_method": (gettext_lazy("Evaluation method"), evaluation_method),
    "transition": (gettext_lazy("Step"), transition),
    "candidates": (gettext_lazy("Winning candidates"), ranked),
    "publicity_starts": (gettext_lazy("Publicity starts"), moment),
    "publicity_ends": (gettext_lazy("Publicity ends"), moment),
    "winner": (gettext_lazy("Winning bidder"), winner),
})

