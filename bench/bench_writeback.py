"""Benchmark: how an upload's chunks reach the disk, each chunk fsynced (a confirmed chunk is on disk).

    .venv/bin/python bench/bench_writeback.py [--size-mb 1024] [--chunk-mb 8,32] [--dir /tmp]

Writes `--size-mb` of random 1 MiB pieces to a throwaway file in `--dir`, fsyncing after every
chunk, three ways: through the page cache; through the page cache with posix_fadvise(DONTNEED)
after every piece (write-back starts at once; what the upload did before); and with the
upload's own bidding.storage.Appender (O_DIRECT from two aligned buffers, each written on a
thread while the other fills). Each way runs twice, interleaved, as this disk's speed drifts;
MB/s and the process's CPU seconds (the server's cost) are printed. MB is 10^6 bytes.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bidding.storage import Appender  # noqa: E402  (needs no Django settings)

MiB = 1024 * 1024


def write(path: str, size: int, chunk: int, way: str) -> tuple[float, float]:
    piece = os.urandom(MiB)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start, cpu, position = time.perf_counter(), time.process_time(), 0
        while position < size:
            appender = Appender(fd, position, path) if way == "appender" else None
            for _ in range(chunk // MiB):
                if appender is not None:
                    appender.write(piece)
                else:
                    os.pwrite(fd, piece, position)
                    if way == "early":
                        os.posix_fadvise(fd, position, MiB, os.POSIX_FADV_DONTNEED)
                position += MiB
            if appender is not None:
                appender.commit()
            else:
                os.fsync(fd)
        return size / (time.perf_counter() - start), time.process_time() - cpu
    finally:
        os.close(fd)
        os.unlink(path)


WAYS = {"page cache": "cache", "page cache + early write-back": "early", "storage.Appender (O_DIRECT)": "appender"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", default="8,32")
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    size, path = args.size_mb * MiB, os.path.join(args.dir, f"kaibiao-writeback-{os.getpid()}.bin")
    print(f"{args.size_mb} MiB in 1 MiB pieces, fsync after every chunk, in {args.dir}: MB/s (CPU s), two runs")
    for mb in (int(c) for c in args.chunk_mb.split(",")):
        results = {name: [] for name in WAYS}
        for _ in range(2):
            for name, way in WAYS.items():
                results[name].append(write(path, size, mb * MiB, way))
        for name, values in results.items():
            print(f"  {mb:>2} MiB chunks, {name:32s} " + "  ".join(f"{r / 1e6:6.0f} ({cpu:4.2f})" for r, cpu in values))


if __name__ == "__main__":
    main()
