"""Request bodies that reach their view while they arrive: the Django end (the Daphne end is
kaibiao.serve's StreamingRequest).

Django's ASGI handler reads a whole body into a spooled file before the view runs, so a sealed
file's 32 MiB upload chunk was copied again and its disk waited for its network.
`StreamingASGIHandler` (kaibiao.asgi) gives a view marked `@streams_body` its body as a file that
reads the ASGI messages as they come; every other view gets Django's usual fully-read body.
Under any ASGI server the view works the same; it only gets its pieces sooner under one that
streams.
"""

import asyncio
import concurrent.futures
import contextvars
from collections import deque

from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler
from django.urls import Resolver404, resolve

BODY_IDLE_TIMEOUT = 60  # seconds a view waits for the next piece of its body before it is cut short


def streams_body(view):
    """Mark a view as reading its request body while it arrives (StreamingASGIHandler)."""
    view.streams_body = True
    return view


class StreamedBody:
    """A request body read from its ASGI messages as they arrive, by a sync view on a worker
    thread. `read(n)` is a file's: n bytes, fewer only at the end. A client that disconnects or
    sends nothing for BODY_IDLE_TIMEOUT seconds ends the body early (a short read)."""

    def __init__(self, receive):
        self._receive = receive
        self._loop = asyncio.get_running_loop()
        self._context = contextvars.copy_context()  # the request's, on the event loop
        self._pieces: deque = deque()
        self._buffered = 0
        self._more = True
        self.disconnected = asyncio.Event()

    def _fill(self):
        # Not asyncio.run_coroutine_threadsafe(): its task would take this worker thread's
        # context (asgiref's), and the server may resume reading the socket from it.
        future = concurrent.futures.Future()

        def settle(task):
            if task.cancelled():
                future.cancel()
            elif task.exception() is not None:
                future.set_exception(task.exception())
            else:
                future.set_result(task.result())

        def start():
            receiving = asyncio.wait_for(self._receive(), BODY_IDLE_TIMEOUT)
            self._loop.create_task(receiving).add_done_callback(settle)

        self._loop.call_soon_threadsafe(start, context=self._context)
        try:
            message = future.result()
        except TimeoutError:
            self._more = False
            return
        if message["type"] == "http.disconnect":
            self._more = False
            self._loop.call_soon_threadsafe(self.disconnected.set)
            return
        body = message.get("body", b"")
        if body:
            self._pieces.append(body)
            self._buffered += len(body)
        self._more = message.get("more_body", False)

    def read(self, size: int = -1) -> bytes:
        while self._more and (size < 0 or self._buffered < size):
            self._fill()
        if size < 0 or size >= self._buffered:
            size = self._buffered
        if self._pieces and len(self._pieces[0]) == size:  # the usual case: one whole piece, no copy
            self._buffered -= size
            return self._pieces.popleft()
        out = bytearray()
        while len(out) < size:
            piece = self._pieces.popleft()
            take = size - len(out)
            if len(piece) > take:
                self._pieces.appendleft(piece[take:])
                piece = piece[:take]
            out += piece
        self._buffered -= size
        return bytes(out)

    def close(self):
        self._pieces.clear()
        self._buffered = 0


class StreamingASGIHandler(ASGIHandler):
    """Django's ASGI handler; a view marked `@streams_body` reads its body while it arrives."""

    async def handle(self, scope, receive, send):
        if _streams_body(scope):
            receive = StreamedBody(receive)  # handed on only to the two methods below
        await super().handle(scope, receive, send)

    async def read_body(self, receive):
        if isinstance(receive, StreamedBody):
            return receive
        return await super().read_body(receive)

    async def listen_for_disconnect(self, receive):
        if isinstance(receive, StreamedBody):
            await receive.disconnected.wait()
            raise RequestAborted()
        return await super().listen_for_disconnect(receive)


def _streams_body(scope) -> bool:
    path = scope["path"].removeprefix(scope.get("root_path", "")) or "/"
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "streams_body", False)
