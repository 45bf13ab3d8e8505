"""The hall's database threads (rooms.db): one for commands, one for connections'
arrivals, each with a connection that outlives a call and is closed as Django closes its kept
connections."""

import asyncio
import threading

import pytest
from django.db import connection, transaction

from rooms import db as room_db
from trading.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)


def _driver_and_thread():
    Organization.objects.exists()  # a query: the connection is open
    return connection.connection, threading.current_thread().name


async def test_calls_share_one_thread_and_its_open_connection():
    first, thread = await room_db.run(_driver_and_thread)
    second, same_thread = await room_db.run(_driver_and_thread)
    assert thread == same_thread and thread.startswith("room-db")
    assert second is first  # not opened again: no new session, no schema read again
    arriving, arrivals_thread = await room_db.load(_driver_and_thread)
    assert (await room_db.load(_driver_and_thread)) == (arriving, arrivals_thread)
    assert arrivals_thread.startswith("room-db-load") and arriving is not first


async def test_a_command_does_not_wait_behind_connections_arriving():
    """A restarted server's clients all come back at once: the host's action is answered
    while their arrivals are still queued."""
    arrivals_held = threading.Event()
    arrivals = [asyncio.ensure_future(room_db.load(arrivals_held.wait, 30)) for _ in range(5)]
    try:
        _, thread = await room_db.run(_driver_and_thread)
        assert not thread.startswith("room-db-load")
        assert not any(arrival.done() for arrival in arrivals)
    finally:
        arrivals_held.set()
    assert await asyncio.gather(*arrivals) == [True] * 5


async def test_an_exception_comes_back_to_the_caller_and_the_connection_stays():
    first, _ = await room_db.run(_driver_and_thread)

    def fails():
        Organization.objects.exists()
        raise LookupError("the caller sees this")

    with pytest.raises(LookupError, match="the caller sees this"):
        await room_db.run(fails)
    assert (await room_db.run(_driver_and_thread))[0] is first


async def test_a_call_that_leaves_autocommit_off_does_not_hand_its_connection_on():
    first, _ = await room_db.run(_driver_and_thread)

    def leaves_a_transaction_open():
        transaction.set_autocommit(False)
        Organization.objects.create(name="未提交", uscc="91350100M000100Y43")

    await room_db.run(leaves_a_transaction_open)
    second, _ = await room_db.run(_driver_and_thread)
    assert second is not first
    assert not await room_db.run(lambda: Organization.objects.filter(name="未提交").exists())  # rolled back


async def test_a_connection_on_which_an_error_occurred_is_closed():
    first, _ = await room_db.run(_driver_and_thread)

    def breaks_it():
        connection.connection.close()  # the server went away under it
        with pytest.raises(Exception):
            Organization.objects.exists()
        assert connection.errors_occurred

    await room_db.run(breaks_it)
    second, _ = await room_db.run(_driver_and_thread)
    assert second is not first


async def test_a_connection_older_than_max_age_is_closed(monkeypatch):
    monkeypatch.setattr(room_db, "MAX_AGE", 0)
    first, _ = await room_db.run(_driver_and_thread)
    second, _ = await room_db.run(_driver_and_thread)
    assert second is not first


async def test_close_connections_closes_the_threads_connections():
    await room_db.run(_driver_and_thread)
    await room_db.load(_driver_and_thread)
    room_db.close_connections()
    assert await room_db.run(lambda: connection.connection) is None
    assert await room_db.load(lambda: connection.connection) is None


async def test_a_long_step_runs_beside_the_hall_threads_and_closes_its_connection():
    """Hashing and decryption (the long commands) hold up neither hall thread, and their
    connection is closed when they end, whatever channels' test communicator turns off."""
    from django.db import connections

    def opens_one():
        Organization.objects.exists()
        return connections["default"], threading.current_thread().name

    wrapper, thread = await room_db.run_long(opens_one)
    assert not thread.startswith("room-db")
    assert wrapper.connection is None
