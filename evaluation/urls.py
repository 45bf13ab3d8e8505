"""The evaluation floor's URLs, gathered from each part's own.

The pool (experts, specialties), the draw, the experts' answers, the scoring tables, the
evaluation room, the review's bid files and questions, the report, the result."""

from django.urls import include, path

app_name = "evaluation"

urlpatterns = [
    path("", include("evaluation.pool_urls")),
    path("", include("evaluation.draw_urls")),
    path("", include("evaluation.answer_urls")),
    path("", include("evaluation.table_urls")),
    path("", include("evaluation.room_urls")),
    path("", include("evaluation.review_urls")),
    path("", include("evaluation.report_urls")),
    path("", include("evaluation.result_urls")),
]
