"""SQLite in WAL mode, served by Daphne.

SQLite in WAL mode, served by Daphne: one idle connection per process and database file,
held open for the life of the process, which also puts the file in WAL mode.

When the last connection to a WAL database closes, SQLite copies the log into the database,
syncs it and deletes the log; the next connection starts a new one. Under ASGI, Django opens
and closes a connection for each piece of database work (persistent connections leak there:
Django's documentation says to disable them), so every request and every hall command paid
for that: a one-row insert with connect and close took 1.7-2.0 ms alone, 0.7-0.9 ms while
another connection held the file open (Python 3.12's sqlite3, SQLite 3.40, on this project's
machine). The held connection never reads again and holds no transaction, so it takes no lock
that a writer or a checkpoint would wait for; SQLite's automatic checkpoints (every 1000
pages) keep the log short as before. PostgreSQL is not concerned."""

import atexit
import os
import sqlite3
import threading

_held: dict[tuple[int, str], sqlite3.Connection] = {}
_lock = threading.Lock()


def hold_open(sender, connection, **kwargs) -> None:
    """django.db.backends.signals.connection_created: the first SQLite connection of this
    process to a database file leaves one more connection open to that file."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    key = (os.getpid(), name)  # a forked child opens its own: a connection must not cross a fork
    if key in _held:
        return
    with _lock:
        if key in _held or not os.path.exists(name):
            return
        held = sqlite3.connect(name, check_same_thread=False, timeout=20)
        # WAL mode is a property of the file: set once here, it holds for every connection
        # (as a per-connection init command it cost each connection 0.1-0.4 ms for nothing).
        mode = held.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise RuntimeError(f"SQLite refused WAL mode for {name} (journal_mode is {mode})")
        held.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # opens the log and its index
        _held[key] = held


def held_files() -> list[str]:
    return [name for pid, name in _held if pid == os.getpid()]


def release(name) -> None:
    """Close the connection held to `name` (a test database about to be removed)."""
    held = _held.pop((os.getpid(), str(name)), None)
    if held is not None:
        held.close()


@atexit.register
def _close() -> None:
    """At exit, the last connection out folds the log into the database and removes it."""
    for (pid, _name), held in list(_held.items()):
        if pid == os.getpid():
            held.close()
