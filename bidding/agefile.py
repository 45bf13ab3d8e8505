"""Sealed bids on the server: the age v1 format (C2SP age specification), streaming.

A sealed bid file is a standard age file. This module opens one with an X25519 identity (the
bidder's identity for the tender, or the opening identity rebuilt from the custodians'
shares), or with the bid's 16-byte file key where that is what the bidder handed in, and
checks everything the format authenticates: every header MAC and every payload tag. It is
written on `cryptography` and checked against the published C2SP/CCTV age test vectors and
against pyrage and the `age` command-line tool (tests/bidding/test_agefile.py). The parser
is as strict as the reference implementation, where pyrage is more lenient.

    header = parse_header(stream)                  # syntax only; also at upload:
    check_header_start(first_bytes)                # refuse a non-age file as its header arrives
    check_framing(size_after_header)               # a whole payload? (no key needed)
    file_key = unwrap_file_key(header, identities) # X25519 unwrap + header MAC
    decrypt_to_path(src_path, dst_path, identities=[...])   # or file_key=...

Plaintext is written only after its chunks' tags verified: a file on disk a block of chunks at
a time, decrypted on two threads; any other stream chunk by chunk. A file altered
anywhere fails with an AgeError that names the file and what failed, but chunks before the
damage may already be written: never present `decrypt`'s output as the bid unless it returned.
`decrypt_to_path` does that for you: it writes beside the destination under a temporary name
and renames only on success, deleting the temporary file on any error.

Nothing here imports Django.
"""

import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .age.errors import (
    AgeError,
    ChunkTagError,
    EmptyFinalChunk,
    HeaderError,
    HeaderMACError,
    InvalidKeyError,
    NoIdentityMatch,
    NotAgeFile,
    PayloadError,
    StanzaError,
    TrailingData,
    TruncatedHeader,
    TruncatedPayload,
)
from .age.header import Header, Stanza, check_header_start, encode_header, looks_like_age, parse_header, verify_mac
from .age.stream import NONCE_SIZE, check_framing, decrypt_payload, encrypt_payload, read_full
from .age.x25519 import FILE_KEY_SIZE, X25519Identity, X25519Recipient, parse_identities, parse_recipients

__all__ = [
    "AgeError", "ChunkTagError", "EmptyFinalChunk", "HeaderError", "HeaderMACError", "InvalidKeyError",
    "NoIdentityMatch", "NotAgeFile", "PayloadError", "StanzaError", "TrailingData", "TruncatedHeader",
    "TruncatedPayload",
    "Header", "Stanza", "X25519Identity", "X25519Recipient", "Decrypted",
    "parse_header", "check_header_start", "looks_like_age", "check_framing",
    "generate_identity", "parse_identities", "parse_recipients",
    "unwrap_file_key", "file_key_for", "verify_file_key",
    "decrypt", "decrypt_to_path", "decrypt_bytes", "encrypt", "encrypt_bytes",
]


@dataclass(frozen=True)
class Decrypted:
    """What a successful decryption wrote. No digest of the plaintext: it is fixed by the
    ciphertext, whose SHA-256 is on the receipt, and the key, which the header MAC and every
    chunk's tag check; hashing it again would halve the decryption's speed (SHA-256 runs at
    about half of ChaCha20-Poly1305's on the project's machine: bench/bench_upload.py)."""

    size: int


def generate_identity() -> X25519Identity:
    """A fresh X25519 identity; `str(identity)` is AGE-SECRET-KEY-1…, `str(identity.recipient)` age1…"""
    return X25519Identity.generate()


def _name_of(obj, name: str | None) -> str:
    if name:
        return name
    given = getattr(obj, "name", None)
    return os.path.basename(given) if isinstance(given, str) and given else "the age file"


def _file_key(file_key) -> bytes:
    if isinstance(file_key, str):
        text = file_key.strip()
        try:
            file_key = bytes.fromhex(text)
        except ValueError as err:
            raise InvalidKeyError("a file key is 16 bytes, written as 32 hexadecimal digits.") from err
    if not isinstance(file_key, (bytes, bytearray, memoryview)) or len(file_key) != FILE_KEY_SIZE:
        raise InvalidKeyError("a file key is 16 bytes, written as 32 hexadecimal digits.")
    return bytes(file_key)


def unwrap_file_key(header: Header, identities, *, name: str | None = None) -> bytes:
    """The file key, from the first X25519 stanza that one of `identities` opens; the header
    MAC is verified with it before it is returned.

    `identities`: X25519Identity objects, AGE-SECRET-KEY-1… strings or identity-file text.
    Raises NoIdentityMatch, StanzaError (a malformed X25519 stanza), HeaderError or
    HeaderMACError."""
    parsed = parse_identities(identities)
    if not parsed:
        raise InvalidKeyError("no identity was given.", name=name)
    # The spec: an scrypt (passphrase) stanza must be the only one. Sealed bids never use one.
    if len(header.stanzas) > 1 and any(s.type == "scrypt" for s in header.stanzas):
        raise HeaderError("an scrypt stanza must be the only recipient stanza.", name=name)
    for identity in parsed:  # identities outer, stanzas inner: the reference order
        for index, stanza in enumerate(header.stanzas, start=1):
            file_key = identity.unwrap(stanza, index=index, name=name)
            if file_key is not None:
                verify_mac(header, file_key, name=name)
                return file_key
    types = ", ".join(s.type for s in header.stanzas) or "none"
    who = "the identity handed in does not" if len(parsed) == 1 else f"none of the {len(parsed)} identities handed in"
    raise NoIdentityMatch(f"{who} open this file (its recipient stanzas: {types}).", name=name)


