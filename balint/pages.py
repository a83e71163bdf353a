"""Small helpers that every app's views share."""

from django.core.exceptions import ValidationError
from django.shortcuts import render


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form, by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def form_page(request, form, *, title, template="form_page.html", status=200, **context):
    """Render a page around one form; 400 when it comes back with errors."""
    context = {"form": form, "title": title, **context}
    if form.errors and status == 200:
        status = 400
    return render(request, template, context, status=status)
