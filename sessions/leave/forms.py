from django import forms

from groups.forms import DateInput
from sessions.models import Leave


class LeaveForm(forms.ModelForm):
    class Meta:
        model = Leave
        fields = ("kind", "start_date", "end_date")
        widgets = {"start_date": DateInput(), "end_date": DateInput()}
        labels = {"kind": "Kind of leave", "start_date": "First day", "end_date": "Last day"}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The leave ends before it starts.")
        return cleaned
