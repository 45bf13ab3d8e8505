"""An evaluation room for the tests: a committee drawn and formed by the real services, and each
person's WebSocket connection through the real ASGI application (tests.bidding.hall_helpers'
Seat, pointed at ws/evaluation/<lot>/)."""

from dataclasses import dataclass, field

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from bidding.choices import HallState, OpeningStatus
from bidding.models import BidOpening, OpeningHall
from evaluation import answers
from evaluation.models import CommitteeMember, EvaluationRoom
from tests.bidding import hall_helpers
from tests.bidding.hall_helpers import TIMEOUT, session_cookie
from tests.evaluation.drawn import Drawn, drawn
from tests.trading.factories import supervisor


class RoomSeat(hall_helpers.Seat):
    """One person's connection to one lot's evaluation room."""

    def path(self, after=None) -> str:
        return f"/ws/evaluation/{self.lot_id}/" + (f"?after={after}" if after is not None else "")

    def _communicator(self, after=None, origin=b"http://testserver"):
        headers = [(b"origin", origin)]
        if self.cookie:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={self.cookie}".encode()))
        communicator = WebsocketCommunicator(hall_helpers._application(), self.path(after), headers=headers)
        communicator.scope["client"] = (self.address, 50000)
        return communicator

    async def connect(self, after: int | None = None) -> dict:
        self.communicator = self._communicator(after)
        self._connection_seqs = []
        connected, code = await self.communicator.connect(timeout=TIMEOUT)
        assert connected, f"{self.name}: the room refused the connection ({code})"
        first = await self._receive()
        assert first["type"] == "snapshot", f"{self.name}: the first message is {first}"
        return first

    async def connect_refused(self, origin: bytes = b"http://testserver") -> int:
        communicator = self._communicator(origin=origin)
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert not connected, f"{self.name} was let into the room"
        return code


@dataclass
class Formed(Drawn):
    """A lot whose committee is formed (every seat confirmed) and whose room is open."""

    room: EvaluationRoom = None
    supervisor: object = None
    cookies: dict = field(default_factory=dict)

    def seat(self, name: str) -> RoomSeat:
        return RoomSeat(name, self.lot.pk, cookie=self.cookies.get(name))

    def user(self, i: int):
        return self.members[i].expert.user


def formed(*, n: int = 5, bidders: int = 3, **kw) -> Formed:
    """A committee of `n` drawn, every member confirmed (the committee is formed and its room
    opened by the real signal), and cookies for member0.., staff and supervisor."""
    committee = drawn(n=n, bidders=bidders, **kw)
    open_bids(committee.lot, committee.bids)
    for member in committee.members:
        answers.answer(member.expert.user, member.pk, accept=True)
    room = EvaluationRoom.objects.get(lot=committee.lot)
    result = Formed(lot=committee.lot, draw=committee.draw, members=committee.members, staff=committee.staff,
                    bids=committee.bids, room=room, supervisor=supervisor(committee.lot.project.center))
    result.cookies["staff"] = session_cookie(result.staff)
    result.cookies["supervisor"] = session_cookie(result.supervisor)
    for i, member in enumerate(result.members):
        result.cookies[f"member{i}"] = session_cookie(member.expert.user)
    return result


def open_bids(lot, bids) -> None:
    """The lot's bids as its opening left them: decrypted, each read with its price."""
    hall = OpeningHall.objects.create(lot=lot, state=HallState.ENDED)
    for order, bid in enumerate(bids, 1):
        BidOpening.objects.create(hall=hall, bid=bid, order=order, status=OpeningStatus.DECRYPTED,
                                  outcome="decrypted", form={"price": f"{1_000_000 + order * 10_000}.00"})


@database_sync_to_async
def run(func, *args, **kwargs):
    return func(*args, **kwargs)


@database_sync_to_async
def room_of(lot_id) -> EvaluationRoom:
    return EvaluationRoom.objects.select_related("lot").get(lot_id=lot_id)


@database_sync_to_async
def member_state(member_id) -> str:
    return CommitteeMember.objects.get(pk=member_id).state
