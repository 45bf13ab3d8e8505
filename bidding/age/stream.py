"""The age payload: a 16-byte nonce, then STREAM (ChaCha20-Poly1305 over 64 KiB chunks).

    payload key = HKDF-SHA256(ikm = file key, salt = nonce, info = "payload")
    chunk nonce = 11-byte big-endian chunk counter || 0x01 for the final chunk, else 0x00

Every chunk but the final one holds exactly 64 KiB of plaintext; the final one holds 1 to
64 KiB, or 0 if it is the only chunk (an empty file). Decryption holds at most two chunks
in memory and hands each chunk's plaintext to `write` only after its tag has verified, so a
failure can leave earlier, authentic chunks written: the caller must discard the output.
"""

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import ChunkTagError, EmptyFinalChunk, TrailingData, TruncatedPayload

NONCE_SIZE = 16
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE


def payload_key(file_key: bytes, nonce: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=nonce, info=b"payload").derive(file_key)


def _chunk_nonce(counter: int, final: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def read_full(stream, size: int) -> bytes:
    """Up to `size` bytes, fewer only at the end of the stream (short reads are retried)."""
    data = stream.read(size)
    if not data or len(data) == size:
        return data or b""
    parts = [data]
    got = len(data)
    while got < size:
        more = stream.read(size - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def decrypt_payload(src, write, file_key: bytes, nonce: bytes, *, offset: int, name: str | None = None) -> int:
    """Decrypt the STREAM chunks that follow the nonce; return the plaintext size.

    `offset` is where the first chunk starts in the file, used only to say where a failing
    chunk lies."""
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))
    counter = 0
    size = 0
    pending = read_full(src, ENCRYPTED_CHUNK_SIZE)
    while True:
        chunk = pending
        number = counter + 1  # 1-based, for people
        start = offset + counter * ENCRYPTED_CHUNK_SIZE
        where = f"payload chunk {number} (at byte {start})"
        if not chunk:
            if counter == 0:
                raise TruncatedPayload("truncated: the payload has no chunks after its nonce.", name=name)
            raise TruncatedPayload(f"truncated: the file ends after payload chunk {counter}, before "
                                   f"byte {start}, without a final chunk.", name=name)
        if len(chunk) < TAG_SIZE:
            raise TruncatedPayload(f"truncated: {where} is {len(chunk)} bytes, shorter than its "
                                   f"{TAG_SIZE}-byte tag.", name=name)
        full = len(chunk) == ENCRYPTED_CHUNK_SIZE
        pending = read_full(src, ENCRYPTED_CHUNK_SIZE) if full else b""
        more = bool(pending)

        if more:
            # Data follows, so this must be a full, non-final chunk.
            plaintext = _open(aead, counter, chunk, final=False)
            if plaintext is None:
                plaintext = _open(aead, counter, chunk, final=True)
                if plaintext is None:
                    raise _tag_error(where, number, name)
                write(plaintext)
                size += len(plaintext)
                raise TrailingData(f"trailing data: bytes follow the final chunk, {where}.", name=name)
        else:
            plaintext = _open(aead, counter, chunk, final=True)
            if plaintext is not None:
                if not plaintext and counter > 0:
                    raise EmptyFinalChunk(f"{where} is the final chunk and is empty, which only an "
                                          "empty file may have.", name=name)
                write(plaintext)
                return size + len(plaintext)
            plaintext = _open(aead, counter, chunk, final=False)
            if plaintext is None:
                raise _tag_error(where, number, name)
            if not full:
                raise TruncatedPayload(f"truncated: {where} is not marked final, yet the file ends there.",
                                       name=name)
            # A full non-final chunk at the end: authentic, but the final chunk is missing. The
            # next pass reports the truncation.
        write(plaintext)
        size += len(plaintext)
        counter += 1


def _open(aead, counter: int, chunk: bytes, *, final: bool) -> bytes | None:
    try:
        return aead.decrypt(_chunk_nonce(counter, final), chunk, None)
    except InvalidTag:
        return None


def _tag_error(where: str, number: int, name):
    return ChunkTagError(f"{where} failed authentication (Poly1305 tag): the file was altered or "
                         "is damaged.", chunk=number, name=name)


def encrypt_payload(src, write, file_key: bytes, nonce: bytes) -> int:
    """Encrypt everything `src` yields as STREAM chunks; return the plaintext size."""
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))
    counter = 0
    size = 0
    chunk = read_full(src, CHUNK_SIZE)
    while True:
        following = read_full(src, CHUNK_SIZE) if len(chunk) == CHUNK_SIZE else b""
        final = not following
        write(aead.encrypt(_chunk_nonce(counter, final), chunk, None))
        size += len(chunk)
        if final:
            return size
        chunk = following
        counter += 1
