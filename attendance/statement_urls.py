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
        "schemes/<int:pk>/statements.zip", views.scheme_statements_zip, name="scheme_statements_zip"
    ),
]
