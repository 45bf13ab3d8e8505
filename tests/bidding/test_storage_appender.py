"""bidding.storage.Appender: a chunk's bytes reach the disk past the page cache (O_DIRECT), in
aligned blocks, whatever the chunk's offset and size; and through the page cache where the
filesystem refuses O_DIRECT. The upload tests drive it through the service; these pin its edges."""

import errno
import os
import threading

import pytest

from bidding import storage
from bidding.storage import Appender

KiB = 1024
MiB = 1024 * KiB

# Chunk sizes that start and end off every block boundary, some spanning several buffers.
SIZES = [1, 4095, 4097, 3 * KiB, MiB + 3, 2 * MiB, 10, 2 * MiB + 4096, 777]


def append_chunks(path, chunks, pieces=100_003):
    """Append each chunk as the upload does (open, Appender at the current end, commit),
    handing the bytes over in uneven pieces."""
    for chunk in chunks:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            offset = os.fstat(fd).st_size
            appender = Appender(fd, offset, path)
            for at in range(0, len(chunk), pieces):
                appender.write(chunk[at:at + pieces])
            appender.commit()
        finally:
            os.close(fd)


def chunks_of(sizes):
    return [os.urandom(size) for size in sizes]


def test_chunks_at_any_offset_and_of_any_size_are_stored_byte_for_byte(tmp_path):
    path = tmp_path / "bid.age"
    chunks = chunks_of(SIZES)
    append_chunks(path, chunks)
    assert path.read_bytes() == b"".join(chunks)  # and no padding is left past the end


def test_without_o_direct_the_same_bytes_go_through_the_page_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(storage, "_open_direct", lambda path: None)
    path = tmp_path / "bid.age"
    chunks = chunks_of(SIZES)
    append_chunks(path, chunks)
    assert path.read_bytes() == b"".join(chunks)


def test_a_filesystem_that_opens_o_direct_but_refuses_its_writes_falls_back(tmp_path, monkeypatch):
    # given a descriptor whose writes fail with EINVAL, as some filesystems' O_DIRECT does
    refusing = set()
    real_open_direct, real_pwrite = storage._open_direct, os.pwrite

    def open_direct(path):
        fd = real_open_direct(path) or os.open(path, os.O_WRONLY)
        refusing.add(fd)
        return fd

    def pwrite(fd, data, position):
        if fd in refusing:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(fd, data, position)

    monkeypatch.setattr(storage, "_open_direct", open_direct)
    monkeypatch.setattr(os, "pwrite", pwrite)
    path = tmp_path / "bid.age"
    chunks = chunks_of(SIZES)
    append_chunks(path, chunks)
    assert path.read_bytes() == b"".join(chunks)


def test_another_write_error_is_not_hidden(tmp_path, monkeypatch):
    def full_disk(fd, data, position):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full_disk)
    path = tmp_path / "bid.age"
    with pytest.raises(OSError) as caught:
        append_chunks(path, [os.urandom(3 * MiB)])
    assert caught.value.errno == errno.ENOSPC


def test_an_abandoned_chunk_leaves_no_write_in_flight_and_no_thread(tmp_path):
    path = tmp_path / "bid.age"
    first = os.urandom(5000)
    append_chunks(path, [first])
    threads = threading.active_count()
    fd = os.open(path, os.O_RDWR)
    try:
        appender = Appender(fd, len(first), path)
        appender.write(os.urandom(3 * MiB + 17))  # three buffers handed over, one filling
        appender.abandon()
    finally:
        os.close(fd)
    assert path.read_bytes() == first
    assert threading.active_count() == threads
