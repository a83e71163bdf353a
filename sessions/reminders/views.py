from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from balint import outbox
from balint.pages import form_page
from sessions.reminders import services
from sessions.reminders.forms import ReminderPreferenceForm


@login_required
def reminder_settings(request):
    form = ReminderPreferenceForm(
        request.POST or None, instance=services.reminder_preferences_for(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.reminder_preferences_update(person=request.user, **form.cleaned_data)
        messages.success(request, "Reminder choices saved.")
        return redirect("reminder_settings")
    return form_page(
        request,
        form,
        title="Email reminders",
        template="sessions/reminder_settings.html",
        intro="Choose which reminders you get by email. Each is sent once.",
        submit_label="Save choices",
        emails=outbox.emails_to(request.user),
    )
