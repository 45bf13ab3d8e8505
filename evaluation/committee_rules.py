"""The committee's composition rules: size, the tenderee's share, the request by specialty.

招标投标法 第三十七条: five or more members, an odd number, experts at least two thirds;
政府采购 87号令 第四十七条: seven or more for a budget of 10 million yuan and up. Each refusal
is a sentence a person can act on, naming the rule and, where it applies, the law."""

from decimal import Decimal

from django.utils.translation import gettext as _

from trading.choices import Category

from .choices import RegionScope

MIN_SIZE = 5
LARGE_PROCUREMENT = Decimal("10000000.00")  # 1,000万元: the committee of government procurement grows to 7
MIN_SIZE_LARGE_PROCUREMENT = 7
GOVERNMENT_PROCUREMENT = frozenset({Category.GOODS, Category.SERVICES})


def minimum_size(lot) -> int:
    if lot.project.category in GOVERNMENT_PROCUREMENT and lot.budget >= LARGE_PROCUREMENT:
        return MIN_SIZE_LARGE_PROCUREMENT
    return MIN_SIZE


def size_refusals(lot, size: int, representatives: int) -> list[str]:
    """What is wrong with a committee of `size` with `representatives` of the tenderee."""
    refusals = []
    least = minimum_size(lot)
    if size < least or size % 2 == 0:
        if least == MIN_SIZE_LARGE_PROCUREMENT:
            refusals.append(_("A government procurement of 10 million yuan or more needs a committee of 7 or more, an odd "
                              "number (%(citation)s); %(n)d was asked.") % {"n": size, "citation": "政府采购87号令第四十七条"})
        else:
            refusals.append(_("The committee needs 5 or more members, an odd number (%(citation)s); %(n)d was asked.")
                            % {"n": size, "citation": "《招标投标法》第三十七条"})
    if representatives < 0 or representatives * 3 > size:
        refusals.append(_("The tenderee's representatives may be at most one third of the committee (%(citation)s): at "
                          "most %(most)d of %(size)d.") % {"most": max(size, 0) // 3, "size": size,
                                                         "citation": "《招标投标法》第三十七条"})
    return refusals


def split_by_region(requested: list[tuple[str, int]], scope: str, local_percent: int | None) -> list[dict]:
    """The groups the draw takes (evaluation.drawing), from the staff's request: (specialty,
    count) pairs in order and where the experts come from. A mix splits each specialty's count
    into its share from the lot's own region (rounded half up) and the rest from elsewhere."""
    groups = []
    for code, count in requested:
        if scope == RegionScope.MIX:
            local = (count * (local_percent or 0) + 50) // 100
            parts = [("local", local), ("remote", count - local)]
        else:
            parts = [({RegionScope.LOCAL: "local", RegionScope.REMOTE: "remote"}.get(scope, "any"), count)]
        groups.extend({"specialty": code, "scope": part, "count": n} for part, n in parts if n > 0)
    return groups


def request_refusals(size: int, representatives: int, requested: list[tuple[str, int]], known_codes: set[str],
                     scope: str, local_percent: int | None) -> list[str]:
    """What is wrong with the request by specialty: it must ask exactly the experts the
    committee draws (its size less the tenderee's representatives), each specialty once."""
    refusals = []
    codes = [code for code, _count in requested]
    unknown = [code for code in codes if code not in known_codes]
    if unknown:
        refusals.append(_("Unknown or unused specialty: %(codes)s.") % {"codes": "、".join(unknown)})
    if len(set(codes)) != len(codes):
        refusals.append(_("Name each specialty once, with the number of experts it needs."))
    if any(count < 1 for _code, count in requested):
        refusals.append(_("Each specialty asked needs at least one expert."))
    drawn = size - representatives
    asked = sum(count for _code, count in requested)
    if asked != drawn:
        refusals.append(_("The specialties ask for %(asked)d experts, but the committee draws %(drawn)d (%(size)d members "
                          "less %(reps)d of the tenderee's representatives).")
                        % {"asked": asked, "drawn": drawn, "size": size, "reps": representatives})
    if scope == RegionScope.MIX and not (local_percent is not None and 0 < local_percent < 100):
        refusals.append(_("A mix needs the share from the lot's own region, between 1 and 99 per cent."))
    return refusals
