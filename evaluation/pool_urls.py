"""The evaluation floor's URLs: pool (an expert's enrolment and own record, the keepers' pool pages, the specialty list)."""

from django.urls import path

from . import pool_views, profile_views, specialty_views

urlpatterns = [
    path("experts/enrol/", pool_views.enrol, name="enrol"),
    path("expert/record/", profile_views.profile, name="profile"),
    path("expert/record/absences/", profile_views.absence_add, name="absence_add"),
    path("expert/record/absences/<int:pk>/remove/", profile_views.absence_remove, name="absence_remove"),
    path("expert/record/relations/", profile_views.relation_add, name="relation_add"),
    path("expert/record/relations/<int:pk>/withdraw/", profile_views.relation_withdraw, name="relation_withdraw"),
    path("work/experts/", pool_views.pool_list, name="pool"),
    path("work/experts/<int:pk>/", pool_views.expert_detail, name="pool_expert"),
    path("work/experts/<int:pk>/review/", pool_views.expert_review, name="pool_review"),
    path("work/specialties/", specialty_views.specialties, name="specialties"),
    path("work/specialties/<int:pk>/", specialty_views.specialty_change, name="specialty_change"),
]
