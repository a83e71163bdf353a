from django.urls import path

from attendance.assessments import form_views as views

urlpatterns = [
    path("schemes/<int:pk>/assessment-forms/", views.assessment_forms, name="assessment_forms"),
    path(
        "schemes/<int:pk>/assessment-forms/start/",
        views.assessment_form_start,
        name="assessment_form_start",
    ),
    path(
        "schemes/<int:pk>/assessment-forms/new/",
        views.assessment_form_new,
        name="assessment_form_new",
    ),
    path("assessment-forms/<int:pk>/", views.assessment_form_edit, name="assessment_form_edit"),
    path(
        "assessment-forms/<int:pk>/retire/",
        views.assessment_form_retire,
        name="assessment_form_retire",
    ),
]
