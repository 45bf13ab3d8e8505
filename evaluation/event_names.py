"""The evaluation floor's audit events, named for people (trading.event_text).

Registered at start-up (EvaluationConfig.ready); each part of the floor keeps its own names
(names_pool, names_draw, names_answer, names_table, names_room, names_review, names_scoring,
names_report, names_award), registered here together."""

from trading import event_text as t

from . import (names_answer, names_award, names_draw, names_pool, names_report, names_review, names_room, names_scoring,
               names_table)

PARTS = (names_pool, names_draw, names_answer, names_table, names_room, names_scoring, names_report, names_award)


def register() -> None:
    for part in PARTS:
        t.name_actions(part.ACTIONS)
        t.name_objects(part.OBJECTS)
        t.label_fields(part.FIELDS)
        for fields, actions in getattr(part, "SCOPED", ()):  # keys that read so for these actions only
            t.label_fields(fields, actions=actions)
    names_review.register()  # its labels are scoped to its own actions
