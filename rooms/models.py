"""The abstract tables of a live room: the room's row (its last event number) and its events.

Each room kind has its own concrete tables, not one shared event table: an event belongs to its
room by a real foreign key (the database keeps them together and deletes them together), and
the audience of a private event is a different thing in each room (a bidder's organization in
the hall, one expert in the evaluation room, one bidder in the auction), each a foreign key of
its own, where a shared table could only hold an untyped id."""

from django.db import models


class Room(models.Model):
    """A live room's row: locked by every command, it numbers the room's events."""

    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        abstract = True


class RoomEvent(models.Model):
    """One numbered step of a room, stored before any client hears of it. A concrete event
    table adds `room` (its foreign key, named as the kind likes) and `audience` (empty: the
    kind's declared audience decides; set: only that party sees it)."""

    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    at = models.DateTimeField()

    class Meta:
        abstract = True
