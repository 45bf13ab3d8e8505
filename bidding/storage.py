"""Where sealed files live: one folder per tender, lot, bidder and version. Files are written
by streaming chunks with an exclusive lock and fsync, and served only through services."""

import fcntl
import hashlib
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

READ_SIZE = 1024 * 1024
# While a chunk streams in, a helper thread flushes what is written every FLUSH_EVERY bytes,
# so the disk works while the next blocks are hashed and the closing fsync waits only for the tail.
FLUSH_EVERY = 2 * 1024 * 1024


def root() -> Path:
    return Path(settings.KAIBIAO_SEALED_ROOT)


def path_of(storage_name: str) -> Path:
    path = (root() / storage_name).resolve()
    if root().resolve() not in path.parents:
        raise ValueError("storage name escapes the sealed root")
    return path


@contextmanager
def locked_for_append(storage_name: str, offset: int):
    """Open the file for writing at `offset` (truncating any torn tail past it) under an
    exclusive lock, so two requests for the same file never interleave."""
    path = path_of(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, offset)
        os.lseek(fd, offset, os.SEEK_SET)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


_datasync = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync


class _Flusher:
    def __init__(self, fd: int):
        self.fd, self.unflushed, self.thread, self.error = fd, 0, None, None

    def wrote(self, n: int) -> None:
        """Count `n` bytes just written; start a background fdatasync when enough have piled up
        and the previous one is done."""
        self.unflushed += n
        if self.unflushed >= FLUSH_EVERY and (self.thread is None or not self.thread.is_alive()):
            self.unflushed = 0
            self.thread = threading.Thread(target=self._flush, name="kaibiao-flush", daemon=True)
            self.thread.start()

    def _flush(self):
        try:
            _datasync(self.fd)
        except OSError as err:  # reported by sync(): a failed flush must fail the chunk
            self.error = err

    def wait(self):
        if self.thread is not None:
            self.thread.join()
            self.thread = None

    def sync(self) -> None:
        """Everything written is on disk (fsync), or OSError."""
        self.wait()
        if self.error is not None:
            raise self.error
        os.fsync(self.fd)


@contextmanager
def flushing(fd: int):
    """Write-behind for a file being appended to: call `.wrote(n)` after each write and
    `.sync()` to commit. The helper thread is always joined before the block ends, so the
    descriptor is never flushed after it was closed."""
    flusher = _Flusher(fd)
    try:
        yield flusher
    finally:
        flusher.wait()


def hash_prefix(storage_name: str, length: int):
    """A SHA-256 object over the first `length` bytes: used when a resume reaches a process
    that does not hold the running hash (a restart, another worker)."""
    digest = hashlib.sha256()
    remaining = length
    with open(path_of(storage_name), "rb") as fh:
        while remaining:
            block = fh.read(min(READ_SIZE, remaining))
            if not block:
                raise ValueError("stored file is shorter than its recorded offset")
            digest.update(block)
            remaining -= len(block)
    return digest


def remove(storage_name: str) -> None:
    try:
        path_of(storage_name).unlink()
    except FileNotFoundError:
        pass
