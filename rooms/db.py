"""A live room's database work, on one thread per process that keeps its connection.

channels.db.database_sync_to_async opens a connection for each call and closes it after:
CONN_MAX_AGE is 0, as Django asks under ASGI, where every HTTP request has a thread of its own
and a kept connection would be left behind with it. For the hall that cost every command
before its row could go out: SQLite reads and parses the whole schema on a new connection's
first statement (1.4 ms for this project's 149 tables and indexes, 3-4 ms with Django's own
set-up, against 0.7-1.2 ms for the same query on an open connection), PostgreSQL a new
session. The hall's calls run here instead, one at a time in order as before (they shared
asgiref's one thread-sensitive thread), and this thread's connection outlives the call.
It is closed, much as Django closes its own kept connections (close_if_unusable_or_obsolete),
after a call in which a database error occurred (SQLite's is_usable() always says yes, so
a connection is not asked: the next call opens a new one), after a call that left it
outside autocommit, and once it has been open MAX_AGE seconds. A connection that has been idle
IDLE_PROBE seconds is asked first (PostgreSQL's is_usable(): SELECT 1) and replaced if it does
not answer: after a database restart the kept session is gone, and the call that found out
failed (the first hall command, the first arrival of each process). The probe runs nothing of
the call, so nothing is run twice; a call on a busy connection is not probed. A restart
quicker than that is found by the call's first statement: if it fails because the session is
gone (_connection_lost), and the statement could not have committed anything (it ran
inside a transaction, or was a SELECT), the call is run once more on a fresh connection.
Work that takes long (hashing and decrypting bid files) does not run here.

A connection's arrival (its viewer, the snapshot and the events it missed: load()) runs on a
second such thread, not behind or before the commands (run()): when a server restarts, every
client of its halls comes back at once, and a host's action must not wait behind a thousand
snapshots (20-25 ms each on the project's machine). Each arrival reads committed rows only;
what is committed meanwhile reaches the connection when it joins the hall's fan-out."""

import contextlib
import functools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync
from django.db import InterfaceError, OperationalError, close_old_connections, connections

MAX_AGE = 600  # seconds a connection is kept, as CONN_MAX_AGE would
IDLE_PROBE = 1.0  # seconds unused after which a kept connection is asked before it is used


def _new_executors() -> tuple[ThreadPoolExecutor, ThreadPoolExecutor]:
    return (ThreadPoolExecutor(max_workers=1, thread_name_prefix="room-db"),
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="room-db-load"))


_executor, _load_executor = _new_executors()
# Per thread: alias -> (the driver's connection, when this thread opened it, when it was last used).
_state = threading.local()


async def run(func, *args, **kwargs):
    """`func(*args, **kwargs)` on the rooms' database thread; its result or its exception."""
    call = SyncToAsync(functools.partial(_call, func, args, kwargs), thread_sensitive=False, executor=_executor)
    return await call()


async def load(func, *args, **kwargs):
    """As run(), on the thread for connections' arrivals."""
    call = SyncToAsync(functools.partial(_call, func, args, kwargs), thread_sensitive=False, executor=_load_executor)
    return await call()


async def run_long(func, *args, **kwargs):
    """Work that takes long (hashing, decrypting bid files), on a thread of the loop's own pool,
    so that it holds up neither of the hall's threads; its connections are closed when it ends.
    (channels' database_sync_to_async would close them too, except under channels' test
    communicator, which turns that off: each such call left a session open until its thread's
    objects were collected, and PostgreSQL refused to drop the test database.)"""
    call = SyncToAsync(functools.partial(_call_and_close, func, args, kwargs), thread_sensitive=False)
    return await call()


def _call_and_close(func, args, kwargs):
    close_old_connections()  # as channels' database_sync_to_async: the pool's thread may hold one
    try:
        return func(*args, **kwargs)
    finally:
        connections.close_all()


def _call(func, args, kwargs):
    _probe_idle()
    try:
        first = _FirstStatement()
        try:
            with contextlib.ExitStack() as stack:
                for connection in connections.all(initialized_only=True):
                    stack.enter_context(connection.execute_wrapper(first))
                return func(*args, **kwargs)
        except (InterfaceError, OperationalError) as err:
            if not (first.failed_harmlessly and _connection_lost(err)):
                raise
        for connection in connections.all(initialized_only=True):
            connection.close()
        _opened().clear()
        return func(*args, **kwargs)
    finally:
        _tidy()


def _connection_lost(err) -> bool:
    """A PostgreSQL driver's error that says the session is gone: the client's own (no SQL
    state), a connection exception (class 08), or the server shutting down (57P01-57P03).
    Not a lock timeout or a serialization failure, nor any SQLite error."""
    state = getattr(err.__cause__, "sqlstate", False)
    return state is None or (isinstance(state, str) and (state.startswith("08") or state.startswith("57P")))


class _FirstStatement:
    """Whether a call's first statement, and nothing after it, failed with a connection error
    where it could not have committed anything: inside a transaction, or a SELECT."""

    def __init__(self):
        self.count, self.failed_harmlessly = 0, False

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        try:
            return execute(sql, params, many, context)
        except (InterfaceError, OperationalError):
            self.failed_harmlessly = self.count == 1 and (
                context["connection"].in_atomic_block or sql.lstrip()[:6].upper() == "SELECT")
            raise


def _opened() -> dict:
    if not hasattr(_state, "opened"):
        _state.opened = {}
    return _state.opened


def _probe_idle() -> None:
    """Close a kept connection that has been idle IDLE_PROBE seconds and no longer answers
    (the database restarted): the call opens a fresh one."""
    now = time.monotonic()
    opened = _opened()
    for connection in connections.all(initialized_only=True):
        held, _since, used = opened.get(connection.alias, (None, now, now))
        if held is not None and held is connection.connection and now - used >= IDLE_PROBE:
            if not connection.is_usable():
                connection.close()
                opened.pop(connection.alias, None)


def _tidy() -> None:
    now = time.monotonic()
    opened = _opened()
    for connection in connections.all(initialized_only=True):
        driver = connection.connection
        if driver is None:
            opened.pop(connection.alias, None)
            continue
        held, since, _used = opened.get(connection.alias, (None, now, now))
        if held is not driver:  # opened during this call
            since = now
        if (connection.get_autocommit() != connection.settings_dict["AUTOCOMMIT"]
                or connection.errors_occurred
                or now - since >= MAX_AGE):
            connection.close()
            opened.pop(connection.alias, None)
        else:
            opened[connection.alias] = (driver, since, now)


def close_connections() -> None:
    """Close the threads' connections now (a test database about to be flushed or dropped)."""
    for executor in (_executor, _load_executor):
        executor.submit(_close_all).result()


def _close_all() -> None:
    connections.close_all()
    _opened().clear()


def _forget_after_fork() -> None:
    """A forked child has no hall threads: it starts its own, with their own connections."""
    global _executor, _load_executor, _state
    _executor, _load_executor = _new_executors()
    _state = threading.local()


os.register_at_fork(after_in_child=_forget_after_fork)
