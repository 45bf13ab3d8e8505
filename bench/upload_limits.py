"""The upload benchmark's yardstick: what this machine's disk, ChaCha20 and SHA-256 can do.

For bench/bench_upload.py: write + fsync (buffered and O_DIRECT), read (cached and not),
ChaCha20-Poly1305 decryption (one and two threads) and SHA-256, over the same number of bytes
as the upload; and the filesystem the files are on."""

import hashlib
import mmap
import os
import threading
import time
from pathlib import Path

KiB, MiB = 1024, 1024 * 1024


# --- the machine's own limits ------------------------------------------------------------------


TWO_THREADS = "ChaCha20-Poly1305 decrypt, 2 threads"
READ_FROM_DISK = "read, not cached (reference)"
WRITE_DIRECT = "write + fsync, O_DIRECT"


def read_uncached(fh, buf) -> float:
    """Seconds to read the whole file after dropping it from the page cache."""
    os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    fh.seek(0)
    start = time.perf_counter()
    while fh.readinto(buf):
        pass
    return time.perf_counter() - start


def machine_limits(folder: Path, size: int) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    out = {}
    block = os.urandom(8 * MiB)
    path = folder / "limits.bin"

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    start, left = time.perf_counter(), size
    while left:
        left -= os.write(fd, memoryview(block)[:min(left, len(block))])
    os.fsync(fd)
    out["write + fsync"] = size / (time.perf_counter() - start)
    os.close(fd)

    buf = bytearray(1 * MiB)
    with open(path, "rb", buffering=0) as fh:
        start, got = time.perf_counter(), 0
        while n := fh.readinto(buf):
            got += n
        out["read"] = got / (time.perf_counter() - start)
        out[READ_FROM_DISK] = size / read_uncached(fh, buf)
    path.unlink()

    direct = getattr(os, "O_DIRECT", 0)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | direct, 0o600)
        aligned = mmap.mmap(-1, len(block))
        aligned[:] = block
        start, left = time.perf_counter(), size
        while left:
            left -= os.write(fd, memoryview(aligned)[:min(left, len(block))])
        os.fsync(fd)
        out[WRITE_DIRECT] = size / (time.perf_counter() - start)
        os.close(fd)
    except OSError:
        pass  # no O_DIRECT on this filesystem
    path.unlink(missing_ok=True)

    aead = ChaCha20Poly1305(os.urandom(32))
    chunks = [(counter.to_bytes(11, "big") + b"\x00", aead.encrypt(counter.to_bytes(11, "big") + b"\x00", block[counter * 64 * KiB:(counter + 1) * 64 * KiB], None))
              for counter in range(16)]
    count = size // (64 * KiB)
    start = time.perf_counter()
    for i in range(count):
        nonce, sealed = chunks[i % 16]
        aead.decrypt(nonce, sealed, None)
    out["ChaCha20-Poly1305 decrypt"] = count * 64 * KiB / (time.perf_counter() - start)

    def decrypt_share(first: int):
        for i in range(first, count, 2):
            nonce, sealed = chunks[i % 16]
            aead.decrypt(nonce, sealed, None)

    threads = [threading.Thread(target=decrypt_share, args=(k,)) for k in range(2)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out[TWO_THREADS] = count * 64 * KiB / (time.perf_counter() - start)

    digest, view = hashlib.sha256(), memoryview(block)
    start = time.perf_counter()
    for i in range(size // MiB):
        digest.update(view[(i % 8) * MiB:(i % 8 + 1) * MiB])
    out["SHA-256"] = size / (time.perf_counter() - start)
    return out


def filesystem_of(path: Path) -> str:
    best = ("?", "")
    with open("/proc/mounts") as fh:
        for line in fh:
            device, mount, kind = line.split()[:3]
            if str(path).startswith(mount.rstrip("/") + "/") and len(mount) >= len(best[1]):
                best = (f"{kind} on {device}", mount)
    return best[0]
