"""The evaluation floor's URLs: the committee's live evaluation room (its socket: kaibiao/routing.py)."""

from django.urls import path

from . import room_views

urlpatterns = [
    path("evaluation/lots/<int:lot_id>/", room_views.room_page, name="room"),
]
