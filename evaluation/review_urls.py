"""The review's URLs: the committee's bid files, and the bidder's page of the committee's questions."""

from django.urls import path

from . import bid_files_views, question_views

urlpatterns = [
    path("evaluation/lots/<int:lot_id>/files/", bid_files_views.bid_file_list, name="bid_files"),
    path("evaluation/lots/<int:lot_id>/files/<uuid:file_id>/", bid_files_views.bid_file_page, name="bid_file"),
    path("evaluation/lots/<int:lot_id>/files/<uuid:file_id>/inline/", bid_files_views.bid_file_inline,
         name="bid_file_inline"),
    path("evaluation/lots/<int:lot_id>/files/<uuid:file_id>/download/", bid_files_views.bid_file_download,
         name="bid_file_download"),
    path("evaluation/lots/<int:lot_id>/questions/", question_views.question_list, name="questions"),
    path("evaluation/lots/<int:lot_id>/questions/<int:question_id>/answer/", question_views.answer,
         name="question_answer"),
]
