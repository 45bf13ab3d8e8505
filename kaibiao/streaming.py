"""Request bodies that reach their view while they arrive: the Django end.

Request bodies that reach their view while they arrive: the Django end (the Daphne end is
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
    thread. `read(n)` is a raw stream's (as a socket's): at most n bytes, as many as have come
    in one piece, and b"" only at the end; `read()` reads to the end. No piece is copied unless
    it must be split. A client that disconnects or sends nothing for BODY_IDLE_TIMEOUT seconds
    ends the body early (a short body)."""

    def __init__(self, receive):
        self._receive = receive
        self._loop = asyncio.get_running_loop()
        self._context = contextvars.copy_context()  # the request's, on the event loop
        self._pieces: deque = deque()
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
        self._more = message.get("more_body", False)

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            while self._more:
                self._fill()
            body = b"".join(self._pieces)
            self._pieces.clear()
            return body
        while self._more and not self._pieces:
            self._fill()
        if not self._pieces or size == 0:
            return b""
        piece = self._pieces.popleft()
        if len(piece) > size:
            self._pieces.appendleft(piece[size:])
            piece = piece[:size]
        return piece

    def close(self):
        self._pieces.clear()


class StreamingASGIHandler(ASGIHandler):
    """Django's ASGI handler; a view marked `@streams_body` reads its body while it arrives."""

    async def handle(self, scope, receive, send):
        if _streams_body(scope):
            receive = StreamedBody(receive)  # handed on only to the two methods below
        await super().handle(scope, receive, send)

    async def run_get_response(self, request):
        """Django's, in a task of its own, so that what the view's call leaves in its context
        stays there. A sync middleware (WhiteNoise's) runs the rest of the chain through
        async_to_sync on the view's worker thread; when the client goes away during the view
        (an upload cut short), Django cancels the call, and asgiref copies the worker's context
        back as it is at that moment, with the CurrentThreadExecutor of that async_to_sync in
        it. In the request's own context, the handler's last step (request_finished) went to
        that executor, which had quit by then unless the view was still running:
        "RuntimeError: CurrentThreadExecutor already quit or is broken"."""
        return await asyncio.create_task(super().run_get_response(request))

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
