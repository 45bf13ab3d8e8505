"""The random coefficient K, drawn so that anyone can check it (docs/random-coefficient.md).

Before the opening the server publishes a commitment to a secret 32-byte seed, bound to the
lot and the published range. Each signed-in bidder's browser contributes a 32-byte nonce. At
the draw the server reveals the seed; K follows from the seed, the lot, the range and every
contribution by the rule below, and tools/recompute_k.py recomputes it from the published
inputs with plain Python. Pure: no Django import, nothing stored, no clock.

Bytes. Every field is length-prefixed: 4-byte big-endian length, then the bytes (text as
UTF-8, the seed and nonces raw). Decimals are written canonically with the step's number of
decimals ("0.02" with step "0.0005" is "0.0200").

    commitment = SHA-256(F("kaibiao/k-commit/v1") F(lot) F(low) F(high) F(step) F(seed))
    digest     = SHA-256(F("kaibiao/k-draw/v1") F(lot) F(low) F(high) F(step) F(seed)
                         F(id1) F(nonce1) F(id2) F(nonce2) ...)   contributions sorted by id
    block i    = SHA-256(digest || i as 4-byte big-endian), i = 0, 1, 2, ...
    index      = the first block, read as a 256-bit big-endian number x, with
                 x < 2**256 - 2**256 % count; index = x % count  (rejection sampling)
    K          = low + index * step
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal

COMMIT_TAG = "kaibiao/k-commit/v1"
DRAW_TAG = "kaibiao/k-draw/v1"
SEED_SIZE = 32
NONCE_SIZE = 32

_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_HEX = re.compile(r"[0-9a-fA-F]*")


class DrawError(ValueError):
    """The range, seed, lot or contributions break the rule; the message says how. A range's
    error also names its `code` and the part at fault (`part`: "low", "high" or "step"), so
    that a page can say it in its reader's language beside that part."""

    def __init__(self, message, *, code: str = "", part: str = ""):
        super().__init__(message)
        self.code, self.part = code, part


@dataclass(frozen=True)
class KRange:
    """A published range of K, canonical: low, high and step written with `decimals` decimals.
    The values are low, low + step, ..., high; `count` of them."""

    low: str
    high: str
    step: str
    decimals: int
    count: int

    def units(self, text: str) -> int:
        """A canonical decimal of this range as an integer number of 10**-decimals."""
        return _units(text, self.decimals)

    def value(self, index: int) -> str:
        """The index-th value of the range (0 is low, count - 1 is high)."""
        if not 0 <= index < self.count:
            raise DrawError(f"index {index} is outside 0..{self.count - 1}.")
        return _text(self.units(self.low) + index * self.units(self.step), self.decimals)

    def as_dict(self) -> dict:
        return {"low": self.low, "high": self.high, "step": self.step}


@dataclass(frozen=True)
class DrawResult:
    k: str  # the drawn coefficient, a decimal string with the step's decimals, e.g. "0.0345"
    index: int  # its position in the range, 0 <= index < count
    count: int  # how many values the range has
    digest_hex: str  # the draw digest (before the counter blocks), lowercase hex


# --- the range --------------------------------------------------------------------------------


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def _units(text: str, decimals: int) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole + fraction.ljust(decimals, "0"))


def _text(units: int, decimals: int) -> str:
    if decimals == 0:
        return str(units)
    return f"{units // 10**decimals}.{units % 10**decimals:0{decimals}d}"


def _plain(value, name: str) -> str:
    if isinstance(value, Decimal) and value.is_finite():
        value = format(value, "f")
    if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
        raise DrawError(f"{name} must be a plain decimal such as 0.0005, not {value!r}.", code="not_decimal", part=name)
    return value


