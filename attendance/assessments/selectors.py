"""Reads for assessments: who may ask, who may complete, who may read, and the counts
per training year that progress, the overview and statements show."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from attendance.models import (
    Assessment,
    AssessmentForm,
    Attendance,
    AttendanceStatus,
    Requirement,
)
from groups import permissions as group_permissions
from groups.models import Membership, Scheme, User

# How far back a trainee may ask for an assessment of a session they attended.
REQUEST_WINDOW = timedelta(days=90)
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


def training_year(day: date, starts_month: int) -> tuple[date, date]:
    """The first and last day of the training year that holds `day`."""
    year = day.year if day.month >= starts_month else day.year - 1
    first = date(year, starts_month, 1)
    return first, date(year + 1, starts_month, 1) - timedelta(days=1)


def forms_in_use(scheme: Scheme) -> QuerySet[AssessmentForm]:
    return AssessmentForm.objects.filter(scheme=scheme, retired_at__isnull=True)


def forms_managed_by(user: User) -> QuerySet[AssessmentForm]:
    return AssessmentForm.objects.filter(scheme__in=group_permissions.schemes_organised_by(user))


def attended_for_request(trainee: User, today: date | None = None) -> QuerySet[Attendance]:
    """The trainee's register records of the last 90 days at which they were there, in
    schemes with a form in use: the sessions they may ask to be assessed at."""
    today = today or timezone.localdate()
    in_use = AssessmentForm.objects.filter(
        scheme=OuterRef("session__group__scheme"), retired_at__isnull=True
    )
    return (
        Attendance.objects.filter(
            person=trainee,
            status__in=ATTENDED,
            session__slot_date__gte=today - REQUEST_WINDOW,
            session__slot_date__lte=today,
        )
        .filter(Exists(in_use))
        .select_related("session__group__scheme")
        .order_by("-session__starts_at")
    )


def leading_q(user: User, today: date | None = None) -> Q:
    """Assessments whose session's group `user` leads today, as the form allows: the
    leader only, or the leader or a co-leader."""
    today = today or timezone.localdate()
    leading = Membership.objects.current(today).filter(
        person=user, group=OuterRef("session__group")
    )
    as_leader = leading.filter(role=Membership.Role.LEADER)
    as_either = leading.filter(role__in=Membership.LEADING_ROLES)
    return Q(Exists(as_leader)) | Q(
        Exists(as_either), form__assessor=AssessmentForm.Assessor.LEADING
    )


def requests_to(user: User) -> QuerySet[Assessment]:
    """Requests waiting for `user` to complete them, oldest due first."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(leading_q(user), status=Assessment.Status.REQUESTED)
        .exclude(trainee=user)
        .select_related("form", "trainee", "session__group")
        .order_by("due_on", "pk")
    )


def readable_by(user: User) -> QuerySet[Assessment]:
    """Assessments `user` may read: their own, and those of the schemes they organise."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    organised = group_permissions.schemes_organised_by(user)
    return Assessment.objects.filter(
        Q(trainee=user) | Q(form__scheme__in=organised)
    ).select_related("form__scheme", "trainee", "assessor", "session__group")


def assessments_of(trainee: User, scheme: Scheme) -> QuerySet[Assessment]:
    return (
        Assessment.objects.filter(trainee=trainee, form__scheme=scheme)
        .exclude(status=Assessment.Status.WITHDRAWN)
        .select_related("form", "assessor", "session__group")
        .order_by("-session__starts_at", "-pk")
    )


def overdue(today: date) -> QuerySet[Assessment]:
    """Requests past their day not yet reminded about."""
    return Assessment.objects.filter(
        status=Assessment.Status.REQUESTED, due_on__lt=today, reminded_at__isnull=True
    ).select_related("form", "trainee", "session__group__scheme")


@dataclass(frozen=True)
class FormCount:
    form: AssessmentForm
    done: int
    required: int

    @property
    def short(self) -> int:
        return max(0, self.required - self.done)


@dataclass(frozen=True)
class YearCounts:
    first: date
    last: date
    forms: list[FormCount]

    @property
    def done(self) -> int:
        return sum(f.done for f in self.forms)

    @property
    def required(self) -> int:
        return sum(f.required for f in self.forms)

    @property
    def met(self) -> bool:
        return all(f.short == 0 for f in self.forms)


def year_counts(trainee: User, scheme: Scheme, today: date | None = None) -> YearCounts:
    """Completed assessments of each form in use, in the training year of `today`,
    against what the form requires. Two queries."""
    today = today or timezone.localdate()
    requirement = Requirement.for_scheme(scheme)
    first, last = training_year(today, requirement.training_year_starts)
    done_q = Q(
        assessments__trainee=trainee,
        assessments__status__in=Assessment.DONE,
        assessments__session__slot_date__range=(first, last),
    )
    forms = forms_in_use(scheme).annotate(done=Count("assessments", filter=done_q))
    return YearCounts(
        first, last, [FormCount(form, form.done, form.required_per_year) for form in forms]
    )


def required_per_year(scheme: Scheme) -> int:
    """What the scheme's forms in use ask of a trainee in a year, all forms together."""
    return sum(forms_in_use(scheme).values_list("required_per_year", flat=True))
