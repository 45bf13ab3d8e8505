"""Bech32 (BIP-173), as age uses it for keys: "age1…" recipients, "AGE-SECRET-KEY-1…" identities.

age drops BIP-173's 90-character limit (longer key types exist), so `decode` has none unless
asked; `max_length=90` gives the BIP's own rules, which the tests check against its vectors.
Only the plain bech32 checksum is here (not bech32m): age uses that one.
"""

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


class Bech32Error(ValueError):
    pass


def _polymod(values) -> int:
    chk = 1
    for value in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ value
        for i, gen in enumerate(_GENERATOR):
            if (top >> i) & 1:
                chk ^= gen
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def _convert_bits(data, from_bits: int, to_bits: int, *, pad: bool) -> list[int]:
    acc = bits = 0
    out = []
    maxv = (1 << to_bits) - 1
    for value in data:
        acc = (acc << from_bits) | value
        bits += from_bits
        while bits >= to_bits:
            bits -= to_bits
            out.append((acc >> bits) & maxv)
    if pad:
        if bits:
            out.append((acc << (to_bits - bits)) & maxv)
    elif bits >= from_bits or (acc << (to_bits - bits)) & maxv:
        # Decoding 5-bit groups to bytes: at most 4 bits of padding, and they must be zero.
        raise Bech32Error("invalid padding in the data part")
    return out


def encode(hrp: str, data: bytes, *, upper: bool = False) -> str:
    hrp = hrp.lower()
    if not hrp or any(ord(c) < 33 or ord(c) > 126 for c in hrp):
        raise Bech32Error("the human-readable part must be 1 or more characters from ! to ~")
    values = _convert_bits(data, 8, 5, pad=True)
    polymod = _polymod(_hrp_expand(hrp) + values + [0] * 6) ^ 1
    checksum = [(polymod >> 5 * (5 - i)) & 31 for i in range(6)]
    text = hrp + "1" + "".join(CHARSET[v] for v in values + checksum)
    return text.upper() if upper else text


def decode(text: str, *, max_length: int | None = None) -> tuple[str, bytes]:
    """Return (human-readable part in lower case, data bytes); raise Bech32Error if invalid."""
    if any(ord(c) < 33 or ord(c) > 126 for c in text):
        raise Bech32Error("character out of range")
    if text.lower() != text and text.upper() != text:
        raise Bech32Error("mixed upper and lower case")
    if max_length is not None and len(text) > max_length:
        raise Bech32Error(f"longer than {max_length} characters")
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1:
        raise Bech32Error("no separator, or an empty human-readable part")
    if pos + 7 > len(text):
        raise Bech32Error("checksum too short")
    hrp, rest = text[:pos], text[pos + 1 :]
    if any(c not in CHARSET for c in rest):
        raise Bech32Error("invalid data character")
    values = [CHARSET.index(c) for c in rest]
    if _polymod(_hrp_expand(hrp) + values) != 1:
        raise Bech32Error("invalid checksum")
    return hrp, bytes(_convert_bits(values[:-6], 5, 8, pad=False))
