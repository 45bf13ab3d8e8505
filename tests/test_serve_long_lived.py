"""kaibiao.serve.LongLived: what survives in a server process is frozen out of the collector's
way every few seconds, and an hourly sweep still collects the cycles that died after freezing."""

import gc
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
