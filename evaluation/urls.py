"""The evaluation floor's URLs: the pool (experts, specialties), the draw, the experts' answers, the result."""

from django.urls import include, path

app_name = "evaluation"

urlpatterns = [
    path("", include("evaluation.pool_urls")),
    path("", include("evaluation.draw_urls")),
    path("", include("evaluation.answer_urls")),
    path("", include("evaluation.result_urls")),
]
