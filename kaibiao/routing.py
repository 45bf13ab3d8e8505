"""WebSocket routes."""

from django.urls import path

from bidding.consumers import HallConsumer
from evaluation.consumers import EvaluationConsumer

websocket_urlpatterns = [
    path("ws/halls/<int:lot_id>/", HallConsumer.as_asgi()),
    path("ws/evaluation/<int:lot_id>/", EvaluationConsumer.as_asgi()),
]
