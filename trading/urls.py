"""The trading floor's URLs: bidder registration, staff's project pages, the audit trail, document downloads."""

from django.urls import path

from . import views

app_name = "trading"

urlpatterns = [
    path("register/", views.register_bidder, name="register"),
    path("work/", views.dashboard, name="dashboard"),
    path("work/projects/new/", views.project_create, name="project_create"),
    path("work/projects/<int:pk>/", views.project_detail, name="project"),
    path("work/projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("work/projects/<int:pk>/documents/new/", views.document_add, name="document_add"),
    path("work/projects/<int:pk>/publish/", views.project_publish, name="project_publish"),
    path("work/projects/<int:pk>/notices/new/", views.notice_add, name="notice_add"),
    path("work/lots/<int:pk>/transition/", views.lot_transition, name="lot_transition"),
    path("work/audit/", views.audit_trail, name="audit"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
