"""kaibiao.serve.LongLived: what survives in a server process is frozen out of the collector's way every few seconds, and a sweep collects the cycles that died after freezing.

The sweep comes soon after enough long-lived connections closed, later after a few, hourly in
any case; the server counts the closings of connections that lived through a tick."""

import gc
import time
import weakref

import pytest

from kaibiao.serve import LongLived


class Reactor:
    def __init__(self):
        self.calls = []

    def callLater(self, delay, function):  # noqa: N802 (Twisted's name)
        self.calls.append((delay, function))


class Connection:
    """Stands for a hall connection: objects that point at each other (a reference cycle)."""

    def __init__(self):
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_tick_freezes_what_is_alive_and_comes_again():
    reactor = Reactor()
    long_lived = LongLived(reactor)
    connections = [Connection() for _ in range(1000)]
    before = gc.get_freeze_count()

    long_lived.tick()

    assert gc.get_freeze_count() >= before + len(connections)  # out of every later collection
    assert reactor.calls == [(LongLived.EVERY, long_lived.tick)]


def test_a_cycle_that_dies_after_it_was_frozen_is_collected_by_the_hourly_sweep():
    # given a connection frozen by a tick, then closed (its cycle is garbage)
    reactor = Reactor()
    long_lived = LongLived(reactor)
    connection = Connection()
    alive = weakref.ref(connection)
    long_lived.tick()
    del connection

    # then ordinary ticks leave it (frozen objects are not collected)...
    for _ in range(LongLived.SWEEP_EVERY - 2):
        long_lived.tick()
    assert alive() is not None

    # ...and the hourly one collects it
    long_lived.tick()
    assert long_lived.ticks % LongLived.SWEEP_EVERY == 0
    assert alive() is None


def frozen_then_closed(long_lived, count):
    """`count` connections frozen by a tick, then closed (their cycles are garbage), as the server
    tells it; weak references to see them go."""
    connections = [Connection() for _ in range(count)]
    alive = [weakref.ref(c) for c in connections]
    long_lived.tick()
    del connections
    for _ in range(count):
        long_lived.connection_closed()
    return alive


def test_many_closed_connections_are_collected_within_a_minute():
    long_lived = LongLived(Reactor())
    alive = frozen_then_closed(long_lived, LongLived.SWEEP_CLOSED)
    ticks = 1
    while any(a() is not None for a in alive):
        long_lived.tick()
        ticks += 1
        assert ticks * LongLived.EVERY <= LongLived.SWEEP_SPACING + LongLived.EVERY, "not swept within the spacing"
    assert long_lived.closed == 0


def test_a_few_closed_connections_wait_at_most_the_latest_bound():
    long_lived = LongLived(Reactor())
    alive = frozen_then_closed(long_lived, 3)
    for _ in range(LongLived.SWEEP_LATEST // LongLived.EVERY - 2):
        long_lived.tick()
    assert all(a() is not None for a in alive)  # no full walk for three
    long_lived.tick()
    long_lived.tick()
    assert all(a() is None for a in alive)


def test_no_closing_no_sweep_before_the_hour():
    long_lived = LongLived(Reactor())
    for _ in range(LongLived.SWEEP_EVERY - 1):
        long_lived.tick()
        assert not long_lived.sweep_due()


def test_the_server_counts_the_closing_of_connections_that_lived_through_a_tick():
    from kaibiao.serve import KaibiaoServer

    server = KaibiaoServer(application=None, endpoints=["tcp:port=0:interface=127.0.0.1"])
    server.connections, server.long_lived = {}, LongLived(Reactor())  # as run() makes them
    old, new = object(), object()
    server.connections[old] = {"connected": time.time() - LongLived.EVERY - 1}
    server.connections[new] = {"connected": time.time()}

    server.protocol_disconnected(old)
    server.protocol_disconnected(new)  # an HTTP request's: collected by the next ordinary tick

    assert server.long_lived.closed == 1
    assert "disconnected" in server.connections[old] and "disconnected" in server.connections[new]
