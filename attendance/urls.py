from django.urls import include, path

from attendance import certificate_views as certs
from attendance import home_views, views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("sessions/<int:pk>/register/", views.register, name="register"),
    path("sessions/<int:pk>/register/history/", views.register_history, name="register_history"),
    path("progress/", views.my_progress, name="my_progress"),
    path("leading/", views.leading_log, name="leading_log"),
    path("schemes/<int:pk>/overview/", views.scheme_overview, name="scheme_overview"),
    path(
        "schemes/<int:pk>/overview.<str:fmt>",
        views.scheme_overview_export,
        name="scheme_overview_export",
    ),
    path(
        "schemes/<int:scheme_pk>/trainees/<int:person_pk>/",
        views.trainee_progress,
        name="trainee_progress",
    ),
    path("schemes/<int:pk>/leading/", views.scheme_leading_log, name="scheme_leading_log"),
    path("schemes/<int:pk>/leading.<str:fmt>", views.leading_log_export, name="leading_log_export"),
    path(
        "groups/<int:pk>/register.<str:fmt>",
        views.group_register_export,
        name="group_register_export",
    ),
    path("schemes/<int:pk>/certificates/", certs.certificates, name="certificates"),
    path(
        "schemes/<int:pk>/certificates/issue/<int:person_pk>/",
        certs.certificate_issue,
        name="certificate_issue",
    ),
    path(
        "schemes/<int:pk>/certificates/issue-eligible/",
        certs.certificates_issue_eligible,
        name="certificates_issue_eligible",
    ),
    path(
        "schemes/<int:pk>/certificates/issuing/",
        certs.certificates_issuing,
        name="certificates_issuing",
    ),
    path(
        "schemes/<int:pk>/certificates/issuing/status/",
        certs.certificates_issuing_status,
        name="certificates_issuing_status",
    ),
    path(
        "schemes/<int:pk>/certificates/design/",
        certs.certificate_design,
        name="certificate_design",
    ),
    path(
        "schemes/<int:pk>/certificates/export/",
        certs.certificate_export_start,
        name="certificate_export_start",
    ),
    path("certificates/<int:pk>.pdf", certs.certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", certs.certificate_revoke, name="certificate_revoke"),
    path("exports/<int:pk>/", certs.certificate_export, name="certificate_export"),
    path(
        "exports/<int:pk>/status/",
        certs.certificate_export_status,
        name="certificate_export_status",
    ),
    path(
        "exports/<int:pk>/download/",
        certs.certificate_export_download,
        name="certificate_export_download",
    ),
    path("verify/", certs.verify_form, name="verify_form"),
    path("verify/<str:code>/", certs.verify, name="verify"),
    path("", include("attendance.changeover.urls")),
    path("", include("attendance.leader_record_urls")),
    path("", include("attendance.statement_urls")),
    path("", include("attendance.assessments.urls")),
    path("", include("attendance.assessments.form_urls")),
]
