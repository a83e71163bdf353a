from datetime import date

from django import forms

from groups.forms import DateInput, TimeInput


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
