from datetime import date

from django import forms

from groups.forms import DateInput, TimeInput
from sessions.models import Leave, ReminderPreference, RosterSource, Session


class TermForm(forms.Form):
    start = forms.DateField(label="First day of the term", widget=DateInput())
    end = forms.DateField(label="Last day of the term", widget=DateInput())
    excluded = forms.CharField(
        label="Dates to leave out",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional. One date per line or separated by commas, as YYYY-MM-DD. "
        "Public holidays are left out by themselves.",
    )

    def clean_excluded(self) -> set[date]:
        raw = self.cleaned_data["excluded"].replace(",", "\n")
        days = set()
        for number, item in enumerate(raw.split(), start=1):
            try:
                days.add(date.fromisoformat(item.strip()))
            except ValueError:
                raise forms.ValidationError(
                    f"Date {number}, {item!r}, is not a date; write it as YYYY-MM-DD."
                ) from None
        return days

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The term ends before it starts.")
        return cleaned


class SessionForm(forms.Form):
    day = forms.DateField(label="Date", widget=DateInput())
    start_time = forms.TimeField(
        label="Start time",
        required=False,
        widget=TimeInput(format="%H:%M"),
        help_text="Leave empty for the group's usual time.",
    )
    location_override = forms.CharField(
        label="Place", required=False, max_length=200, help_text="Leave empty for the usual place."
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=200,
        help_text="Members see this, e.g. “Leader unwell”. No clinical details.",
    )


class PresenterForm(forms.Form):
    presenter = forms.ModelChoiceField(queryset=None, required=False, empty_label="No presenter")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presenter"].queryset = members


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


class SwapForm(forms.Form):
    other = forms.ModelChoiceField(
        queryset=None,
        label="Swap with",
        empty_label=None,
        widget=forms.RadioSelect,
        help_text="They are asked by email and must accept.",
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = choices
        self.fields["other"].label_from_instance = _swap_label


def _swap_label(session: Session) -> str:
    return f"{session.slot_date:%a %d %b %Y} — {session.presenter.full_name}"


# --- On-call rosters and reminders --------------------------------------------------------------


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


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        model = ReminderPreference
        fields = ("presenter", "day_before", "register", "clash")
