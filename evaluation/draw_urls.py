"""The evaluation floor's URLs: the staff's page of a lot's draw, and the public page with its files."""

from django.urls import path

from . import draw_views

urlpatterns = [
    path("work/lots/<int:lot_id>/draw/", draw_views.draw_page, name="draw_staff"),
    path("work/lots/<int:lot_id>/draw/run/", draw_views.draw_run, name="draw_run"),
    path("draws/<int:lot_id>/", draw_views.public_draw, name="draw_public"),
    path("draws/<int:lot_id>/draw.json", draw_views.public_draw_json, name="draw_json"),
    path("draws/<int:lot_id>/snapshot.json", draw_views.public_snapshot, name="draw_snapshot"),
]
