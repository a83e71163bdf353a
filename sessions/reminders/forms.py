from django import forms

from sessions.models import ReminderPreference


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ("presenter", "day_before", "register", "clash")
