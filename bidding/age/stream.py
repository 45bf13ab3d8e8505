"""The age payload: a 16-byte nonce, then STREAM (ChaCha20-Poly1305 over 64 KiB chunks).

    payload key = HKDF-SHA256(ikm = file key, salt = nonce, info = "payload")
    chunk nonce = 11-byte big-endian chunk counter || 0x01 for the final chunk, else 0x00

Every chunk but the final one holds exactly 64 KiB of plaintext; the final one holds 1 to
64 KiB, or 0 if it is the only chunk (an empty file). Decryption hands plaintext to `write`
only after its tags have verified, so a failure can leave earlier, authentic chunks written:
the caller must discard the output. Memory stays constant whatever the file's size: two
chunks for a stream, two blocks of chunks per thread for a file on disk.
"""

import os
import stat
import threading
from contextlib import contextmanager

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import ChunkTagError, EmptyFinalChunk, TrailingData, TruncatedPayload

NONCE_SIZE = 16
CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
ENCRYPTED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE


def check_framing(size: int, *, name: str | None = None) -> None:
    """Check that `size` bytes after the header can be a whole payload: the nonce, then whole
    STREAM chunks, each but the final one of exactly ENCRYPTED_CHUNK_SIZE bytes, the final one
    of TAG_SIZE + 1 to ENCRYPTED_CHUNK_SIZE bytes (TAG_SIZE only if it is the only chunk).

    Without the key this is all that can be known: a file cut at a chunk boundary, or where
    the rest is a legal final chunk, passes (its final chunk's flag and tag would fail)."""
    if size < NONCE_SIZE:
        raise TruncatedPayload(f"truncated: the file ends inside the {NONCE_SIZE}-byte payload nonce "
                               "that follows the header.", name=name)
    body = size - NONCE_SIZE
    if body == 0:
        raise TruncatedPayload("truncated: the payload has no chunk after its nonce.", name=name)
    final = body % ENCRYPTED_CHUNK_SIZE or ENCRYPTED_CHUNK_SIZE
    if final < TAG_SIZE:
        raise TruncatedPayload(f"truncated: the final chunk has {final} bytes, fewer than its "
                               f"{TAG_SIZE}-byte tag.", name=name)
    if final == TAG_SIZE and body > TAG_SIZE:
        raise EmptyFinalChunk("the final chunk is empty though earlier chunks exist.", name=name)


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
    chunk lies. A file on disk is decrypted on two threads (decrypt_file_payload); any other
    stream chunk by chunk, as it reads."""
    fileno = _regular_file(src)
    if fileno is None:
        return _decrypt_stream(src, write, file_key, nonce, offset=offset, name=name)
    start = src.tell()  # the first chunk: the stream has read the header and the nonce
    try:
        return decrypt_file_payload(fileno, start, write, file_key, nonce, offset=offset, name=name)
    finally:
        src.seek(0, os.SEEK_END)  # as if it had been read to its end


def _regular_file(src) -> int | None:
    try:
        fileno = src.fileno()
        return fileno if stat.S_ISREG(os.fstat(fileno).st_mode) and src.seekable() else None
    except (AttributeError, OSError, ValueError):
        return None


def _decrypt_stream(src, write, file_key: bytes, nonce: bytes, *, offset: int, name: str | None = None) -> int:
    """A stream of unknown length, chunk by chunk: a chunk is known to be the final one only
    once the next read finds nothing after it."""
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))
    counter = 0
    size = 0
    pending = read_full(src, ENCRYPTED_CHUNK_SIZE)
    while True:
        chunk = pending
        if not chunk:
            raise _no_final_chunk(counter, offset, name)
        full = len(chunk) == ENCRYPTED_CHUNK_SIZE
        pending = read_full(src, ENCRYPTED_CHUNK_SIZE) if full else b""
        more = bool(pending)

        if more:
            # Data follows, so this must be a full, non-final chunk.
            plaintext = _open(aead, counter, chunk, final=False)
            if plaintext is None:
                raise _refused_before_more(aead, counter, chunk, write, offset, name)
        else:
            plaintext, final = _open_last(aead, counter, chunk, offset, name)
            if final:
                write(plaintext)
                return size + len(plaintext)
            # A full non-final chunk at the end: authentic, but the final chunk is missing. The
            # next pass reports the truncation.
        write(plaintext)
        size += len(plaintext)
        counter += 1


BLOCK_CHUNKS = 16  # a file is read, decrypted and written 16 chunks (1 MiB) at a time
THREADS = 2


def decrypt_file_payload(fd: int, start: int, write, file_key: bytes, nonce: bytes, *, offset: int,
                         name: str | None = None) -> int:
    """Decrypt the chunks of the file open at `fd` from byte `start` to its end; return the
    plaintext size. `write` gets the plaintext in order, a block at a time, from whichever
    thread decrypted it, as a view of a buffer that is reused once `write` returns.

    The file's size says which chunk is the final one, so the blocks are independent: THREADS
    threads each read (pread), decrypt and write every THREADS-th block, taking turns only to
    write. `cryptography` and the reads let go of the GIL, so the threads use the machine's
    cores. bench/bench_upload.py: one thread, chunk by chunk, reached 2,085-2,176 MB/s against
    a decryption limit of 3,199."""
    aead = ChaCha20Poly1305(payload_key(file_key, nonce))
    length = os.fstat(fd).st_size - start
    if length <= 0:
        raise _no_final_chunk(0, offset, name)
    last = (length - 1) // ENCRYPTED_CHUNK_SIZE  # the index of the stream's last chunk
    blocks = -(-last // BLOCK_CHUNKS)  # the blocks of chunks before it, each full and not final
    turn = _Turns()

    def work(first_block: int) -> None:
        ciphertext = memoryview(bytearray(BLOCK_CHUNKS * ENCRYPTED_CHUNK_SIZE))
        plaintext = memoryview(bytearray(BLOCK_CHUNKS * CHUNK_SIZE))
        for block in range(first_block, blocks, THREADS):
            if turn.stopped:
                return
            first = block * BLOCK_CHUNKS
            count = min(BLOCK_CHUNKS, last - first)
            data = ciphertext[:count * ENCRYPTED_CHUNK_SIZE]
            if os.preadv(fd, [data], start + first * ENCRYPTED_CHUNK_SIZE) != len(data):
                raise OSError("the file changed size while it was decrypted")
            failed = _decrypt_run(aead, data, plaintext, first, count)
            with turn.taken(block):
                if failed is None:
                    write(plaintext[:count * CHUNK_SIZE])
                    continue
                # Chunks before the failing one are authentic and go out, as from a stream.
                write(plaintext[:failed * CHUNK_SIZE])
                chunk = data[failed * ENCRYPTED_CHUNK_SIZE:(failed + 1) * ENCRYPTED_CHUNK_SIZE]
                raise _refused_before_more(aead, first + failed, chunk, write, offset, name)

    helpers = [threading.Thread(target=turn.run, args=(work, k), name=f"age-decrypt-{k}", daemon=True)
               for k in range(1, min(THREADS, blocks))]
    for helper in helpers:
        helper.start()
    turn.run(work, 0)
    for helper in helpers:
        helper.join()
    turn.raise_first()

    # The last chunk: final, or the file is cut short.
    chunk = os.pread(fd, ENCRYPTED_CHUNK_SIZE, start + last * ENCRYPTED_CHUNK_SIZE)
    plaintext, final = _open_last(aead, last, chunk, offset, name)
    write(plaintext)
    if final:
        return last * CHUNK_SIZE + len(plaintext)
    raise _no_final_chunk(last + 1, offset, name)


def _open_last(aead, counter: int, chunk, offset: int, name) -> tuple[bytes, bool]:
    """The plaintext of the last chunk read, and whether it is the final chunk; if it is not,
    it is a full, authentic chunk after which the stream was cut. Anything else is an error."""
    where = _where(counter, offset)
    if len(chunk) < TAG_SIZE:
        raise TruncatedPayload(f"truncated: {where} is {len(chunk)} bytes, shorter than its "
                               f"{TAG_SIZE}-byte tag.", name=name)
    plaintext = _open(aead, counter, chunk, final=True)
    if plaintext is not None:
        if not plaintext and counter > 0:
            raise EmptyFinalChunk(f"{where} is the final chunk and is empty, which only an "
                                  "empty file may have.", name=name)
        return plaintext, True
    plaintext = _open(aead, counter, chunk, final=False)
    if plaintext is None:
        raise _tag_error(where, counter + 1, name)
    if len(chunk) < ENCRYPTED_CHUNK_SIZE:
        raise TruncatedPayload(f"truncated: {where} is not marked final, yet the file ends there.", name=name)
    return plaintext, False


def _refused_before_more(aead, counter: int, chunk, write, offset: int, name):
    """The error for a chunk that data follows and that does not open as a non-final chunk:
    trailing data if it opens as the final one (its plaintext is written, as a stream's
    would be), else a failed tag."""
    where = _where(counter, offset)
    plaintext = _open(aead, counter, chunk, final=True)
    if plaintext is None:
        return _tag_error(where, counter + 1, name)
    write(plaintext)
    return TrailingData(f"trailing data: bytes follow the final chunk, {where}.", name=name)


def _no_final_chunk(chunks: int, offset: int, name):
    """The stream ends after `chunks` authentic, non-final chunks."""
    if chunks == 0:
        return TruncatedPayload("truncated: the payload has no chunks after its nonce.", name=name)
    return TruncatedPayload(f"truncated: the file ends after payload chunk {chunks}, before "
                            f"byte {offset + chunks * ENCRYPTED_CHUNK_SIZE}, without a final chunk.", name=name)


def _decrypt_run(aead, data, plaintext, first: int, count: int) -> int | None:
    """Decrypt `count` full, non-final chunks (the first being chunk number `first`) from
    `data` into `plaintext`; return the index of the first that does not verify, or None."""
    decrypt_into = aead.decrypt_into
    for index in range(count):  # the hot loop: nothing but the decryption
        try:
            decrypt_into(_chunk_nonce(first + index, False),
                         data[index * ENCRYPTED_CHUNK_SIZE:(index + 1) * ENCRYPTED_CHUNK_SIZE], None,
                         plaintext[index * CHUNK_SIZE:(index + 1) * CHUNK_SIZE])
        except InvalidTag:
            return index
    return None


class _Turns:
    """Blocks are written in order: block n waits until block n-1 is written. The first error
    (in block order, since a block's error is raised in its turn) stops every thread."""

    def __init__(self):
        self._next = 0
        self._changed = threading.Condition()
        self._error: BaseException | None = None

    @property
    def stopped(self) -> bool:
        return self._error is not None

    @contextmanager
    def taken(self, block: int):
        with self._changed:
            self._changed.wait_for(lambda: self._next == block or self._error is not None)
            if self._error is not None:
                raise _Stopped()
        try:
            yield
        except BaseException as err:
            self._fail(err)  # before the next block may take its turn
            raise
        finally:
            with self._changed:
                self._next += 1
                self._changed.notify_all()

    def run(self, work, first_block: int) -> None:
        try:
            work(first_block)
        except _Stopped:
            pass
        except BaseException as err:
            self._fail(err)

    def _fail(self, err: BaseException) -> None:
        with self._changed:
            if self._error is None:
                self._error = err
            self._changed.notify_all()

    def raise_first(self) -> None:
        if self._error is not None:
            raise self._error


class _Stopped(Exception):
    """Another thread failed first; this one leaves without writing."""


def _where(counter: int, offset: int) -> str:
    return f"payload chunk {counter + 1} (at byte {offset + counter * ENCRYPTED_CHUNK_SIZE})"


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
