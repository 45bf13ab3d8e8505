import os

import pytest


def pytest_unconfigure(config):
    """Django removes the SQLite test database at the end but not its WAL files: remove them
    too (after closing the connection kaibiao.sqlite_wal holds), so runs leave nothing in /tmp."""
    from django.conf import settings

    if not settings.configured or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    from kaibiao import sqlite_wal

    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if not name:
        return
    sqlite_wal.release(name)
    for leftover in (f"{name}-wal", f"{name}-shm"):
        if not os.path.exists(name) and os.path.exists(leftover):
            os.remove(leftover)


@pytest.fixture(autouse=True)
def _threads_let_go():
    """Connections kept by threads that outlive a test, closed after every test, so that no
    test's database is dropped or forked from under them: the opening hall's database threads
    keep theirs between calls (rooms.db), and Django's async ORM (arefresh_from_db,
    aget, ...) and asgiref's sync_to_async leave theirs open on asgiref's one thread for
    thread-sensitive calls."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    from rooms import db as room_db

    room_db.close_connections()
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=60)


@pytest.fixture(autouse=True)
def _arrivals_forgotten():
    """What a process keeps of its halls for arriving connections (bidding.hall.arrivals) holds
    for a database that lives on; each test's database is new, its ids used again."""
    from bidding.hall.arrivals import ARRIVALS

    ARRIVALS.__init__()
    yield
    ARRIVALS.__init__()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files go to a temporary folder, never into the working tree."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def center(db):
    from tests.trading.factories import CenterFactory

    return CenterFactory()
