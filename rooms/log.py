"""Appending to a room's numbered log: the one way an event is stored, and its bell rung."""

import json

from django.db import transaction

from . import bell, commands
from .kinds import RoomKind, event_text


def append(kind: RoomKind, room, name: str, data: dict, *, at, audience_id=None):
    """Store event `name` as room `room`'s next number and ring the bell once it is committed.
    The caller holds the room's row locked (select_for_update) in its transaction. The
    command under way, if its client gave it an id, is stored as taken with it (rooms.commands)."""
    kind.catalog.check_audience(name, audience_id)
    commands.taken(kind, room.pk)
    room.last_seq += 1
    room.save(update_fields=["last_seq"])
    data = json.loads(json.dumps(data, default=_json_value))  # times as ISO 8601, like the snapshot
    event = kind.event_model.objects.create(**{kind.room_field: room}, seq=room.last_seq, kind=name, data=data, at=at,
                                            audience_id=audience_id)
    seq, room_id, text = event.seq, room.pk, event_text(event)
    transaction.on_commit(lambda: bell.ring(kind, room_id, seq, text=text, audience_id=audience_id))
    return event


def _json_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
