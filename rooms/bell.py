"""The doorbell: after a commit, every server process hears that a room has news up to a number.

At most once, maybe never: the events are in the database, and a process that misses a bell
catches up on the next one, on its watcher's next look, or on a client's resume. The bell
carries the committed event itself (its text and audience), so that a process that has every
event before it sends it on without reading the database."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

# Set by rooms.hub: hands a bell to this process's own connections of the room at once, called
# on the event loop that serves them (or on a loop that serves none: it does nothing).
local_bell = None


def ring(kind, room_id: int, seq: int, *, text: str | None = None, audience_id: int | None = None) -> None:
    """Ring the bell of room `room_id` of `kind` (a rooms.kinds.RoomKind) for event `seq`. A
    committed command is never failed by its bell: a layer that does not answer is logged, and
    the watchers find the event."""
    kind_name = kind.name
    bell = {"type": "room.bell", "kind": kind_name, "seq": seq}
    if text is not None:
        bell.update(text=text, audience=audience_id)
    layer = get_channel_layer()

    async def send():
        # The layer first: this process's own fan-out runs on this loop without a pause, and a
        # bell sent after it (channels_redis: round trips, each waiting for the loop) left the
        # other processes idle until it was done, their clients waiting for both in turn.
        try:
            if layer is not None:
                await layer.group_send(kind.group(room_id), bell)
        except Exception:  # the layer is down: the other processes' watchers find the event
            log.warning("%s %s: the doorbell could not be rung through the channel layer", kind_name, room_id,
                        exc_info=True)
        finally:
            if local_bell is not None:
                local_bell(kind_name, room_id, bell)

    async_to_sync(send)()
