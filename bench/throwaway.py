"""The benchmarks' throwaway server environment, in a folder of its own.

The benchmarks' throwaway server environment: its own SQLite file, sealed-file root, receipt
key and media folder inside `folder`, served as in production (no debug), nothing inherited
that would point a server elsewhere (REDIS_URL, DATABASE_URL, DJANGO_ENV). The end-to-end tests'
process helpers (tests/e2e/processes.py) serve the benchmarks too."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # a bench runs as a script: only bench/ is on the path

from tests.e2e.processes import free_port, server_env, stop_process, wait_listening  # noqa: E402

__all__ = ["environment", "free_port", "stop_process", "wait_listening"]


def environment(folder: Path) -> dict:
    return {**server_env(folder), "DJANGO_DEBUG": "false"}  # as served: no query log, no debug pages
