"""The register, its history, and the certificates issued from it."""

import calendar
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from attendance.models.exports import BulkExport
from attendance.statuses import (
    AttendanceStatus,
    default_counted_statuses,
    validate_counted_statuses,
)
from balint.scheme_settings import PerSchemeSettings
from groups.models import Membership, Scheme
from sessions.models import Session


class Requirement(PerSchemeSettings, models.Model):
    """What a scheme asks of a trainee: how many sessions, and which register statuses
    count toward them. Here, not on groups.Scheme, so changing how attendance counts
    migrates this app only. Every scheme has a row from its creation
    (balint/scheme_settings.py)."""

    scheme = models.OneToOneField(
        Scheme, on_delete=models.CASCADE, primary_key=True, related_name="requirement"
    )
    sessions_required = models.PositiveSmallIntegerField(default=30)
    counted_statuses = models.JSONField(
        default=default_counted_statuses,
        validators=[validate_counted_statuses],
        help_text="Attendance statuses that count toward the requirement.",
    )
    # The scheme's mark on its certificates: a PNG re-encoded on upload (no metadata,
    # bounded size), kept in the database so web and worker need no shared volume.
    certificate_mark = models.BinaryField(blank=True, default=b"", editable=False)
    # Certificates carry a second signature line for the trainee's last leader.
    certificate_leader_signs = models.BooleanField(default=False)
    # Assessments are counted per training year (attendance.assessments).
    training_year_starts = models.PositiveSmallIntegerField(
        default=7,
        choices=[(m, calendar.month_name[m]) for m in range(1, 13)],
        help_text="The month a training year starts, for counting assessments per year.",
    )
    guest_sessions_count = models.BooleanField(
        default=True,
        help_text="Sessions a trainee attended as a guest of another group in the scheme "
        "count toward the requirement.",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_required__gte=1), name="requirement_needs_a_session"
            ),
            models.CheckConstraint(
                condition=Q(training_year_starts__gte=1, training_year_starts__lte=12),
                name="requirement_year_start_is_a_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sessions_required} sessions in {self.scheme}"


class Attendance(models.Model):
    """One person's record for one session.

    `role` is the capacity they attended in: members' records count toward the
    scheme's requirement, guests' too where the scheme's rule says so
    (Requirement.guest_sessions_count); leaders' and co-leaders' toward their own
    leading log.
    """

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEADER = "leader", "Leader"
        CO_LEADER = "co_leader", "Co-leader"
        GUEST = "guest", "Guest"

    Status = AttendanceStatus

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendance"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="one_record_per_person"),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["member", "leader", "co_leader", "guest"]),
                name="attendance_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["person", "role", "status"])]

    def __str__(self) -> str:
        return f"{self.person} at {self.session}: {self.get_status_display()}"

    @property
    def is_leading(self) -> bool:
        return self.role != self.Role.MEMBER


class AttendanceChange(models.Model):
    """Append-only history: who changed which record, when, from what to what."""

    attendance = models.ForeignKey(Attendance, on_delete=models.PROTECT, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    before = models.CharField(max_length=10, choices=AttendanceStatus.choices, blank=True)
    after = models.CharField(max_length=10, choices=AttendanceStatus.choices)
    # Why a register was corrected after the session's day (asked for then, not before).
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(before=models.F("after")), name="change_changes"),
        ]

    def __str__(self) -> str:
        return f"{self.before or '—'} → {self.after} by {self.changed_by}"


# Crockford-style alphabet without the look-alikes 0/O, 1/I/L: easy to read aloud and type.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Certificate(models.Model):
    """Evidence that a trainee met their scheme's requirement.

    The figures and names are a snapshot taken at issue: the certificate says
    what was true when it was signed, whatever happens to the records later.
    """

    trainee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    scheme = models.ForeignKey(
        "groups.Scheme", on_delete=models.PROTECT, related_name="certificates"
    )
    holder_name = models.CharField(max_length=150)
    registration_number = models.CharField(max_length=30, blank=True)
    sessions_counted = models.PositiveIntegerField()
    sessions_required = models.PositiveIntegerField()
    period_start = models.DateField()
    period_end = models.DateField()
    groups = models.CharField(max_length=500)
    leaders = models.CharField(max_length=500)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_by_name = models.CharField(max_length=150)
    issued_at = models.DateTimeField()
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_verification_code)
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.CharField(max_length=200, blank=True)
    # Set when the holder's record is erased: the name and number are blanked, the
    # certificate stays verifiable by its code.
    holder_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            # At most one current certificate per trainee and scheme.
            models.UniqueConstraint(
                fields=["trainee", "scheme"],
                condition=Q(revoked_at__isnull=True, superseded_at__isnull=True),
                name="one_current_certificate",
            ),
            models.CheckConstraint(
                condition=Q(sessions_counted__gte=models.F("sessions_required")),
                name="certificate_meets_requirement",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="certificate_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoke_reason=""),
                name="revocation_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(holder_erased_at__isnull=True)
                | Q(holder_name="", registration_number=""),
                name="erased_holder_is_blank",
            ),
        ]

    def __str__(self) -> str:
        return f"Certificate {self.display_code} for {self.holder_name or 'an erased holder'}"

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:8]}-{self.code[8:]}"

    @property
    def is_current(self) -> bool:
        return self.revoked_at is None and self.superseded_at is None


