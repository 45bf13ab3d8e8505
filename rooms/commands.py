"""Commands taken once: a repeat of a client's action (its id sent again) gets the first answer.

A client that lost its connection before the answer came cannot tell whether its command was
taken, so it sends it again, with the id it gave that action. The first run
that appends an event stores (room kind, room, person, id) in the same transaction as that
event (log.append calls taken()); a repeat finds it and runs nothing, and a repeat that ran
meanwhile, in another process, fails on the same row and is rolled back whole. A command
that appended nothing stored nothing: run again, it is refused again or does again what
changed nothing. Should a command be refused after it has appended (a clock's event first,
then the command's refusal), the refusal is noted on the row and a repeat gets it."""

import contextvars
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from .models import TakenCommand

OK = {"type": "ok"}
MAX_ID = 64  # characters of a client's id


@dataclass
class _Taking:
    kind: str
    room_id: int
    user_id: int
    client_id: str
    stored: bool = False

    def key(self) -> dict:
        return {"room_kind": self.kind, "room_id": self.room_id, "user_id": self.user_id, "client_id": self.client_id}


_taking: contextvars.ContextVar[_Taking | None] = contextvars.ContextVar("rooms_command_taking", default=None)


class Repeated(Exception):
    """Another run of the same command stored it first: this one's transaction is rolled back."""


def valid_id(client_id) -> bool:
    return client_id is None or (isinstance(client_id, str) and 0 < len(client_id) <= MAX_ID)


def once(kind, room_id: int, user_id: int | None, client_id: str | None, run, refusals: tuple) -> dict:
    """Run `run()` (a command for `user_id` in the room) once per client id, and give its
    answer: {"type": "ok"} or {"type": "error", "message": the refusal}. Without an id (or a
    person) every call runs."""
    if client_id is None or user_id is None:
        return _answer(run, refusals)
    taking = _Taking(kind.name, room_id, user_id, client_id)
    first = _first_answer(taking)
    if first is not None:
        return first
    token = _taking.set(taking)
    try:
        answer = _answer(run, refusals)
    except Repeated:
        return _first_answer(taking) or OK
    finally:
        _taking.reset(token)
    if answer is not OK and taking.stored:
        TakenCommand.objects.filter(**taking.key()).update(refusal=answer["message"])
    return answer


def taken(kind, room_id: int) -> None:
    """Called by log.append in the transaction of an event it stores: the command under way
    (if it came with an id, in this room) is stored as taken, or Repeated if it already was."""
    taking = _taking.get()
    if taking is None or taking.stored or taking.kind != kind.name or taking.room_id != room_id:
        return
    try:
        with transaction.atomic():
            TakenCommand.objects.create(**taking.key())
    except IntegrityError:
        raise Repeated from None
    taking.stored = True


def _answer(run, refusals: tuple) -> dict:
    try:
        run()
    except refusals as err:
        return {"type": "error", "message": str(getattr(err, "message", err))}
    return OK


def _first_answer(taking: _Taking) -> dict | None:
    row = TakenCommand.objects.filter(**taking.key()).values("refusal").first()
    if row is None:
        return None
    return {"type": "error", "message": row["refusal"]} if row["refusal"] else OK
