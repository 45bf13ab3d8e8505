"""The public portal's URLs: its home page, the notices and the tenders."""

from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.portal, name="portal"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("tenders/", views.tender_list, name="tenders"),
    path("tenders/<int:pk>/", views.tender_detail, name="tender"),
]