class Statement(models.Model):
    """A statement of attendance as it was downloaded: the count on that day, under its
    own code. Each download is a new statement, so the public verification page says
    what was true when it was printed (attendance.statement_services)."""

    scheme = models.ForeignKey("groups.Scheme", on_delete=models.PROTECT, related_name="+")
    # Erasure anonymises the person's row and blanks the name here: the statement stays
    # verifiable by its code, like a certificate.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="statements"
    )
    holder_name = models.CharField(max_length=150)  # as printed, for the verification page
    sessions_counted = models.PositiveIntegerField()
    sessions_required = models.PositiveIntegerField()
    assessments_completed = models.PositiveIntegerField(default=0)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField()
    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_verification_code)
    holder_erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["person", "scheme"], name="statement_by_person")]
        constraints = [
            models.CheckConstraint(
                condition=Q(holder_erased_at__isnull=True) | Q(holder_name=""),
                name="erased_statement_holder_is_blank",
            ),
        ]

    def __str__(self) -> str:
        return f"Statement {self.display_code} for {self.holder_name or 'an erased holder'}"

    @property
    def display_code(self) -> str:
        return f"{self.code[:4]}-{self.code[4:8]}-{self.code[8:]}"


class CertificateExport(BulkExport):
    """A ZIP of many certificates, rendered by the worker in chunks
    (attendance.certificate_exports)."""

    certificates = models.ManyToManyField(Certificate, related_name="+")
    chunks = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="certificate-exports/", blank=True)

    class Meta(BulkExport.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="export_progress_valid"
            ),
        ]


class CertificateExportPart(models.Model):
    """One rendered chunk of an export: the last to arrive assembles the ZIP."""

    export = models.ForeignKey(CertificateExport, on_delete=models.CASCADE, related_name="parts")
    index = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    # The file of the copy that came in first: two copies of a chunk (its message
    # delivered twice) each save under a name of their own.
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["export", "index"], name="one_part_per_chunk"),
        ]

    def __str__(self) -> str:
        return f"Part {self.index} of export {self.export_id}"


class TraineeFigure(models.Model):
    """One trainee's standing in one scheme, kept up to date from the registers.

    A projection, not a source: attendance.figures recomputes a row inside every
    transaction that changes what it depends on (registers, sessions, memberships,
    the scheme's rule, the person's name), and a nightly task repairs the drift
    the clock causes (sessions passing) and anything else. The overview, its
    exports and the certificate list page through it in SQL.
    """

    class Status(models.TextChoices):
        AT_RISK = "at_risk", "At risk"
        NOT_STARTED = "not_started", "Not started"
        ON_TRACK = "on_track", "On track"
        COMPLETE = "complete", "Complete"

    # The overview's "status" sort: those needing attention first, then those yet to start.
    STATUS_RANK = {"at_risk": 0, "not_started": 1, "on_track": 2, "complete": 3}
    # Sort keys that are never null, so one index serves both SQLite and PostgreSQL
    # (which disagree on where nulls sort): -1 when nothing is recorded, the epoch
    # when nothing was attended.
    NO_RATE = -1.0

    scheme = models.ForeignKey("groups.Scheme", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="figures"
    )
    name_key = models.CharField(max_length=150)  # the full name, casefolded
    counted = models.PositiveIntegerField(default=0)
    recorded = models.PositiveIntegerField(default=0)
    rate_key = models.FloatField(default=NO_RATE)
    last_attended = models.DateTimeField(null=True, blank=True)
    last_key = models.DateTimeField()
    upcoming = models.PositiveIntegerField(default=0)
    open_ended = models.BooleanField(default=False)
    # Completed in the current training year (Requirement.training_year_starts).
    assessments = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=11, choices=Status.choices, default=Status.AT_RISK)
    status_rank = models.PositiveSmallIntegerField(default=0)
    # Why at risk, or when they start (attendance.standing); blank otherwise.
    status_reason = models.CharField(max_length=200, blank=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "person"], name="one_figure_per_trainee"),
            models.CheckConstraint(
                condition=Q(counted__lte=models.F("recorded")), name="figure_counted_recorded"
            ),
            models.CheckConstraint(
                condition=Q(counted__gte=0, recorded__gte=0, upcoming__gte=0),
                name="figure_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(recorded=0, rate_key=-1.0)
                | Q(recorded__gt=0, rate_key__gte=0, rate_key__lte=1),
                name="figure_rate_key_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="at_risk", status_rank=0)
                | Q(status="not_started", status_rank=1)
                | Q(status="on_track", status_rank=2)
                | Q(status="complete", status_rank=3),
                name="figure_status_rank_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["scheme", "name_key", "person"], name="figure_by_name"),
            models.Index(fields=["scheme", "status_rank", "name_key"], name="figure_by_status"),
            models.Index(fields=["scheme", "-counted", "name_key"], name="figure_by_count"),
            models.Index(fields=["scheme", "-rate_key", "name_key"], name="figure_by_rate"),
            models.Index(fields=["scheme", "-last_key", "name_key"], name="figure_by_last"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.scheme_id}: {self.counted}/{self.recorded}"

    @property
    def rate(self) -> float | None:
        return self.counted / self.recorded if self.recorded else None


class RotationDate(models.Model):
    """A day the trainees of one track change groups in a scheme: GP trainees every four
    months, psychiatry trainees every six or twelve. The changeover page
    (attendance.changeover) plans who leaves and who joins on such a day."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="rotation_dates")
    track = models.CharField(max_length=20, choices=Membership.Track.choices)
    day = models.DateField(help_text="The first day in the new groups.")

    class Meta:
        ordering = ["day", "track"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "track", "day"], name="one_rotation_per_track_and_day"
            ),
            models.CheckConstraint(
                condition=Q(track__in=Membership.Track.values), name="rotation_track_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_track_display()} rotation on {self.day.isoformat()}"


# The assessment tables have their own module; importing them here registers them.
from attendance.models.assessments import (  # noqa: E402, F401
    Assessment,
    AssessmentDomain,
    AssessmentForm,
    AssessmentRating,
)
from attendance.models.statement_exports import StatementExport, StatementExportEntry  # noqa: E402, F401
