from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect

from balint import outbox
from balint.pages import add_service_errors, form_page
from sessions.reminders import selectors, services
from sessions.reminders.forms import ReminderPreferenceForm, SchemeNoticeForm


def _scheme_form(rules, data=None) -> SchemeNoticeForm:
    # A prefix per scheme: an organiser of several has a form each, with distinct ids.
    return SchemeNoticeForm(data, instance=rules, prefix=f"scheme{rules.scheme_id}")


@login_required
def reminder_settings(request):
    """Everyone's reminder choices; below them, an organiser's notice settings of each
    scheme they organise (a POST naming `scheme`)."""
    organised = list(selectors.scheme_settings_organised_by(request.user))
    if request.method == "POST" and "scheme" in request.POST:
        return _scheme_settings(request, organised)
    form = ReminderPreferenceForm(
        request.POST or None, instance=services.reminder_preferences_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.reminder_preferences_update(person=request.user, **form.cleaned_data)
        messages.success(request, "Reminder choices saved.")
        return redirect("reminder_settings")
    return _page(request, form, [_scheme_form(rules) for rules in organised])


def _scheme_settings(request, organised):
    """A scheme the user does not organise is not found, as on every organiser page."""
    rules = next((r for r in organised if str(r.scheme_id) == request.POST["scheme"]), None)
    if rules is None:
        raise Http404("No such scheme.")
    form = _scheme_form(rules, request.POST)
    if form.is_valid():
        try:
            services.scheme_notice_settings_update(
                actor=request.user, scheme=rules.scheme, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Settings of {rules.scheme.name} saved.")
            return redirect("reminder_settings")
    scheme_forms = [form if r is rules else _scheme_form(r) for r in organised]
    choices = ReminderPreferenceForm(instance=services.reminder_preferences_for(request.user))
    return _page(request, choices, scheme_forms, status=400)


def _page(request, form, scheme_forms, status=200):
    return form_page(
        request,
        form,
        title="Email reminders",
        template="sessions/reminder_settings.html",
        status=status,
        intro="Choose which reminders you get by email. Each is sent once.",
        submit_label="Save choices",
        emails=outbox.emails_to(request.user),
        scheme_forms=scheme_forms,
    )
