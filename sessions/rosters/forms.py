from django import forms

from sessions.models import RosterSource


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file",
        help_text="An iCalendar file (.ics) exported from your rota system or calendar, or a CSV "
        "file with the columns start, end and optionally shift_type.",
    )
    name = forms.CharField(
        label="Name", required=False, max_length=200, help_text="Optional, e.g. “Hospital rota”."
    )
    replace = forms.ModelChoiceField(
        queryset=RosterSource.objects.none(),
        required=False,
        label="Replaces",
        empty_label="Nothing: add it as a new roster",
        help_text="Choose a roster you uploaded before to replace its shifts with this file's.",
    )

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replace"].queryset = sources


class RosterFeedForm(forms.Form):
    url = forms.CharField(
        label="Feed address",
        max_length=2000,
        help_text="The https:// (or webcal://) address your rota system gives for subscribing "
        "to your on-call calendar. Use your rota's calendar only: every event in it counts "
        "as on-call duty.",
    )
    name = forms.CharField(label="Name", required=False, max_length=200)


class SchemeRosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster export",
        help_text="CSV or Excel (.xlsx) with the columns email or registration_number, start, end "
        "and optionally shift_type. You see a preview before anything is saved.",
    )
    replace = forms.ModelChoiceField(
        queryset=RosterSource.objects.none(),
        required=False,
        label="Replaces",
        empty_label="Nothing: add it as a new roster",
    )

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replace"].queryset = sources
