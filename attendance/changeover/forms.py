"""The changeover page's forms. The page posts back to itself while the organiser builds
the changeover (people picked, a cohort file, someone kept in their group): each post
carries the whole plan, so nothing is kept on the server until it is applied."""

import base64
import binascii

from django import forms
from django.db.models.functions import Lower

from attendance.changeover.imports import parse_joiners_csv
from attendance.changeover.plan import Joiner
from attendance.changeover.services import MOST_DATES
from balint.forms import TypedChoiceOfModel
from balint.imports import ImportFailed
from groups.forms import PASTED_ADDRESS, DateInput
from groups.imports import read_upload
from groups.membership_selectors import people_with_latest_track
from groups.models import Membership, Scheme, User

TRACK_CHOICES = [("", "Choose a track"), *Membership.Track.choices]
# People picked on the page at once, beyond the cohort file: a few moves between groups.
MOST_PICKED = 50


class RotationDateForm(forms.Form):
    track = forms.ChoiceField(choices=TRACK_CHOICES)
    first = forms.DateField(
        label="Rotation day", widget=DateInput(), help_text="The first day in the new groups."
    )
    every_months = forms.TypedChoiceField(
        label="Repeats",
        choices=[("", "Once"), *((n, f"Every {n} months") for n in (3, 4, 6, 12))],
        coerce=int,
        empty_value=None,
        required=False,
    )
    count = forms.IntegerField(
        label="How many dates",
        min_value=1,
        max_value=MOST_DATES,
        initial=1,
        help_text="With a repeat: the dates added, the first one included.",
    )


class ChangeoverForm(forms.Form):
    """The day, the people picked (`pick`: "person:group:track", carried in hidden fields),
    those kept in their group (`keep`: membership pks), and the cohort file (uploaded, then
    carried as `cohort_data`). `action` says what the post asks: add the addresses in
    `emails` to `group`, drop a pick, remove the file, or apply."""

    day = forms.DateField(
        label="Changeover day",
        widget=DateInput(),
        help_text="The first day in the new groups: the leavers' places end the day before.",
    )
    emails = forms.CharField(
        label="Email addresses",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"}),
        help_text="Of people already in the scheme: one a line, or separated by commas.",
    )
    group = TypedChoiceOfModel(
        None,
        lookup="name",
        label="Join the group",
        required=False,
        error_messages={"invalid_choice": "There is no group of that name in this scheme."},
    )
    track = forms.ChoiceField(
        label="Track",
        required=False,
        choices=[("", "Their latest track"), *Membership.Track.choices],
    )
    cohort = forms.FileField(label="Incoming cohort (CSV file)", required=False)

    def __init__(self, *args, scheme: Scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.fields["group"].queryset = scheme.groups.all()
        self.action = self.data.get("action", "")
        self.joiners: list[Joiner] = []
        self.picks: list[str] = []
        self.kept: set[int] = set()
        self.problems = []  # the cohort file's, by line
        self.cohort_data = ""
        self.cohort_name = ""
        self.added = False  # the addresses typed are picked now: their boxes start empty

    @property
    def applying(self) -> bool:
        return self.action == "apply"

    def clean(self):
        cleaned = super().clean()
        self.kept = {int(v) for v in self.data.getlist("keep", []) if str(v).isdigit()}
        picks = self._picks(self.data.getlist("pick", []))
        if self.action == "add":
            picks += self._added(cleaned)
        if len(picks) > MOST_PICKED:
            self.add_error("emails", f"Pick at most {MOST_PICKED} people: use the CSV for more.")
        people = {p.pk: p for p in User.objects.filter(pk__in={pk for pk, _, _ in picks})}
        groups = {g.pk: g for g in self.scheme.groups.filter(pk__in={g for _, g, _ in picks})}
        for person_pk, group_pk, track in picks:
            if person_pk in people and group_pk in groups:
                self.picks.append(f"{person_pk}:{group_pk}:{track}")
                self.joiners.append(
                    Joiner(
                        group=groups[group_pk],
                        track=track,
                        person=people[person_pk],
                        pick=len(self.picks) - 1,
                    )
                )
        if cleaned.get("day"):
            self.joiners += self._cohort(cleaned["day"])
        return cleaned

    def _picks(self, values: list[str]) -> list[tuple[int, int, str]]:
        """The people picked before, but the one whose Remove button was pressed."""
        dropped = self.data.get("drop", "")
        picks = []
        for index, value in enumerate(values):
            person, _, rest = value.partition(":")
            group, _, track = rest.partition(":")
            if str(index) != dropped and person.isdigit() and group.isdigit():
                picks.append((int(person), int(group), track))
        return picks

    def _added(self, cleaned: dict) -> list[tuple[int, int, str]]:
        """The scheme's people with the addresses typed, to join the group chosen; an
        address no one in the scheme has, or a missing group or track, is an error."""
        text, group = cleaned.get("emails", ""), cleaned.get("group")
        addresses = list(dict.fromkeys(a.lower() for a in PASTED_ADDRESS.findall(text)))
        if not addresses:
            self.add_error("emails", "Type the email address of someone in the scheme.")
        if group is None and not self.has_error("group"):
            self.add_error("group", "Choose the group they join.")
        if not addresses or group is None:
            return []
        people = people_with_latest_track(self.scheme).annotate(lower_email=Lower("email"))
        found = {p.lower_email: p for p in people.filter(lower_email__in=addresses)}
        unknown = [a for a in addresses if a not in found]
        if unknown:
            self.add_error(
                "emails",
                f"No one in this scheme has {', '.join(unknown)}. New people join with the "
                "cohort's CSV file, which invites them.",
            )
            return []
        track = cleaned.get("track", "")
        missing = [p.full_name for p in found.values() if not (track or p.latest_track)]
        if missing:
            self.add_error("track", f"Choose the track of {', '.join(missing)}.")
            return []
        self.added = True
        return [(p.pk, group.pk, track or p.latest_track) for p in found.values()]

    def _cohort(self, day) -> list[Joiner]:
        """The cohort file's rows: a new upload, else the file carried from before (its
        bytes, base64 in a hidden field), unless its Remove button was pressed. A new file
        that is refused is dropped; one carried stays, to read again on another day."""
        upload = self.files.get("cohort")
        if upload is not None:
            try:
                raw = read_upload(upload)
            except ImportFailed as exc:
                self.problems = exc.problems
                return []
            name = upload.name[:200]
        elif self.action == "remove_cohort":
            return []
        else:
            try:
                raw = base64.b64decode(self.data.get("cohort_data", ""), validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            name = self.data.get("cohort_name", "")[:200] or "cohort.csv"
        if not raw:
            return []
        try:
            rows = parse_joiners_csv(scheme=self.scheme, day=day, raw=raw, filename=name)
        except ImportFailed as exc:
            self.problems = exc.problems
            if upload is not None:
                return []
            rows = []
        self.cohort_data, self.cohort_name = base64.b64encode(raw).decode(), name
        return rows
