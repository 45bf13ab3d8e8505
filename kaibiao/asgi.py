"""The one ASGI application: HTTP through Django, WebSockets through Channels."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaibiao.settings")
django.setup(set_prefix=False)  # as django.core.asgi.get_asgi_application() does

from kaibiao.streaming import StreamingASGIHandler  # noqa: E402

django_asgi_app = StreamingASGIHandler()  # Django's, with upload chunks read as they arrive

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware, SessionMiddleware  # noqa: E402
from channels.auth import AuthMiddleware  # noqa: E402
from django.contrib.auth.models import AnonymousUser  # noqa: E402

from rooms.wsframes import refusing_deep_nesting, with_frame_writer  # noqa: E402
from kaibiao.routing import websocket_urlpatterns  # noqa: E402



class SessionAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, except that a connection without a session cookie (the public)
    is anonymous at once, without the trip to the thread that reads sessions: when a restarted
    server's viewers all come back, that one thread would take them one by one."""

    async def resolve_scope(self, scope):
        if scope["session"].session_key is None:
            scope["user"]._wrapped = AnonymousUser()
        else:
            await super().resolve_scope(scope)


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Outermost: the hall's fan-out writes ready frames to Daphne's connections. A message
        # nested too deeply is refused (in the page's language: inside the cookies) before a
        # consumer parses it.
        "websocket": with_frame_writer(AllowedHostsOriginValidator(CookieMiddleware(refusing_deep_nesting(
            SessionMiddleware(SessionAuthMiddleware(URLRouter(websocket_urlpatterns))))
        ))),
    }
)
