"""The evaluation floor's URLs: the staff's page of a lot's scoring table."""

from django.urls import path

from . import table_views

urlpatterns = [
    path("work/lots/<int:lot_id>/table/", table_views.table_page, name="table"),
]
