"""Where sealed files live, and how they are written and read.

Every stored file, sealed or opened, of every tender, has a random name in one fan-out of
folders shared by the whole platform (new_name): a listing of the storage root, by an operator
or in a backup, names no tender, lot, bidder or version, and cannot tell which files belong
together, so it cannot count a lot's bids before the deadline. What a file is, only the
database says (SealedFile.storage_name). Files are written by streaming chunks with an
exclusive lock and fsync, and served only through services."""

import errno
import fcntl
import hashlib
import mmap
import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

READ_SIZE = 1024 * 1024


def root() -> Path:
    return Path(settings.KAIBIAO_SEALED_ROOT)


def new_name() -> str:
    """A fresh storage name: 128 random bits in hex, under a folder named by its first two
    digits (256 folders, so that none grows too large). Nothing in it says what the file is."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}"


def path_of(storage_name: str) -> Path:
    path = (root() / storage_name).resolve()
    if root().resolve() not in path.parents:
        raise ValueError("storage name escapes the sealed root")
    return path


@contextmanager
def locked_for_append(storage_name: str, offset: int):
    """An Appender for the file at `offset` (any torn tail past it truncated), under an
    exclusive lock, so two requests for the same file never interleave. The caller commits;
    if it leaves with an exception instead, the chunk is abandoned and leaves nothing behind."""
    path = path_of(storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, offset)
        appender = Appender(fd, offset, path)
        try:
            yield appender
        except BaseException:
            appender.abandon()
            raise
    finally:
        os.close(fd)  # closing releases the lock


class Appender:
    """Writes one chunk's bytes at `offset` of a file opened by locked_for_append, past the
    page cache (O_DIRECT): the bytes are copied into one of two aligned 1 MiB buffers, and
    each full buffer goes to disk on a thread of its own while the next one fills.

    Why not the page cache: on the project's 2-CPU virtual machine, perf showed the copy into
    fresh page-cache pages (copy_folio_from_iter_atomic) at 40% of the server's CPU during an
    upload, and a sealed file is not read again until the opening. Where the filesystem
    refuses O_DIRECT (or the platform has none), the same bytes go through the page cache.

        appender = Appender(fd, offset, path)
        appender.write(piece) ...          # any sizes
        appender.commit()                  # all on disk (fsync), or OSError
        appender.abandon()                 # or: nothing in flight, the file back at `offset`
    """

    BUFFER = 1024 * 1024
    ALIGN = 4096  # O_DIRECT's alignment of offsets, lengths and memory: a multiple of every block size

    def __init__(self, fd: int, offset: int, path):
        """`fd` is the file at `path`, open for writing (and locked) by locked_for_append."""
        self.fd, self.start, self.end = fd, offset, offset
        self._direct = _open_direct(path)
        self._buffers = [mmap.mmap(-1, self.BUFFER) for _ in range(2)]  # page-aligned memory
        self._current, self._pending = 0, None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kaibiao-write")
        # The buffer starts at the block boundary at or before `offset`; the head of a block
        # already on disk is read back so that the block is written whole.
        self._position = offset - offset % self.ALIGN
        self._fill = offset - self._position
        if self._fill:
            self._buffers[0][:self._fill] = os.pread(fd, self._fill, self._position)

    def write(self, data) -> None:
        data = memoryview(data)
        self.end += len(data)
        while data:
            n = min(len(data), self.BUFFER - self._fill)
            self._buffers[self._current][self._fill:self._fill + n] = data[:n]
            self._fill += n
            data = data[n:]
            if self._fill == self.BUFFER:
                self._hand_over(self.BUFFER)

    def commit(self) -> None:
        """Everything written is on disk and the file ends at the last byte written."""
        try:
            if self._fill:
                # The last block is written whole (zero padded), then the file is cut to size.
                whole = -(-self._fill // self.ALIGN) * self.ALIGN
                self._buffers[self._current][self._fill:whole] = bytes(whole - self._fill)
                self._hand_over(whole)
            self._wait()
            os.ftruncate(self.fd, self.end)
            os.fsync(self.fd)
        finally:
            self._close()

    def abandon(self) -> None:
        """Stop: no write is in flight once this returns, and the file ends where the chunk
        began (also after a commit that failed)."""
        try:
            self._wait()
        except OSError:
            pass
        finally:
            self._close()
        os.ftruncate(self.fd, self.start)

    def _hand_over(self, length: int) -> None:
        self._wait()  # at most one buffer in flight: the other one is filling
        buffer = self._buffers[self._current]
        self._pending = self._writer.submit(self._pwrite, buffer, length, self._position)
        self._position += length
        self._current, self._fill = 1 - self._current, 0

    def _pwrite(self, buffer, length: int, position: int) -> None:
        view = memoryview(buffer)[:length]
        try:
            if self._direct is not None:
                try:
                    _pwrite_all(self._direct, view, position)
                    return
                except OSError as err:
                    if err.errno != errno.EINVAL:
                        raise
                    os.close(self._direct)  # opened, yet refused: write through the page cache
                    self._direct = None
            _pwrite_all(self.fd, view, position)
        finally:
            view.release()

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def _close(self) -> None:  # once or more
        self._writer.shutdown(wait=True)
        if self._direct is not None:
            os.close(self._direct)
            self._direct = None
        for buffer in self._buffers:
            buffer.close()


def _open_direct(path) -> int | None:
    """A second descriptor of the file that bypasses the page cache, or None."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return None
    try:
        return os.open(path, os.O_WRONLY | flag)
    except OSError:
        return None


def _pwrite_all(fd: int, view, position: int) -> None:
    while view:
        n = os.pwrite(fd, view, position)
        view, position = view[n:], position + n


def read_prefix(storage_name: str, length: int) -> bytes:
    """The first `length` bytes of a stored file (fewer if it is shorter)."""
    with open(path_of(storage_name), "rb") as fh:
        return fh.read(length)


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
