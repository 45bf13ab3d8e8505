"""What a room kind tells the machinery: its tables, its event catalogue and its clock."""

import json

from .events import EventCatalog

class RoomKind:
    """One kind of live room. Subclasses name their tables and may apply their clock in watch()."""

    name: str  # the layer's group for room 7 of kind "hall" is "hall-7"
    room_model = None  # a rooms.models.Room
    event_model = None  # a rooms.models.RoomEvent with a foreign key `room_field` to room_model
    room_field: str = "room"
    catalog: EventCatalog

    def group(self, room_id: int) -> str:
        return f"{self.name}-{room_id}"

    def events_from(self, room_id: int, after: int) -> list:
        """(event, its text) for every event numbered after `after`, in order."""
        events = self.event_model.objects.filter(**{f"{self.room_field}_id": room_id, "seq__gt": after}).order_by("seq")
        return [(event, event_text(event)) for event in events]

    def watch(self, room_ids, now) -> dict[int, int]:
        """The last event number of each room, after applying what its clock owes by `now`.
        Called by each process about once a second for the rooms it has clients in."""
        return dict(self.room_model.objects.filter(pk__in=list(room_ids)).values_list("pk", "last_seq"))


def event_message(event) -> dict:
    return {"type": "event", "seq": event.seq, "kind": event.kind, "at": event.at.isoformat() if event.at else None,
            "data": event.data}


def event_text(event) -> str:
    """The event as the WebSocket sends it."""
    return json.dumps(event_message(event), ensure_ascii=False)
