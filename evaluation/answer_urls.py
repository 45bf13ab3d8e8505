"""The evaluation floor's URLs: the expert's invitations and their answers."""

from django.urls import path

from . import answer_views

urlpatterns = [
    path("invitations/", answer_views.invitations, name="invitations"),
    path("invitations/<int:member_id>/answer/", answer_views.answer, name="answer"),
]
