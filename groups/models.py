"""Schemes, Balint groups, people and the roles they hold.

Roles are data: a `Membership` makes someone a leader, co-leader or member of
a group for a period; a `SchemeOrganiser` row lets someone run one scheme.
"""

import zoneinfo
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

# The privacy records are models of this app too, imported as groups.models.X.
from groups.privacy_models import AccessLogEntry as AccessLogEntry
from groups.privacy_models import PersonErasure as PersonErasure
from groups.privacy_models import RetentionRun as RetentionRun

# Retention defaults (days). A scheme may change its own within sensible bounds.
DEFAULT_ROSTER_RETENTION_DAYS = 90
DEFAULT_ACCOUNT_RETENTION_DAYS = 730
MAX_RETENTION_DAYS = 3650

# What an erased person's name becomes, everywhere it was shown.
ERASED_NAME = "Erased person"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone, e.g. Europe/Dublin.")


class HttpsURLField(models.URLField):
    """A URL field whose form assumes https:// when the scheme is left out."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: trainee, leader, organiser or all three. Email is the login."""

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150)
    registration_number = models.CharField(
        "professional registration number",
        max_length=30,
        blank=True,
        help_text="For example an IMC or GMC number. Printed on certificates.",
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        # Lists of people page by name (balint.keyset): a page reads one page of this index.
        indexes = [models.Index(fields=["full_name", "id"], name="user_name_order")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Scheme(models.Model):
    """A training scheme: its groups, calendar and privacy settings. Each app keeps its own
    settings of a scheme in its own table (balint/scheme_settings.py)."""

    name = models.CharField(max_length=200, unique=True)
    time_zone = models.CharField(
        max_length=64, default="Europe/Dublin", validators=[validate_time_zone]
    )
    holiday_country = models.CharField(
        "country for public holidays", max_length=2, default="IE", help_text="ISO code, e.g. IE."
    )
    holiday_subdivision = models.CharField(
        "region for public holidays",
        max_length=10,
        blank=True,
        help_text="Optional, e.g. NIR for Northern Ireland when the country is GB.",
    )
    # Privacy: shown on the privacy notice and enforced by the daily retention task.
    controller_name = models.CharField(
        "data controller",
        max_length=200,
        blank=True,
        help_text="The organisation responsible for the personal data of this scheme, "
        "e.g. the training body. Shown on the privacy notice.",
    )
    privacy_contact = models.EmailField(
        "privacy contact",
        blank=True,
        help_text="Where people send requests for a copy or erasure of their data.",
    )
    roster_retention_days = models.PositiveIntegerField(
        "keep on-call shifts for (days)",
        default=DEFAULT_ROSTER_RETENTION_DAYS,
        validators=[MinValueValidator(7), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="On-call shifts and their clashes are deleted this many days after they end.",
    )
    account_retention_days = models.PositiveIntegerField(
        "keep accounts for (days)",
        default=DEFAULT_ACCOUNT_RETENTION_DAYS,
        validators=[MinValueValidator(30), MaxValueValidator(MAX_RETENTION_DAYS)],
        help_text="A person's account is erased this many days after their last membership "
        "ends, unless they hold another role.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(roster_retention_days__gte=7)
                & Q(roster_retention_days__lte=MAX_RETENTION_DAYS)
                & Q(account_retention_days__gte=30)
                & Q(account_retention_days__lte=MAX_RETENTION_DAYS),
                name="scheme_retention_sensible",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchemeOrganiser(models.Model):
    """Grants one person the organiser role over one scheme."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="organisers")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organiser_roles"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "person"], name="one_organiser_role_per_scheme"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} organises {self.scheme}"


class BalintGroup(models.Model):
    class Frequency(models.TextChoices):
        WEEKLY = "weekly", "Weekly"
        FORTNIGHTLY = "fortnightly", "Fortnightly"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=120)
    meeting_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.WEDNESDAY
    )
    start_time = models.TimeField(help_text="Local time in the scheme's time zone.")
    duration_minutes = models.PositiveSmallIntegerField(default=60)
    frequency = models.CharField(max_length=12, choices=Frequency.choices, default=Frequency.WEEKLY)
    location = models.CharField(max_length=200, blank=True)
    online_link = HttpsURLField(blank=True)
    min_members = models.PositiveSmallIntegerField(default=6)
    max_members = models.PositiveSmallIntegerField(default=12)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scheme", "name"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="group_name_unique_in_scheme"),
            models.CheckConstraint(
                condition=Q(min_members__gte=1) & Q(min_members__lte=models.F("max_members")),
                name="group_size_bounds_valid",
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15) & Q(duration_minutes__lte=480),
                name="group_duration_sensible",
            ),
            models.CheckConstraint(
                condition=Q(meeting_weekday__gte=0) & Q(meeting_weekday__lte=6),
                name="group_weekday_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def end_time(self):
        start = timezone.datetime.combine(date(2000, 1, 1), self.start_time)
        return (start + timedelta(minutes=self.duration_minutes)).time()

    def clean(self):
        if self.min_members and self.max_members and self.min_members > self.max_members:
            raise ValidationError({"min_members": "The minimum cannot exceed the maximum."})


class MembershipQuerySet(models.QuerySet):
    def current(self, on: date | None = None):
        """Memberships that cover `on` (default: today)."""
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on)
        )


class Membership(models.Model):
    """A person's place in a group for a period: member, leader or co-leader.

    The end date is inclusive; a GP trainee's four-month rotation ends by itself.
    No two memberships of one person in one group may overlap (a database
    exclusion constraint on PostgreSQL, a trigger on SQLite: migration 0002).
    """

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEADER = "leader", "Leader"
        CO_LEADER = "co_leader", "Co-leader"

    class Track(models.TextChoices):
        PSYCHIATRY = "psychiatry", "Psychiatry"
        GENERAL_PRACTICE = "general_practice", "General practice"
        OTHER = "other", "Other"

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    group = models.ForeignKey(BalintGroup, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    track = models.CharField(max_length=20, choices=Track.choices, default=Track.PSYCHIATRY)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Inclusive. Empty: open-ended.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    LEADING_ROLES = (Role.LEADER, Role.CO_LEADER)

    class Meta:
        ordering = ["group", "role", "person__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_ends_after_it_starts",
            ),
        ]
        indexes = [models.Index(fields=["group", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.person} in {self.group} ({self.get_role_display()})"

    @property
    def is_leading(self) -> bool:
        return self.role in self.LEADING_ROLES

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True).filter(
            expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An emailed, single-use link that creates an account and its first role.

    The link carries a signed token (services.invitation_token), so nothing
    secret is stored: a database leak gives no usable links.
    """

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEADER = "leader", "Leader"
        CO_LEADER = "co_leader", "Co-leader"
        ORGANISER = "organiser", "Scheme organiser"

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    group = models.ForeignKey(
        BalintGroup, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    track = models.CharField(
        max_length=20, choices=Membership.Track.choices, default=Membership.Track.PSYCHIATRY
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A group role needs a group and a start date; an organiser needs neither.
            models.CheckConstraint(
                condition=Q(role="organiser", group__isnull=True)
                | (~Q(role="organiser") & Q(group__isnull=False, start_date__isnull=False)),
                name="invitation_group_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=False, end_date__gte=models.F("start_date")),
                name="invitation_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.scheme}"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
