from django import forms

from attendance.models import Attendance
from attendance.services import Entry
from groups.models import Membership


class RegisterForm(forms.Form):
    """One radio group per person; a hidden field remembers what the page showed."""

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            pk = line.person.pk
            self.fields[f"status_{pk}"] = forms.ChoiceField(
                choices=Attendance.Status.choices,
                initial=line.status,
                label=line.person.full_name,
                widget=forms.RadioSelect,
            )
            self.fields[f"was_{pk}"] = forms.CharField(
                initial=line.recorded, required=False, widget=forms.HiddenInput
            )

    def entries(self) -> list[Entry]:
        return [
            Entry(
                person_id=line.person.pk,
                was=self.cleaned_data[f"was_{line.person.pk}"],
                status=self.cleaned_data[f"status_{line.person.pk}"],
            )
            for line in self.lines
        ]

    def rows(self):
        """(line, status field, was field) for the template."""
        for line in self.lines:
            pk = line.person.pk
            yield line, self[f"status_{pk}"], self[f"was_{pk}"]


class OverviewFilterForm(forms.Form):
    # A search box, not a select: a national scheme has 500 groups.
    group = forms.CharField(
        required=False,
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "All groups"}),
        help_text="All or part of a group's name.",
    )
    track = forms.ChoiceField(
        choices=[("", "All tracks"), *Membership.Track.choices], required=False
    )
    status = forms.ChoiceField(
        choices=[
            ("", "Any status"),
            ("complete", "Complete"),
            ("on_track", "On track"),
            ("at_risk", "At risk"),
        ],
        required=False,
    )
    sort = forms.ChoiceField(
        choices=[
            ("name", "Name"),
            ("count", "Sessions counted"),
            ("rate", "Attendance rate"),
            ("last", "Last attended"),
            ("status", "Status"),
        ],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "group" else "form-select"
