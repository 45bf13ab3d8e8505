"""The random draw of a lot's expert committee, made so that anyone can recompute it (docs/expert-draw.md).

Before the draw the platform publishes the digest of the eligible pool's snapshot (the pool
after exclusions: expert ids, specialties, local or not) and a commitment to a secret 32-byte
seed, bound to the lot and that digest. Every pick follows from the seed, the lot, the snapshot
and the pick's number by the rule below; after the result is public the seed and the snapshot
file are published, and tools/recompute_draw.py recomputes the committee from them with plain
Python. Pure: no Django import, nothing stored, no clock.

Bytes. Every field is length-prefixed: 4-byte big-endian length, then the bytes (text as UTF-8,
the seed raw). The snapshot digest enters as its 64 lowercase hex digits, as text.

    snapshot   = json.dumps({"lot": lot, "experts": [{"id", "local", "specialties"}, ...]},
                            sort_keys=True, ensure_ascii=False, separators=(",", ":"))
                 experts by id ascending, specialties sorted; UTF-8
    commitment = SHA-256(F("kaibiao/expert-commit/v1") F(lot) F(snapshot digest) F(seed))
    digest p   = SHA-256(F("kaibiao/expert-draw/v1") F(lot) F(snapshot digest) F(seed) F(str(p)))
    block i    = SHA-256(digest p || i as 4-byte big-endian), i = 0, 1, 2, ...
    index      = the first block x with x < 2**256 - 2**256 % n; index = x % n
    pick p     = candidates[index], the candidates of the pick's group (ids ascending) less
                 every expert picked at an earlier pick

Picks are numbered 0, 1, 2, ...: first each group's `count` picks, group by group, then the
replacements in the order they were made.
"""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

COMMIT_TAG = "kaibiao/expert-commit/v1"
DRAW_TAG = "kaibiao/expert-draw/v1"
SEED_SIZE = 32
SCOPES = ("local", "remote", "any")


class DrawError(ValueError):
    """The lot, seed, snapshot, request or a replacement breaks the rule; the message says how
    (in English, for logs and the tool), and `code` names the fault so that a page can say it in
    its reader's language."""

    def __init__(self, message, *, code: str):
        super().__init__(message)
        self.code = code


class ShortPool(DrawError):
    """The pool cannot fill the request: `short` lists each short group as
    (group index, specialty, scope, how many experts are missing)."""

    def __init__(self, short):
        self.short = [tuple(s) for s in short]
        words = "; ".join(f"group {g} ({specialty}, {scope}) lacks {missing}" for g, specialty, scope, missing in short)
        super().__init__(f"The pool is short: {words}.", code="short_pool")


@dataclass(frozen=True)
class Pick:
    p: int  # the pick's number across the whole draw, 0, 1, 2, ...
    group: int  # the index of the group it was drawn for
    expert: int  # the expert's id
    replaces: int | None = None  # for a replacement, the expert it replaces


@dataclass(frozen=True)
class DrawResult:
    picks: tuple[Pick, ...]  # every pick in order of p, the replaced ones included
    committee: tuple[int, ...]  # the final committee: the ids of the picks not replaced, in order of p
    replacements: tuple[tuple[int, int], ...]  # (group, replaced expert id), in the order made
    snapshot_digest: str  # SHA-256 of the snapshot file the draw used, lowercase hex

    def group_of(self, expert: int) -> int:
        """The group a committee member was drawn for."""
        return next(pick.group for pick in self.picks if pick.expert == expert)


# --- fields, seed, lot -----------------------------------------------------------------------


def new_seed() -> bytes:
    """The platform's secret seed: 32 bytes from the operating system's CSPRNG."""
    return secrets.token_bytes(SEED_SIZE)


def _fields(*parts) -> bytes:
    data = (p.encode("utf-8") if isinstance(p, str) else p for p in parts)
    return b"".join(len(d).to_bytes(4, "big") + d for d in data)


def _check_seed(seed) -> bytes:
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != SEED_SIZE:
        raise DrawError(f"The seed must be exactly {SEED_SIZE} bytes.", code="bad_seed")
    return bytes(seed)


def _check_lot(lot) -> str:
    if not isinstance(lot, str) or not lot:
        raise DrawError("The lot must be a non-empty text label.", code="bad_lot")
    return lot


def _check_digest(digest) -> str:
    if not isinstance(digest, str) or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest.lower()):
        raise DrawError("The snapshot digest must be 64 hex digits.", code="bad_digest")
    return digest.lower()


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- the snapshot ----------------------------------------------------------------------------


