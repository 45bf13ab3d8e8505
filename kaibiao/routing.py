"""WebSocket routes. The opening hall registers its consumer here."""

websocket_urlpatterns = []
