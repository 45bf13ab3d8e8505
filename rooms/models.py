"""The tables of a live room: the room's row and its events (abstract), and the commands taken.

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


class TakenCommand(models.Model):
    """A command a client sent with an id of its own (one per action, sent again on a retry),
    stored in the transaction of the first event it appended: a repeat of it (the same room,
    person and id) gets this first answer and appends nothing (rooms.commands)."""

    room_kind = models.CharField(max_length=40)
    room_id = models.PositiveBigIntegerField()
    user_id = models.PositiveBigIntegerField()
    client_id = models.CharField(max_length=64)
    refusal = models.TextField(blank=True)  # empty: the answer was "ok"; else the refusal it got
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room_kind", "room_id", "user_id", "client_id"],
                                               name="rooms_command_taken_once")]
