"""Event kinds declared with their audience, one catalogue per room kind.

Event kinds declared with their audience: one catalogue per room kind, so that who may see an
event is a property of its kind, written once, and an undeclared kind cannot be stored."""

from dataclasses import dataclass
from enum import Enum


class Audience(Enum):
    EVERYONE = "everyone"  # every viewer of the room, the public included
    ADDRESSEE = "addressee"  # only the party the event names as its audience
    UNSTORED_UNTIL_DEADLINE = "unstored-until-deadline"  # not an event at all before the deadline
    # (its number alone would count something secret); from the deadline on, everyone's.


@dataclass(frozen=True)
class EventKind:
    name: str
    label: str  # what a person reads (a lazy translation)
    audience: Audience = Audience.EVERYONE

    @property
    def confidential_before_deadline(self) -> bool:
        return self.audience is Audience.UNSTORED_UNTIL_DEADLINE


class UndeclaredEvent(LookupError):
    pass


class EventCatalog:
    """The event kinds of one room kind."""

    def __init__(self, *kinds: EventKind):
        self.kinds = {kind.name: kind for kind in kinds}
        if len(self.kinds) != len(kinds):
            raise ValueError("an event kind is declared twice")

    def __getitem__(self, name: str) -> EventKind:
        try:
            return self.kinds[name]
        except KeyError:
            raise UndeclaredEvent(f"undeclared event kind: {name!r}") from None

    def __iter__(self):
        return iter(self.kinds.values())

    def __contains__(self, name) -> bool:
        return name in self.kinds

    def check_audience(self, kind_name: str, audience_id) -> EventKind:
        """The kind, if an event of it may be stored with `audience_id`: an addressed kind names
        its one party, every other kind none. So a stored event's empty audience means that
        everyone sees it, which is all the fan-out asks."""
        kind = self[kind_name]
        if (kind.audience is Audience.ADDRESSEE) != (audience_id is not None):
            raise ValueError(f"{kind_name!r} is for {kind.audience.value}: audience {audience_id!r} does not fit")
        return kind
