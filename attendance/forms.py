from django import forms

from attendance.models import Attendance
from attendance.progress import STATUS_LABELS
from attendance.services import REASON_LENGTH, Entry
from groups.models import Membership


class RegisterForm(forms.Form):
    """One radio group per person, none chosen until a leader marks them; a hidden field
    remembers what the page showed. After the session's day (`asks_reason`) a reason
    field comes too: the service requires it when a saved entry changes."""

    # The name of the "Everyone present" button; without JavaScript it posts the form.
    EVERYONE_PRESENT = "everyone_present"

    def __init__(self, *args, lines, asks_reason: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines, self.asks_reason = lines, asks_reason
        for line in lines:
            pk = line.person.pk
            self.fields[f"status_{pk}"] = forms.ChoiceField(
                choices=Attendance.Status.choices,
                required=False,  # not marked yet
                initial=line.status or None,
                label=line.person.full_name,
                widget=forms.RadioSelect,
            )
            self.fields[f"was_{pk}"] = forms.CharField(
                initial=line.recorded, required=False, widget=forms.HiddenInput
            )
        if asks_reason:
            self.fields["reason"] = forms.CharField(
                required=False,
                max_length=REASON_LENGTH,
                label="Reason for changing saved entries",
                help_text="Needed when you change an entry already saved, now that the day of "
                "the session has passed. It is kept in the register's history.",
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )

    @property
    def has_saved_entries(self) -> bool:
        return any(line.recorded for line in self.lines)

    @property
    def marked(self) -> int:
        """How many lines have a status, as the page shows them now."""
        return sum(1 for line in self.lines if self[f"status_{line.person.pk}"].value())

    def with_everyone_present(self) -> dict:
        """The submitted data with every line not marked yet set to present."""
        data = self.data.copy()
        for line in self.lines:
            name = f"status_{line.person.pk}"
            if not data.get(name):
                data[name] = Attendance.Status.PRESENT
        return data

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
    # Every status the figures table holds, in the order the page shows them.
    status = forms.ChoiceField(choices=[("", "Any status"), *STATUS_LABELS.items()], required=False)
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
