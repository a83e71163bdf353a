from django.urls import path

from attendance import statement_views as views

urlpatterns = [
    path("progress/statement.pdf", views.my_statement_pdf, name="my_statement_pdf"),
    path(
        "schemes/<int:scheme_pk>/trainees/<int:person_pk>/statement.pdf",
        views.trainee_statement_pdf,
        name="trainee_statement_pdf",
    ),
    path(
        "schemes/<int:pk>/statements/export/",
        views.statement_export_start,
        name="statement_export_start",
    ),
    path("statement-exports/<int:pk>/", views.statement_export, name="statement_export"),
    path(
        "statement-exports/<int:pk>/status/",
        views.statement_export_status,
        name="statement_export_status",
    ),
    path(
        "statement-exports/<int:pk>/download/",
        views.statement_export_download,
        name="statement_export_download",
    ),
]
