"""Benchmark: what starting write-back early does for an upload's per-chunk fsync.

    .venv/bin/python bench/bench_writeback.py [--size-mb 1024] [--chunk-mb 8,32] [--dir /tmp]

Writes `--size-mb` of random 1 MiB blocks to a throwaway file in `--dir`, three ways: one fsync
at the end (the machine's write + fsync limit, as bench_upload.py measures it); an fsync after
every chunk (what the tus upload must do: a confirmed chunk is on disk); and the same with
posix_fadvise(DONTNEED) after every block, which starts the block's write-back at once
(bidding.storage._Writeback). Each way runs twice, interleaved, as this disk's speed drifts.
MB is 10^6 bytes.
"""

import argparse
import os
import tempfile
import time

MiB = 1024 * 1024


def write(path: str, size: int, chunk: int | None, start_writeback: bool) -> float:
    block = os.urandom(MiB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start, position = time.perf_counter(), 0
        while position < size:
            os.write(fd, block)
            if start_writeback:
                os.posix_fadvise(fd, position, MiB, os.POSIX_FADV_DONTNEED)
            position += MiB
            if chunk and position % chunk == 0:
                os.fsync(fd)
        os.fsync(fd)
        return size / (time.perf_counter() - start)
    finally:
        os.close(fd)
        os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--chunk-mb", default="8,32")
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()
    size, path = args.size_mb * MiB, os.path.join(args.dir, f"kaibiao-writeback-{os.getpid()}.bin")
    ways = [("one fsync at the end", None, False)]
    for mb in (int(c) for c in args.chunk_mb.split(",")):
        ways += [(f"fsync every {mb} MiB", mb * MiB, False), (f"fsync every {mb} MiB + early write-back", mb * MiB, True)]
    rates = {name: [] for name, _, _ in ways}
    for _ in range(2):
        for name, chunk, early in ways:
            rates[name].append(write(path, size, chunk, early))
    print(f"{args.size_mb} MiB in 1 MiB blocks, in {args.dir}        MB/s (two runs)")
    for name, values in rates.items():
        print(f"  {name:42s} " + "  ".join(f"{v / 1e6:6.0f}" for v in values))


if __name__ == "__main__":
    main()
