"""What a person wants reminding of, and a scheme's settings for clashes, reminders,
guests and the below-minimum warning."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from balint.scheme_settings import PerSchemeSettings
from groups.models import Scheme


class ReminderKind(models.TextChoices):
    PRESENTER_FIRST = "presenter_first", "Presenter, first reminder"
    PRESENTER_LAST = "presenter_last", "Presenter, last reminder"
    DAY_BEFORE = "day_before", "Session reminder"
    REGISTER = "register", "Register not taken"
    CLASH = "clash", "On-call clash"


class ReminderPreference(models.Model):
    """Which kinds of reminder a person wants. No row means all of them."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    presenter = models.BooleanField(
        "before I present", default=True, help_text="A week and a day before, by default."
    )
    day_before = models.BooleanField("before every session", default=True)
    register = models.BooleanField(
        "register not taken",
        default=True,
        help_text="For leaders: the evening after a session whose register is not taken.",
    )
    clash = models.BooleanField(
        "on-call clashes",
        default=True,
        help_text="When a shift on my roster clashes with a session.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    FIELD_FOR_KIND = {
        ReminderKind.PRESENTER_FIRST: "presenter",
        ReminderKind.PRESENTER_LAST: "presenter",
        ReminderKind.DAY_BEFORE: "day_before",
        ReminderKind.REGISTER: "register",
        ReminderKind.CLASH: "clash",
    }

    def __str__(self) -> str:
        return f"Reminder choices of {self.person}"

    def wants(self, kind: str) -> bool:
        return getattr(self, self.FIELD_FOR_KIND[kind])


DEFAULT_TRAVEL_MARGIN_MINUTES = 30


class SchemeSettings(PerSchemeSettings, models.Model):
    """A scheme's settings for on-call clashes and reminders. They live here, not on
    groups.Scheme, so a feature of this app changes this app's tables only. Every scheme
    has a row from its creation (balint/scheme_settings.py)."""

    scheme = models.OneToOneField(
        Scheme, on_delete=models.CASCADE, primary_key=True, related_name="session_settings"
    )
    travel_margin_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_TRAVEL_MARGIN_MINUTES,
        help_text="An on-call shift ending or starting this close to a session clashes with it.",
    )
    presenter_first_reminder_days = models.PositiveSmallIntegerField(
        default=7, help_text="Days before a session that its presenter is first reminded."
    )
    presenter_last_reminder_days = models.PositiveSmallIntegerField(
        default=1, help_text="Days before a session that its presenter is reminded again."
    )
    member_reminder_days = models.PositiveSmallIntegerField(
        default=1, help_text="Days before a session that every member is reminded."
    )
    reminder_hour = models.PositiveSmallIntegerField(
        default=9, help_text="Local hour (0–23) at which reminders before a session go out."
    )
    below_minimum_notice_days = models.PositiveSmallIntegerField(
        default=7,
        help_text="Days before a session that its leaders and the organisers are told, "
        "once, when fewer members than the group's minimum are expected.",
    )
    guests_need_approval = models.BooleanField(
        default=True,
        help_text="A trainee's request to attend another group's session as a guest "
        "waits for that group's leader. Off: guests are accepted at once.",
    )
    register_reminder_hour = models.PositiveSmallIntegerField(
        default=19,
        help_text="Local hour (0–23) on the day of a session after which its leaders are "
        "reminded of a register not yet taken.",
    )

    class Meta:
        verbose_name = "clash and reminder settings"
        verbose_name_plural = "clash and reminder settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(travel_margin_minutes__lte=720),
                name="session_settings_travel_margin_sensible",
            ),
            models.CheckConstraint(
                condition=Q(presenter_first_reminder_days__lte=28)
                & Q(presenter_last_reminder_days__lte=F("presenter_first_reminder_days"))
                & Q(member_reminder_days__lte=28)
                & Q(below_minimum_notice_days__lte=56),
                name="session_settings_reminder_days_sensible",
            ),
            models.CheckConstraint(
                condition=Q(reminder_hour__lte=23) & Q(register_reminder_hour__lte=23),
                name="session_settings_reminder_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Clash and reminder settings of {self.scheme}"
