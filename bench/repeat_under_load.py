"""Runs the whole test suite several times in a row beside busy processes and counts the passes.

A suite that passes on a quiet machine and fails on a busy one fails in CI on the day CI is
busy (issue 15: a streaming test failed in a fresh clone while other work ran). This script
keeps `--busy` processes spinning on the CPU (pure Python loops, one core each) while it runs
`--command` (default `make test`) `--runs` times, and prints each run's exit status, time and
the pytest summary lines, then the count of runs that passed.

    .venv/bin/python bench/repeat_under_load.py --runs 5 --busy 1
"""

import argparse
import multiprocessing
import re
import subprocess
import sys
import time


def spin() -> None:
    while True:
        pass


def summary_lines(output: str) -> list[str]:
    """pytest's closing lines ("== 1768 passed in 200.1s ==") of every leg of the run."""
    return [line.strip("= ") for line in output.splitlines()
            if re.search(r"\d+ (passed|failed|errors?)\b.* in [\d.]+s", line)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--busy", type=int, default=1, help="processes spinning on the CPU meanwhile")
    parser.add_argument("--command", default="make test")
    args = parser.parse_args()

    hogs = [multiprocessing.Process(target=spin, daemon=True) for _ in range(args.busy)]
    for hog in hogs:
        hog.start()
    passed = 0
    try:
        for run in range(1, args.runs + 1):
            started = time.monotonic()
            done = subprocess.run(args.command, shell=True, capture_output=True, text=True)
            took = time.monotonic() - started
            passed += done.returncode == 0
            print(f"run {run}: exit {done.returncode} in {took:.0f} s; " + " | ".join(summary_lines(done.stdout)), flush=True)
            if done.returncode != 0:
                failures = [line for line in done.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
                print("   " + "\n   ".join(failures[:20] or done.stdout.splitlines()[-20:]), flush=True)
    finally:
        for hog in hogs:
            hog.terminate()
    print(f"{passed} of {args.runs} runs passed, with {args.busy} busy process(es) beside them ({args.command!r})")
    return 0 if passed == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