def canonical_experts(experts) -> list[dict]:
    """The experts as the snapshot writes them: {"id", "local", "specialties"} each, by id
    ascending, specialties sorted. Raise DrawError on an id that is not an integer or repeats, a
    specialty that is not a non-empty text or repeats, or a `local` that is not true or false."""
    out, seen = [], set()
    for expert in experts:
        try:
            eid, codes, local = expert["id"], expert["specialties"], expert["local"]
        except (TypeError, KeyError):
            raise DrawError(f"An expert is {{'id', 'specialties', 'local'}}, not {expert!r}.", code="bad_expert") from None
        if not _is_int(eid):
            raise DrawError(f"An expert's id must be an integer, not {eid!r}.", code="bad_expert")
        if eid in seen:
            raise DrawError(f"Expert {eid} appears more than once.", code="duplicate_expert")
        if not isinstance(codes, (list, tuple, set, frozenset)) or not all(type(c) is str and c for c in codes):
            raise DrawError(f"The specialties of expert {eid} must be a list of codes.", code="bad_expert")
        codes = sorted(codes)
        if any(a == b for a, b in zip(codes, codes[1:])):
            raise DrawError(f"Expert {eid} lists a specialty twice.", code="bad_expert")
        if not isinstance(local, bool):
            raise DrawError(f"'local' of expert {eid} must be true or false.", code="bad_expert")
        seen.add(eid)
        out.append({"id": eid, "local": local, "specialties": codes})
    return sorted(out, key=lambda e: e["id"])


def _dump(lot: str, pool: list[dict]) -> bytes:
    document = {"lot": _check_lot(lot), "experts": pool}
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def snapshot_bytes(lot: str, experts) -> bytes:
    """The snapshot file, byte for byte: the lot and the eligible experts, canonical JSON."""
    return _dump(lot, canonical_experts(experts))


def snapshot_digest(lot: str, experts) -> str:
    """SHA-256 of the snapshot file, as 64 lowercase hex digits."""
    return hashlib.sha256(snapshot_bytes(lot, experts)).hexdigest()


# --- the commitment --------------------------------------------------------------------------


def commitment(lot: str, snapshot_digest: str, seed: bytes) -> str:
    """The commitment published before the draw, beside the snapshot digest, as lowercase hex.
    It binds the seed to this lot and this pool."""
    data = _fields(COMMIT_TAG, _check_lot(lot), _check_digest(snapshot_digest), _check_seed(seed))
    return hashlib.sha256(data).hexdigest()


def verify_seed(commitment_hex: str, lot: str, snapshot_digest: str, seed: bytes) -> bool:
    """True if the revealed seed matches the commitment published for this lot and pool."""
    try:
        expected = commitment(lot, snapshot_digest, seed)
    except DrawError:
        return False
    return isinstance(commitment_hex, str) and hmac.compare_digest(expected, commitment_hex.strip().lower())


# --- the request -----------------------------------------------------------------------------


def canonical_groups(groups) -> list[dict]:
    """The request as {"specialty", "scope", "count"} dicts, in order. Raise DrawError on an
    empty request, a specialty that is not a non-empty text, an unknown scope or a count that is
    not a whole number of at least 1."""
    out = []
    for g, group in enumerate(groups):
        try:
            specialty, scope, count = group["specialty"], group["scope"], group["count"]
        except (TypeError, KeyError):
            raise DrawError(f"Group {g} is {{'specialty', 'scope', 'count'}}, not {group!r}.", code="bad_group") from None
        if not isinstance(specialty, str) or not specialty:
            raise DrawError(f"The specialty of group {g} must be a non-empty code.", code="bad_group")
        if scope not in SCOPES:
            raise DrawError(f"The scope of group {g} must be local, remote or any, not {scope!r}.", code="bad_group")
        if not _is_int(count) or count < 1:
            raise DrawError(f"The count of group {g} must be a whole number of at least 1.", code="bad_group")
        out.append({"specialty": specialty, "scope": scope, "count": count})
    if not out:
        raise DrawError("The request asks for no expert.", code="no_groups")
    return out


def is_candidate(expert: dict, group: dict) -> bool:
    """Whether an expert (canonical) may be drawn for a group."""
    if group["specialty"] not in expert["specialties"]:
        return False
    return group["scope"] == "any" or expert["local"] == (group["scope"] == "local")


def shortages(experts, groups) -> list[tuple[int, str, str, int]]:
    """Each group with fewer candidates than its count, as (group index, specialty, scope,
    missing); empty when every group, taken on its own, can be filled."""
    return _shortages(canonical_experts(experts), canonical_groups(groups))


def _shortages(pool: list[dict], groups: list[dict]) -> list[tuple[int, str, str, int]]:
    short = []
    for g, group in enumerate(groups):
        have = sum(1 for e in pool if is_candidate(e, group))
        if have < group["count"]:
            short.append((g, group["specialty"], group["scope"], group["count"] - have))
    return short


# --- the draw --------------------------------------------------------------------------------


def pick_digest(lot: str, digest_hex: str, seed: bytes, p: int) -> bytes:
    return hashlib.sha256(_fields(DRAW_TAG, lot, digest_hex, seed, str(p))).digest()


