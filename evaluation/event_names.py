"""The evaluation floor's audit events, named for people (trading.event_text).

Registered at start-up (EvaluationConfig.ready); each part of the floor keeps its own names
(names_pool, names_draw, names_answer, names_award), registered here together."""

from trading import event_text as t

from . import names_answer, names_award, names_draw, names_pool

PARTS = (names_pool, names_draw, names_answer, names_award)


def register() -> None:
    for part in PARTS:
        t.name_actions(part.ACTIONS)
        t.name_objects(part.OBJECTS)
        t.label_fields(part.FIELDS)
