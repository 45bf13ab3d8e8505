"""The evaluation floor's URLs after the report: a lot's result page and files, the objections, the contract."""

from django.urls import path

from . import result_views as views

urlpatterns = [
    path("results/<int:lot_id>/", views.result, name="result"),
    path("results/<int:lot_id>/scores.json", views.scores_json, name="scores_json"),
    path("results/<int:lot_id>/award-notice.pdf", views.award_notice, name="award_notice"),
    path("results/<int:lot_id>/objections/", views.objection_list, name="objections"),
    path("results/<int:lot_id>/objections/raise/", views.objection_raise, name="objection_raise"),
    path("work/objections/<int:objection_id>/answer/", views.objection_answer, name="objection_answer"),
    path("work/lots/<int:lot_id>/contract/", views.contract, name="contract"),
]
