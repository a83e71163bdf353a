from django import forms

from attendance.models import Attendance
from attendance.services import Entry
from groups.models import BalintGroup, Membership


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
    group = forms.ModelChoiceField(
        queryset=BalintGroup.objects.none(), required=False, empty_label="All groups"
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

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = scheme.groups.all()
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"