def verify_file_key(header: Header, file_key, *, name: str | None = None) -> bytes:
    """Check a file key handed in against the header MAC; return it as 16 bytes."""
    key = _file_key(file_key)
    verify_mac(header, key, name=name,
               detail="the header MAC does not verify with the file key handed in: the key is "
                      "not this file's, or the header was altered after sealing.")
    return key


def file_key_for(source, identities, *, name: str | None = None) -> bytes:
    """The 16-byte file key of an age file, checked against its header MAC.

    `source` is a parsed Header, the file's bytes (at least its header), a path, or a binary
    stream positioned at the start of the file."""
    if isinstance(source, Header):
        header = source
    elif isinstance(source, (bytes, bytearray, memoryview)):
        header = parse_header(io.BytesIO(bytes(source)), name=name)
    elif isinstance(source, (str, os.PathLike)):
        name = name or os.path.basename(os.fspath(source))
        with open(source, "rb") as fh:
            header = parse_header(fh, name=name)
    else:
        name = _name_of(source, name)
        header = parse_header(source, name=name)
    return unwrap_file_key(header, identities, name=name)


def decrypt(src, dst, *, identities=None, file_key=None, name: str | None = None) -> Decrypted:
    """Decrypt the age file read from binary stream `src` into binary stream `dst`.

    Give `identities` (see unwrap_file_key) or `file_key` (16 bytes, or 32 hex digits). Memory
    stays constant whatever the size. On any failure an AgeError naming `name` (default: the
    stream's file name) says what failed; `dst` may then hold authentic leading chunks and must
    be discarded — use decrypt_to_path to have that done."""
    if (identities is None) == (file_key is None):
        raise TypeError("give identities or file_key, one of the two")
    name = _name_of(src, name)
    header = parse_header(src, name=name)
    if file_key is not None:
        key = verify_file_key(header, file_key, name=name)
    else:
        key = unwrap_file_key(header, identities, name=name)
    nonce = read_full(src, NONCE_SIZE)
    if len(nonce) < NONCE_SIZE:
        raise TruncatedHeader(f"truncated: the file ends inside the {NONCE_SIZE}-byte payload nonce "
                              "that follows the header.", name=name)
    size = decrypt_payload(src, dst.write, key, nonce, offset=header.size + NONCE_SIZE, name=name)
    return Decrypted(size=size)


def decrypt_to_path(src_path, dst_path, *, identities=None, file_key=None, name: str | None = None) -> Decrypted:
    """Decrypt the file at `src_path` to `dst_path`, which appears only if everything verified.

    The plaintext goes to a temporary file in the destination's folder, is flushed to disk,
    and is renamed over `dst_path` on success; on any error it is deleted and `dst_path` is
    left as it was."""
    dst_path = Path(dst_path)
    name = name or Path(src_path).name
    fd, tmp = tempfile.mkstemp(dir=dst_path.parent, prefix=f".{dst_path.name}.", suffix=".part")
    try:
        with open(fd, "wb") as out, open(src_path, "rb") as src:
            result = decrypt(src, out, identities=identities, file_key=file_key, name=name)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dst_path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return result


def decrypt_bytes(data: bytes, *, identities=None, file_key=None, name: str | None = None) -> bytes:
    """A small age file (an opening form) decrypted in memory; nothing is returned on error."""
    out = io.BytesIO()
    decrypt(io.BytesIO(data), out, identities=identities, file_key=file_key, name=name or "the age file")
    return out.getvalue()


def encrypt(src, dst, recipients) -> int:
    """Seal binary stream `src` into `dst` as an age file to `recipients` (X25519Recipient
    objects or age1… strings), streaming; return the plaintext size. Used by the tests and
    the command-line sealer; bidders seal in the browser."""
    parsed = parse_recipients(recipients)
    if not parsed:
        raise InvalidKeyError("no recipient was given.")
    file_key = os.urandom(FILE_KEY_SIZE)
    dst.write(encode_header([r.wrap(file_key) for r in parsed], file_key))
    nonce = os.urandom(NONCE_SIZE)
    dst.write(nonce)
    return encrypt_payload(src, dst.write, file_key, nonce)


def encrypt_bytes(data: bytes, recipients) -> bytes:
    out = io.BytesIO()
    encrypt(io.BytesIO(data), out, recipients)
    return out.getvalue()
