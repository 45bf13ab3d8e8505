"""Who of the pool may sit on a lot's committee: the exclusions, each with its reason (实施条例 第四十六条).

Screened after the opening, against the opened lot's bidders and the tenderee: employed by one
of them now or within the look-back, a declared relation with a bidder, on an earlier committee
of the same project, suspended, away on the evaluation date, and (where asked) the region. A
fixed number of queries, whatever the size of the pool or the number of bidders."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from bidding.models import Bid
from trading.models import User

from .choices import ExclusionReason as R
from .choices import ExpertStatus, MemberState
from .models import Absence, CommitteeMember, Employment, Expert, Relation

REGION_DIGITS = 4  # "the lot's own region" is its city (市): the first four digits of the division code


def same_region(a: str, b: str) -> bool:
    return a[:REGION_DIGITS] == b[:REGION_DIGITS]


@dataclass
class Screened:
    """The outcome: the eligible experts as the draw's snapshot lists them, and the exclusions."""

    eligible: list[dict] = field(default_factory=list)  # {"id", "specialties", "local"}
    exclusions: list[dict] = field(default_factory=list)  # {"expert", "reasons": [{"reason", "detail"}]}


def years_before(day: date, years: int) -> date:
    """The same day `years` years earlier (28 February for a 29th)."""
    return day.replace(year=day.year - years, day=28 if (day.month, day.day) == (2, 29) else day.day)


def _norm(name: str) -> str:
    return "".join((name or "").split()).casefold()


def _party(by_uscc: dict, by_name: dict, uscc: str, name: str):
    """Which party (bidder or tenderee, with its name) a company is: by its credit code, or by
    its name when the code does not name one (a code left blank, or a name typed differently)."""
    return (by_uscc.get(uscc) if uscc else None) or by_name.get(_norm(name))


def parties(lot) -> tuple[dict, dict, set]:
    """The opened lot's bidders and the tenderee, by USCC and by name (name → whose), and the
    bidders' people by name (their accounts' and contact persons' names)."""
    bidders = {row["organization__uscc"]: row for row in
               Bid.objects.filter(lot=lot, opening__isnull=False)
               .values("organization_id", "organization__uscc", "organization__name", "organization__contact_name")
               .distinct()}
    tenderee = lot.project.tenderee
    by_uscc = {uscc: ("bidder", row["organization__name"]) for uscc, row in bidders.items()}
    by_uscc.setdefault(tenderee.uscc, ("tenderee", tenderee.name))
    by_name = {_norm(name): whose for name, whose in ((v[1], v) for v in by_uscc.values())}
    people = {_norm(row["organization__contact_name"]) for row in bidders.values() if row["organization__contact_name"]}
    people |= {_norm(n) for n in User.objects.filter(organization_id__in=[r["organization_id"] for r in bidders.values()])
               .exclude(full_name="").values_list("full_name", flat=True)}
    return by_uscc, by_name, people


def screen(lot, *, pool, codes: set[str], scope: str, evaluation_day: date, lookback_years: int, draw=None) -> Screened:
    """Screen every approved or suspended expert of `pool` holding one of `codes`."""
    experts = {row["id"]: row for row in Expert.objects.filter(
        pool=pool, status__in=(ExpertStatus.APPROVED, ExpertStatus.SUSPENDED), specialties__code__in=codes,
    ).values("id", "status", "region_code", "employer_name", "employer_uscc").distinct()}
    held: dict[int, set[str]] = {}
    for expert_id, code in Expert.specialties.through.objects.filter(
            expert__pool=pool, expert__status__in=(ExpertStatus.APPROVED, ExpertStatus.SUSPENDED),
            specialty__code__in=codes).values_list("expert_id", "specialty__code"):
        held.setdefault(expert_id, set()).add(code)
    by_uscc, by_name, people = parties(lot)
    reasons: dict[int, list[dict]] = {}

    def exclude(expert_id, reason, detail=""):
        if expert_id in experts:
            reasons.setdefault(expert_id, []).append({"reason": reason, "detail": detail})

    for expert_id, row in experts.items():
        whose = _party(by_uscc, by_name, row["employer_uscc"], row["employer_name"])
        if whose:
            exclude(expert_id, R.EMPLOYED_BY_BIDDER if whose[0] == "bidder" else R.EMPLOYED_BY_TENDEREE, whose[1])
        if row["status"] == ExpertStatus.SUSPENDED:
            exclude(expert_id, R.SUSPENDED)
        local = same_region(row["region_code"], lot.project.region_code)
        if scope == "local" and not local:
            exclude(expert_id, R.OTHER_REGION, row["region_code"])
        if scope == "remote" and local:
            exclude(expert_id, R.SAME_REGION, row["region_code"])
    cutoff = years_before(evaluation_day, lookback_years)
    for job in Employment.objects.filter(expert__pool=pool, ended_on__gte=cutoff).filter(
            Q(employer_uscc__in=list(by_uscc)) | Q(employer_name__in=[v[1] for v in by_uscc.values()])
    ).values("expert_id", "employer_uscc", "employer_name", "started_on", "ended_on"):
        whose = _party(by_uscc, by_name, job["employer_uscc"], job["employer_name"])
        if whose:
            exclude(job["expert_id"], R.EMPLOYED_BY_BIDDER if whose[0] == "bidder" else R.EMPLOYED_BY_TENDEREE,
                    f"{whose[1]} {job['started_on']:%Y-%m-%d} – {job['ended_on']:%Y-%m-%d}")
    for rel in Relation.objects.filter(expert__pool=pool).filter(
            Q(kind="company", uscc__in=[u for u, v in by_uscc.items() if v[0] == "bidder"])
            | Q(kind="company", name__in=[v[1] for v in by_uscc.values() if v[0] == "bidder"])
            | Q(kind="person")).values("expert_id", "kind", "name", "uscc", "note"):
        if rel["kind"] == "company":
            whose = _party(by_uscc, by_name, rel["uscc"], rel["name"])
            if whose and whose[0] == "bidder":
                exclude(rel["expert_id"], R.RELATED, whose[1])
        elif _norm(rel["name"]) in people:
            exclude(rel["expert_id"], R.RELATED, rel["name"])
    earlier = CommitteeMember.objects.filter(draw__lot__project=lot.project, state=MemberState.CONFIRMED)
    if draw is not None:
        earlier = earlier.exclude(draw=draw)
    for expert_id, lot_name in earlier.values_list("expert_id", "draw__lot__name"):
        exclude(expert_id, R.SAT_ON_PROJECT, lot_name)
    for expert_id, starts, ends in Absence.objects.filter(
            expert__pool=pool, starts_on__lte=evaluation_day, ends_on__gte=evaluation_day
    ).values_list("expert_id", "starts_on", "ends_on"):
        exclude(expert_id, R.AWAY, f"{starts:%Y-%m-%d} – {ends:%Y-%m-%d}")
    result = Screened()
    for expert_id in sorted(experts):
        if expert_id in reasons:
            result.exclusions.append({"expert": expert_id, "reasons": reasons[expert_id]})
        else:
            result.eligible.append({"id": expert_id, "specialties": sorted(held.get(expert_id, ())),
                                    "local": same_region(experts[expert_id]["region_code"], lot.project.region_code)})
    return result