def uniform_index(digest: bytes, n: int) -> int:
    """A uniform index in [0, n): the first counter block SHA-256(digest || i) whose value is
    below the largest multiple of n under 2**256, reduced mod n."""
    limit = 2**256 - 2**256 % n
    for i in range(2**32):  # past block 0 only with probability below n / 2**256
        x = int.from_bytes(hashlib.sha256(digest + i.to_bytes(4, "big")).digest(), "big")
        if x < limit:
            return x % n
    raise DrawError("no counter block fell below the limit", code="unreachable")  # pragma: no cover


def _canonical_replacements(replacements) -> list[tuple[int, int]]:
    out = []
    for item in replacements:
        try:
            group, replaces = item["group"], item["replaces"]
        except (TypeError, KeyError):
            try:
                group, replaces = item
            except (TypeError, ValueError):
                raise DrawError(f"A replacement is {{'group', 'replaces'}}, not {item!r}.",
                                code="bad_replacement") from None
        if not (_is_int(group) and _is_int(replaces)):
            raise DrawError(f"A replacement names a group index and an expert id, not {item!r}.", code="bad_replacement")
        out.append((group, replaces))
    return out


def replay(lot: str, seed: bytes, experts, groups, replacements=()) -> DrawResult:
    """The whole draw: each group's initial picks, then each replacement (a {"group",
    "replaces"} dict or a (group, expert id) pair, in the order made). A replacement replaces a
    member of the committee at that moment who was drawn for that group. Raise ShortPool if a
    group has fewer candidates than its count before anything is drawn (naming every short
    group), or if a pick finds no candidate left; DrawError on malformed input."""
    lot, seed = _check_lot(lot), _check_seed(seed)
    pool, groups = canonical_experts(experts), canonical_groups(groups)
    replacements = _canonical_replacements(replacements)
    short = _shortages(pool, groups)
    if short:
        raise ShortPool(short)
    digest_hex = hashlib.sha256(_dump(lot, pool)).hexdigest()
    candidates = [[e["id"] for e in pool if is_candidate(e, group)] for group in groups]
    taken, picks, members = set(), [], {}  # members: expert id -> group, for the committee now

    def pick(group: int, missing: int, replaces=None) -> None:
        left = [eid for eid in candidates[group] if eid not in taken]
        if not left:
            g = groups[group]
            raise ShortPool([(group, g["specialty"], g["scope"], missing)])
        p = len(picks)
        expert = left[uniform_index(pick_digest(lot, digest_hex, seed, p), len(left))]
        taken.add(expert)
        members[expert] = group
        picks.append(Pick(p=p, group=group, expert=expert, replaces=replaces))

    for g, group in enumerate(groups):
        for k in range(group["count"]):
            pick(g, group["count"] - k)
    for group, replaces in replacements:
        if not 0 <= group < len(groups):
            raise DrawError(f"There is no group {group}.", code="no_such_group")
        if replaces not in members:
            raise DrawError(f"Expert {replaces} is not on the committee.", code="not_a_member")
        if members[replaces] != group:
            raise DrawError(f"Expert {replaces} was drawn for group {members[replaces]}, not {group}.",
                            code="wrong_group")
        del members[replaces]
        pick(group, 1, replaces)
    committee = tuple(pk.expert for pk in picks if pk.expert in members)
    return DrawResult(picks=tuple(picks), committee=committee, replacements=tuple(replacements),
                      snapshot_digest=digest_hex)


def draw(lot: str, seed: bytes, experts, groups) -> DrawResult:
    """The initial draw: each group's `count` picks, group by group."""
    return replay(lot, seed, experts, groups, ())


def replace(lot: str, seed: bytes, experts, groups, so_far: DrawResult, group: int, replaces: int) -> Pick:
    """The replacement for `replaces` (who declined or did not answer), a committee member drawn
    for `group`, after the draw `so_far` (from draw or replay). The whole draw is replayed, so a
    replacement never repeats an earlier pick; replay with the new list for the new committee."""
    result = replay(lot, seed, experts, groups, [*so_far.replacements, (group, replaces)])
    if result.picks[:len(so_far.picks)] != so_far.picks:
        raise DrawError("The draw so far is not this lot's, seed's and pool's draw.", code="not_this_draw")
    return result.picks[-1]


# --- what is published -----------------------------------------------------------------------


def published_draw(lot: str, seed: bytes, experts, groups, replacements=()) -> dict:
    """Exactly draw.json, published with the snapshot file (snapshot_bytes) once the result is
    public; what tools/recompute_draw.py reads."""
    result = replay(lot, seed, experts, groups, replacements)
    return {
        "lot": lot,
        "commitment": commitment(lot, result.snapshot_digest, seed),
        "seed": bytes(seed).hex(),
        "snapshot_digest": result.snapshot_digest,
        "groups": canonical_groups(groups),
        "replacements": [{"group": g, "replaces": r} for g, r in result.replacements],
        "committee": list(result.committee),
        "picks": [{"p": pk.p, "group": pk.group, "expert": pk.expert} for pk in result.picks],
    }
