from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone

from balint.forms import TypedChoiceOfModel
from groups.models import BalintGroup, Invitation, Membership, Scheme, User
from groups.services.memberships import GROUP_FIELDS
from groups.services.privacy import PRIVACY_FIELDS
from groups.validation import InvitationData, validate_invitation


class DateInput(forms.DateInput):
    input_type = "date"


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
