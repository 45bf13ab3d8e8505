"""The evaluation floor's URLs: the expert's signing key, the evaluation report's PDF and signatures file."""

from django.urls import path

from . import key_views, report_views

urlpatterns = [
    path("expert/key/", key_views.expert_key, name="expert_key"),
    path("evaluation/lots/<int:lot_id>/report.pdf", report_views.report_pdf, name="report_pdf"),
    path("evaluation/lots/<int:lot_id>/report-signatures.json", report_views.report_signatures,
         name="report_signatures"),
]
