"""Reads the draw's pages share: the request, the exclusions and the members as people read them.

The staff's page reads everything here; the public page only what `public_facts` and, once the
result is final, `final_committee` give. Nothing here changes a row."""

import json

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from trading.choices import LotState

from .choices import GIVEN_UP, SEATED, DrawState, ExclusionReason, MemberState, RegionScope
from .draw_services import published, shortage_text
from .models import CommitteeDraw, CommitteeMember, Expert, Specialty
from .rules import RESULT_FINAL

SCOPE_WORDS = {"local": RegionScope.LOCAL.label, "remote": RegionScope.REMOTE.label, "any": RegionScope.ANY.label}


# --- specialties -------------------------------------------------------------------------------


def specialty_name(specialty: Specialty) -> str:
    """The specialty's name in the page's language (the list ships both)."""
    if (get_language() or "").startswith("en") and specialty.name_en:
        return specialty.name_en
    return specialty.name


def specialty_label(specialty: Specialty) -> str:
    return f"{specialty.code} {specialty_name(specialty)}"


def specialty_choices() -> list:
    """The second-level specialties in use, grouped under their top level (a grouped choice)."""
    rows = list(Specialty.objects.filter(active=True).order_by("code"))
    tops = [s for s in rows if s.parent_id is None]
    groups = []
    for top in tops:
        children = [(s.code, specialty_label(s)) for s in rows if s.parent_id == top.pk]
        if children:
            groups.append((specialty_label(top), children))
    return groups


def specialty_labels(codes) -> dict[str, str]:
    """{code: "A0101 房屋建筑"} for the codes given (a code no longer listed stays bare)."""
    found = {s.code: specialty_label(s) for s in Specialty.objects.filter(code__in=set(codes))}
    return {code: found.get(code, code) for code in codes}


# --- the request -------------------------------------------------------------------------------


def request_rows(draw: CommitteeDraw) -> list[dict]:
    """Each group of the request: its specialty, where its experts come from, how many."""
    labels = specialty_labels([g["specialty"] for g in draw.groups])
    return [{"specialty": labels[g["specialty"]], "scope": SCOPE_WORDS.get(g["scope"], g["scope"]), "count": g["count"]}
            for g in draw.groups]


# --- what only the draw's staff and the supervisors read ---------------------------------------


def masked_id(number: str) -> str:
    """An identity card number with its middle hidden: 4501**********123X."""
    number = number or ""
    if len(number) <= 8:
        return "*" * len(number)
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}"


def _reason_label(reason: str) -> str:
    return str(ExclusionReason(reason).label) if reason in ExclusionReason.values else reason


def exclusion_rows(draw: CommitteeDraw) -> list[dict]:
    """The experts kept out of the draw, each with their reasons and the detail of each."""
    experts = {e.pk: e for e in Expert.objects.filter(pk__in=[x["expert"] for x in draw.exclusions]).select_related("user")}
    rows = []
    for entry in draw.exclusions:
        expert = experts.get(entry["expert"])
        rows.append({
            "name": expert.user.display_name if expert else str(entry["expert"]),
            "id_number": masked_id(expert.id_number) if expert else "",
            "reasons": [(_reason_label(r["reason"]), r.get("detail", "")) for r in entry["reasons"]],
        })
    return rows


def member_rows(draw: CommitteeDraw) -> list[CommitteeMember]:
    """Every pick in order, the replaced ones included, each with the words the table shows."""
    members = list(draw.members.select_related("expert__user", "replaces__expert__user").order_by("pick"))
    labels = specialty_labels([g["specialty"] for g in draw.groups])
    for member in members:
        group = draw.groups[member.group] if member.group < len(draw.groups) else None
        member.specialty_label = labels[group["specialty"]] if group else ""
        member.scope_label = SCOPE_WORDS.get(group["scope"], "") if group else ""
        member.state_label = MemberState(member.state).label if member.state in MemberState.values else member.state
    return members


def shortage(draw: CommitteeDraw) -> str:
    """When the pool ran short of replacements: which specialty, by how many, in the reader's
    language. Counted from the seats left empty (declined or expired, and not replaced)."""
    if draw.state != DrawState.SHORT:
        return ""
    empty = draw.members.filter(state__in=GIVEN_UP, replaced_by__isnull=True)
    missing: dict[int, int] = {}
    for group in empty.values_list("group", flat=True):
        missing[group] = missing.get(group, 0) + 1
    short = [(g, draw.groups[g]["specialty"], draw.groups[g]["scope"], n) for g, n in sorted(missing.items())
             if g < len(draw.groups)]
    return shortage_text(short) if short else _("The pool ran short of replacements.")


# --- what everyone reads -----------------------------------------------------------------------


def names_public(draw: CommitteeDraw) -> bool:
    """The committee's names are public once the lot's result is final (招标投标法 第四十四条)."""
    return draw.drawn_at is not None and draw.lot.state in RESULT_FINAL


def files_public(draw: CommitteeDraw) -> bool:
    """The seed, draw.json and snapshot.json are published once the seed is revealed."""
    return names_public(draw) and draw.revealed_at is not None


def final_committee(draw: CommitteeDraw) -> list[dict]:
    """The drawn experts who sit on the committee at the end (not declined, not timed out), in
    order of pick, each with the specialty they were drawn for."""
    members = draw.members.filter(state__in=SEATED).select_related(
        "expert__user").order_by("pick")
    labels = specialty_labels([g["specialty"] for g in draw.groups])
    return [{"name": m.expert.user.display_name, "pick": m.pick,
             "specialty": labels[draw.groups[m.group]["specialty"]] if m.group < len(draw.groups) else ""}
            for m in members]


def draw_json(draw: CommitteeDraw) -> bytes:
    """draw.json, as published: the platform's published_draw, pretty-printed, UTF-8."""
    return (json.dumps(published(draw), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def snapshot_file(draw: CommitteeDraw) -> bytes:
    """snapshot.json, exactly the bytes the snapshot digest was taken of."""
    return draw.snapshot.encode("utf-8")


# --- the workspace -----------------------------------------------------------------------------


def lots_awaiting_draw(lots):
    """Of `lots`, those in evaluation whose committee is not drawn yet (no draw, or its
    commitment published and not drawn), or whose pool ran short of replacements."""
    return (lots.filter(state=LotState.EVALUATION)
            .filter(Q(committee_draw__isnull=True) | Q(committee_draw__state__in=(DrawState.COMMITTED, DrawState.SHORT)))
            .select_related("committee_draw").order_by("project__code", "number"))