def make_range(low, high, step) -> KRange:
    """Check a published range of K (decimal strings, K as a fraction: "0.02", "0.05", "0.0005")
    and return it in canonical form. Raise DrawError if the step is not positive, low > high,
    high >= 1, low or high has more decimals than the step, or high - low is not a whole number
    of steps."""
    low, high, step = _plain(low, "low"), _plain(high, "high"), _plain(step, "step")
    decimals = _decimals(step)
    if _units(step, decimals) <= 0:
        raise DrawError("The step must be greater than zero.", code="step_zero", part="step")
    for name, text in (("low", low), ("high", high)):
        if _decimals(text) > decimals:
            raise DrawError(f"{name} {text} has more decimals than the step {step}.", code="more_decimals", part=name)
    lo, hi, st = _units(low, decimals), _units(high, decimals), _units(step, decimals)
    if lo > hi:
        raise DrawError(f"low {low} is greater than high {high}.", code="low_above_high", part="high")
    if hi >= 10**decimals:
        raise DrawError(f"K is a fraction below 1; high {high} is not.", code="not_below_one", part="high")
    if (hi - lo) % st:
        raise DrawError(f"high - low ({high} - {low}) is not a whole number of steps of {step}.", code="not_whole_steps",
                        part="step")
    return KRange(_text(lo, decimals), _text(hi, decimals), _text(st, decimals), decimals, (hi - lo) // st + 1)


# --- seed, commitment, contributions ------------------------------------------------------------


def new_seed() -> bytes:
    """The server's secret seed: 32 bytes from the operating system's CSPRNG."""
    return secrets.token_bytes(SEED_SIZE)


def _field(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _fields(*parts) -> bytes:
    return b"".join(_field(p.encode("utf-8") if isinstance(p, str) else p) for p in parts)


def _check_seed(seed) -> bytes:
    if not isinstance(seed, (bytes, bytearray)) or len(seed) != SEED_SIZE:
        raise DrawError(f"The seed must be exactly {SEED_SIZE} bytes.")
    return bytes(seed)


def _check_lot(lot) -> str:
    if not isinstance(lot, str) or not lot:
        raise DrawError("The lot identifier must be a non-empty string.")
    return lot


def commitment(seed: bytes, *, lot: str, rng: KRange) -> str:
    """The commitment published before the opening: SHA-256 over the tag, the lot, the range
    and the seed, as lowercase hex. It binds the seed to this lot and this range."""
    data = _fields(COMMIT_TAG, _check_lot(lot), rng.low, rng.high, rng.step, _check_seed(seed))
    return hashlib.sha256(data).hexdigest()


def verify_commitment(seed: bytes, commitment_hex: str, *, lot: str, rng: KRange) -> bool:
    """True if the revealed seed matches the commitment published for this lot and range."""
    try:
        expected = commitment(seed, lot=lot, rng=rng)
    except DrawError:
        return False
    return isinstance(commitment_hex, str) and hmac.compare_digest(expected, commitment_hex.strip().lower())


def canonical_contributions(contributions) -> list[tuple[str, str]]:
    """The contributions as (contributor id, lowercase nonce hex), sorted by contributor id
    (then nonce), so the order of arrival does not matter. Raise DrawError on an empty or
    repeated contributor id or a nonce that is not 32 bytes of hex."""
    seen, out = set(), []
    for item in contributions:
        try:
            who, nonce = item
        except (TypeError, ValueError):
            raise DrawError(f"A contribution is a (contributor id, nonce hex) pair, not {item!r}.") from None
        if not isinstance(who, str) or not who:
            raise DrawError("A contributor id must be a non-empty string.")
        if who in seen:
            raise DrawError(f"Contributor {who!r} appears more than once.")
        if not isinstance(nonce, str) or len(nonce) != 2 * NONCE_SIZE or not _HEX.fullmatch(nonce):
            raise DrawError(f"The nonce of {who!r} must be {NONCE_SIZE} bytes as {2 * NONCE_SIZE} hex digits.")
        seen.add(who)
        out.append((who, nonce.lower()))
    return sorted(out)


# --- the draw --------------------------------------------------------------------------------


def draw_digest(seed: bytes, contributions, *, lot: str, rng: KRange) -> bytes:
    parts = [DRAW_TAG, _check_lot(lot), rng.low, rng.high, rng.step, _check_seed(seed)]
    for who, nonce in canonical_contributions(contributions):
        parts += [who, bytes.fromhex(nonce)]
    return hashlib.sha256(_fields(*parts)).digest()


def uniform_index(digest: bytes, count: int) -> int:
    """A uniform index in [0, count): the first counter block SHA-256(digest || i) whose value
    is below the largest multiple of count under 2**256, reduced mod count."""
    limit = 2**256 - 2**256 % count
    for i in range(2**32):  # past block 0 only with probability below count / 2**256
        x = int.from_bytes(hashlib.sha256(digest + i.to_bytes(4, "big")).digest(), "big")
        if x < limit:
            return x % count
    raise DrawError("no counter block fell below the limit")  # unreachable in practice


def draw(seed: bytes, contributions, *, lot: str, rng: KRange) -> DrawResult:
    """Draw K from the revealed seed and every contribution (an iterable of
    (contributor id, nonce hex) pairs; empty means K depends on the seed alone)."""
    digest = draw_digest(seed, contributions, lot=lot, rng=rng)
    index = uniform_index(digest, rng.count)
    return DrawResult(k=rng.value(index), index=index, count=rng.count, digest_hex=digest.hex())


def published_inputs(seed: bytes, contributions, *, lot: str, rng: KRange) -> dict:
    """Exactly what the hall publishes after the draw, and what tools/recompute_k.py reads."""
    contributions = canonical_contributions(contributions)
    return {
        "lot": _check_lot(lot),
        "range": rng.as_dict(),
        "commitment": commitment(seed, lot=lot, rng=rng),
        "seed": _check_seed(seed).hex(),
        "contributions": [{"contributor": who, "nonce": nonce} for who, nonce in contributions],
        "k": draw(seed, contributions, lot=lot, rng=rng).k,
    }
