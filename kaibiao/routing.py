"""WebSocket routes."""

from django.urls import path

from bidding.consumers import HallConsumer

websocket_urlpatterns = [
    path("ws/halls/<int:lot_id>/", HallConsumer.as_asgi()),
]
