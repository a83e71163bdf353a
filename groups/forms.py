import re
from dataclasses import dataclass

from django import forms
from django.contrib.auth import password_validation
from django.db.models.functions import Lower
from django.utils import timezone

from balint.forms import TypedChoiceOfModel
from groups.models import BalintGroup, Invitation, Membership, Scheme, User
from groups.services.memberships import GROUP_FIELDS, MOST_AT_ONCE, NewMember
from groups.services.privacy import PRIVACY_FIELDS
from groups.validation import InvitationData, validate_invitation


class DateInput(forms.DateInput):
    """A date picker. Its value is always ISO (YYYY-MM-DD), as HTML requires: in the
    locale's format (02/03/2026 in en-IE) a browser shows an initial date as empty."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)


class TimeInput(forms.TimeInput):
    input_type = "time"


class GroupForm(forms.ModelForm):
    class Meta:
        model = BalintGroup
        fields = GROUP_FIELDS
        widgets = {"start_time": TimeInput(format="%H:%M")}
        labels = {"duration_minutes": "Duration (minutes)", "online_link": "Online meeting link"}


TRACK_MISSING = "Choose the trainee's track."


def _dates_and_track_asked(form: forms.ModelForm) -> None:
    """Start today unless changed; the track chosen, not Psychiatry by default unseen."""
    form.fields["start_date"].initial = timezone.localdate
    track = form.fields["track"]
    track.choices = [("", "Choose a track"), *Membership.Track.choices]
    track.required = False  # needed for trainees only: see _require_track
    if not form.is_bound:
        form.initial.setdefault("track", "")


def _require_track(form: forms.ModelForm, cleaned: dict) -> None:
    if cleaned.get("role") == Membership.Role.MEMBER and not cleaned.get("track"):
        form.add_error("track", TRACK_MISSING)
    elif not cleaned.get("track"):
        cleaned["track"] = Membership.Track.PSYCHIATRY  # leaders and organisers: unused


class MembershipForm(forms.ModelForm):
    person = TypedChoiceOfModel(
        User.objects.none(),
        lookup="email",
        label="Email address",
        help_text="Of someone already in the scheme. New people join by invitation.",
        error_messages={"invalid_choice": "No one in this scheme has that email address."},
    )

    class Meta:
        model = Membership
        fields = ("person", "role", "track", "start_date", "end_date")
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        _dates_and_track_asked(self)

    def clean(self):
        cleaned = super().clean()
        _require_track(self, cleaned)
        return cleaned


# An address in a pasted list: from a spreadsheet column, an email's To line ("Name
# <address>"), separated by new lines, commas, semicolons or spaces.
PASTED_ADDRESS = re.compile(r"[^\s,;<>\"']+@[^\s,;<>\"']+")


@dataclass
class ChosenPerson:
    """A row of the bulk add: someone chosen, the track they join with, what is wrong."""

    person: User
    track: str
    error: str = ""


class MembershipBulkForm(forms.Form):
    """Several of the scheme's people, ticked in a search or pasted as addresses, join the
    group as trainees from one date, each with their track.

    The page comes back to itself while people are found and ticked (`adding` False): the
    dates and tracks are asked only when the organiser adds them (`adding` True). A
    person's track is the one chosen on the page, else their latest in the scheme
    (`latest_track` of the `people` queryset); someone with neither is asked for it.
    """

    person = forms.ModelMultipleChoiceField(
        User.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": "Someone chosen is not in this scheme.",
            "invalid_pk_value": "Someone chosen is not in this scheme.",
        },
    )
    emails = forms.CharField(
        label="Or paste their email addresses",
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text="From a spreadsheet or an email: one a line, or separated by commas.",
    )
    start_date = forms.DateField(
        widget=DateInput(),
        required=False,
        help_text="The group's next session unless you change it (today if none is planned).",
    )
    end_date = forms.DateField(
        widget=DateInput(), required=False, help_text="Inclusive. Leave empty: open-ended."
    )

    def __init__(self, *args, people, first_day, adding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["start_date"].initial = first_day
        self.fields["start_date"].required = adding
        self.adding = adding
        self.chosen: list[ChosenPerson] = []
        self.unknown_emails: list[str] = []

    def clean(self):
        cleaned = super().clean()
        people = list(cleaned.get("person") or [])
        people += self._pasted(cleaned.get("emails", ""), known={p.pk for p in people})
        self.chosen = sorted(
            (ChosenPerson(p, self.data.get(f"track_{p.pk}", p.latest_track or "")) for p in people),
            key=lambda row: (row.person.full_name, row.person.pk),
        )
        if len(self.chosen) > MOST_AT_ONCE:
            self.add_error("person", f"Add at most {MOST_AT_ONCE} people at once.")
        if not self.adding:
            return cleaned
        if not self.chosen and not self.has_error("person"):
            self.add_error("person", "Choose at least one person.")
        missing = [row for row in self.chosen if row.track not in Membership.Track.values]
        for row in missing:
            row.error = f"Choose {row.person.full_name}'s track."
        if missing:
            names = ", ".join(row.person.full_name for row in missing)
            self.add_error(None, f"Choose a track for {names}.")
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return cleaned

    def _pasted(self, text: str, *, known: set[int]) -> list[User]:
        """The scheme's people with the pasted addresses, in one query; any address no one
        in the scheme has stays in the box with an error."""
        addresses = list(dict.fromkeys(a.lower() for a in PASTED_ADDRESS.findall(text)))
        if not addresses:
            if text.strip():
                self.add_error("emails", "No email address found in what was pasted.")
            return []
        found = {
            p.lower_email: p
            for p in self.fields["person"]
            .queryset.annotate(lower_email=Lower("email"))
            .filter(lower_email__in=addresses)
        }
        self.unknown_emails = [a for a in addresses if a not in found]
        if self.unknown_emails:
            which = "this address" if len(self.unknown_emails) == 1 else "these addresses"
            self.add_error(
                "emails",
                f"No one in this scheme has {which}: {', '.join(self.unknown_emails)}. "
                "New people join by invitation.",
            )
        return [p for p in found.values() if p.pk not in known]

    @property
    def emails_left(self) -> str:
        """What the address box shows again: only the addresses no one has (the others
        are on the list, where unticking takes them off)."""
        return "\n".join(self.unknown_emails)

    def new_members(self) -> list[NewMember]:
        return [NewMember(person=row.person, track=row.track) for row in self.chosen]


class MembershipEndForm(forms.Form):
    end_date = forms.DateField(
        widget=DateInput(), help_text="The last day they belong (inclusive)."
    )


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ("full_name", "email", "role", "group", "track", "start_date", "end_date")
        widgets = {"start_date": DateInput(), "end_date": DateInput()}

    group = TypedChoiceOfModel(
        BalintGroup.objects.none(),
        lookup="name",
        required=False,
        help_text="Its name as the scheme page shows it. Not needed for a scheme organiser.",
        error_messages={"invalid_choice": "No group of this scheme has that name."},
    )

    def __init__(self, *args, scheme: Scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.fields["group"].queryset = scheme.groups.all()
        _dates_and_track_asked(self)

    def clean(self):
        """The service's rules, with its messages; the model's constraints would only name
        themselves (a field with an error is left out of the constraint check)."""
        cleaned = super().clean()
        if cleaned.get("role") == Invitation.Role.ORGANISER:
            cleaned["group"] = None  # the service drops it too: organisers join no group
        _require_track(self, cleaned)
        data = InvitationData(
            email=cleaned.get("email") or "",
            full_name=cleaned.get("full_name") or "",
            role=cleaned.get("role") or "",
            group=cleaned.get("group"),
            track=cleaned.get("track") or Membership.Track.PSYCHIATRY,
            start_date=cleaned.get("start_date"),
            end_date=cleaned.get("end_date"),
        )
        for field, message in validate_invitation(scheme=self.scheme, data=data).items():
            if field not in self.errors:
                self.add_error(field, message)
        return cleaned


class InvitationImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name, email, role, group, start_date, end_date and optionally track. "
        "Dates as YYYY-MM-DD.",
    )


class AcceptInvitationForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Repeat the password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The two passwords differ.")
        elif cleaned.get("password1"):
            person = User(email=self.invitation.email, full_name=self.invitation.full_name)
            try:
                password_validation.validate_password(cleaned["password1"], person)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class SchemePrivacyForm(forms.ModelForm):
    class Meta:
        model = Scheme
        fields = PRIVACY_FIELDS


class ErasureConfirmForm(forms.Form):
    """Typing the person's address is the confirmation: no erasure by a stray click."""

    email = forms.CharField(
        label="Type the person's email address to confirm",
        help_text="This cannot be undone.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args, person: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_email(self):
        typed = self.cleaned_data["email"].strip()
        if typed.lower() != self.person.email.lower():
            raise forms.ValidationError("That is not this person's email address.")
        return typed
