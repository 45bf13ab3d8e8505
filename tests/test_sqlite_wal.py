"""SQLite under Daphne: a connection held open per process keeps the write-ahead log between
Django's short-lived connections (kaibiao/sqlite_wal.py)."""

import os

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="concerns SQLite only")


@pytest.mark.django_db(transaction=True)
def test_the_log_outlives_djangos_connection_so_the_next_one_need_not_start_it_again():
    from django.contrib.sessions.backends.db import SessionStore

    from kaibiao.sqlite_wal import held_files

    name = str(connection.settings_dict["NAME"])
    SessionStore().create()  # a write: the log has content
    connection.close()  # as after every piece of database work under ASGI
    assert name in held_files()
    assert os.path.getsize(f"{name}-wal") > 0, "the log was folded in and removed on close"
    assert SessionStore.get_model_class().objects.count() == 1


@pytest.mark.django_db
def test_the_database_file_is_in_wal_mode_so_readers_do_not_wait_for_the_writer():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
