from django.urls import path

from feedback import evaluation_views, views

urlpatterns = [
    path("feedback/", views.my_feedback, name="my_feedback"),
    path("sessions/<int:pk>/feedback/", views.feedback_give, name="feedback_give"),
    path("sessions/<int:pk>/feedback/summary/", views.feedback_summary, name="feedback_summary"),
    path("sessions/<int:pk>/themes/", views.session_themes, name="session_themes"),
    path("sessions/<int:pk>/before/", views.session_brief, name="session_brief"),
    path("groups/<int:pk>/themes/", views.group_themes, name="group_themes"),
    path("groups/<int:pk>/health/", views.group_health, name="group_health"),
    path("schemes/<int:pk>/themes/", views.scheme_themes, name="scheme_themes"),
    path(
        "schemes/<int:pk>/themes/repetition/",
        views.scheme_repetition,
        name="scheme_repetition",
    ),
    path("themes/<int:pk>/edit/", views.theme_edit, name="theme_edit"),
    path("themes/<int:pk>/delete/", views.theme_delete, name="theme_delete"),
    path("schemes/<int:pk>/evaluations/", evaluation_views.evaluations, name="evaluations"),
    path(
        "schemes/<int:pk>/evaluations/new/",
        evaluation_views.evaluation_open,
        name="evaluation_open",
    ),
    path("evaluations/<int:pk>/", evaluation_views.evaluation_summary, name="evaluation_summary"),
    path(
        "evaluations/<int:pk>.<str:fmt>",
        evaluation_views.evaluation_export,
        name="evaluation_export",
    ),
    path("evaluations/<int:pk>/close/", evaluation_views.evaluation_close, name="evaluation_close"),
    path(
        "evaluations/<int:pk>/answer/", evaluation_views.evaluation_answer, name="evaluation_answer"
    ),
]
