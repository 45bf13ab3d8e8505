"""The doorbell: after a commit, every server process hears that a room has news up to a number.

At most once, maybe never: the events are in the database, and a process that misses a bell
catches up on the next one, on its watcher's next look, or on a client's resume. The bell
carries the committed event itself (its text and audience), so that a process that has every
event before it sends it on without reading the database.

Rung from the rooms' database thread (a command's commit), the bell is handed to the server's
event loop and the thread goes on at once: a channel layer that is slow or gone (Redis paused,
restarted, cut off) holds neither the thread nor the command's answer. On the loop, this
process's own connections get the bell at once and the layer's send runs on its own, for
SEND_SECONDS at most, then is given up with a log line. Rung where no server loop runs (the task
worker, a management command), it is sent there and then, within the same bound."""

import asyncio
import logging
import os

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

SEND_SECONDS = 2.0  # the longest a bell waits for the layer; then the watchers find the event

# Set by rooms.hub: hands a bell to this process's own connections of the room at once, called
# on the event loop that serves them (or on a loop that serves none: it does nothing).
local_bell = None

_sending: set = set()  # the layer's sends under way (a task not referenced could be collected)


def ring(kind, room_id: int, seq: int, *, text: str | None = None, audience_id: int | None = None) -> None:
    """Ring the bell of room `room_id` of `kind` (a rooms.kinds.RoomKind) for event `seq`,
    without waiting for the layer where a server loop runs. A committed command is never failed
    nor held by its bell."""
    bell = {"type": "room.bell", "kind": kind.name, "seq": seq}
    if text is not None:
        bell.update(text=text, audience=audience_id)
    try:
        here = asyncio.get_running_loop()
    except RuntimeError:
        here = None
    if here is not None:  # on the loop itself
        _ring_on_loop(kind, room_id, bell)
        return
    loop = _serving_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_ring_on_loop, kind, room_id, bell)
        return
    async_to_sync(_ring_and_wait)(kind, room_id, bell)


def _serving_loop():
    """The running event loop of the server whose thread pool runs this thread (asgiref's
    SyncToAsync notes it in the thread), or None."""
    local = SyncToAsync.threadlocal
    loop = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() and not loop.is_closed() else None


def _ring_on_loop(kind, room_id: int, bell: dict) -> None:
    # The layer's send first: it starts on this turn, so the other processes hear the bell
    # as soon as this one's connections (a pump of its own, on the next turn) do.
    layer = get_channel_layer()
    if layer is not None:
        task = asyncio.ensure_future(_send(layer, kind, room_id, bell))
        _sending.add(task)
        task.add_done_callback(_sending.discard)
    if local_bell is not None:
        local_bell(kind.name, room_id, bell)


async def _ring_and_wait(kind, room_id: int, bell: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await _send(layer, kind, room_id, bell)
    if local_bell is not None:
        local_bell(kind.name, room_id, bell)


async def _send(layer, kind, room_id: int, bell: dict) -> None:
    try:
        await asyncio.wait_for(layer.group_send(kind.group(room_id), bell), SEND_SECONDS)
    except Exception:  # slow or gone: the other processes' watchers find the event
        log.warning("%s %s: the doorbell for event %s could not be rung through the channel layer within %s s",
                    kind.name, room_id, bell["seq"], SEND_SECONDS, exc_info=True)
