"""Reads for assessments: who may ask, who may complete, who may read, and the counts
per training year that progress, the overview and statements show."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from attendance.models import (
    Assessment,
    AssessmentForm,
    Attendance,
    AttendanceStatus,
    Requirement,
)
from attendance.training_year import training_year
from groups import permissions as group_permissions
from groups.models import Membership, Scheme, User

# How far back a trainee may ask for an assessment of a session they attended.
REQUEST_WINDOW = timedelta(days=90)
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


def forms_in_use(scheme: Scheme) -> QuerySet[AssessmentForm]:
    return AssessmentForm.objects.filter(scheme=scheme, retired_at__isnull=True)


def forms_of(scheme: Scheme) -> QuerySet[AssessmentForm]:
    """The scheme's forms, those in use first, each with its number of domains."""
    return scheme.assessment_forms.annotate(domain_count=Count("domains")).order_by(
        F("retired_at").asc(nulls_first=True), "name", "pk"
    )


def forms_in_use_among(scheme_pks) -> QuerySet[AssessmentForm]:
    return AssessmentForm.objects.filter(
        scheme__in=scheme_pks, retired_at__isnull=True
    ).select_related("scheme")


def forms_in_use_for(user: User) -> QuerySet[AssessmentForm]:
    """Forms in use in the schemes of the groups the user is (or was) in."""
    return AssessmentForm.objects.filter(
        retired_at__isnull=True, scheme__groups__memberships__person=user
    )


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
    leader only, or the leader or a co-leader (AssessmentForm.assessor_roles, in SQL)."""
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


def completed_unread(trainee: User) -> QuerySet[Assessment]:
    """The trainee's completed assessments they have not acknowledged yet."""
    return (
        Assessment.objects.filter(trainee=trainee, status=Assessment.Status.COMPLETED)
        .select_related("form", "session__group")
        .order_by("-completed_at")
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


def year_counts_by_scheme(
    trainee: User, schemes: list[Scheme], today: date | None = None
) -> dict[int, YearCounts]:
    """For each scheme with a form in use: its forms' completed assessments in the
    training year of `today`, against what each requires. Two queries for any number of
    schemes."""
    today = today or timezone.localdate()
    years = {
        scheme_pk: training_year(today, month)
        for scheme_pk, month in Requirement.objects.filter(scheme__in=schemes).values_list(
            "scheme_id", "training_year_starts"
        )
    }
    in_year = Q()
    for scheme_pk, span in years.items():
        in_year |= Q(form__scheme=scheme_pk, session__slot_date__range=span)
    done = Assessment.objects.filter(in_year, trainee=trainee, status__in=Assessment.DONE)
    forms = (
        AssessmentForm.objects.filter(scheme__in=schemes, retired_at__isnull=True)
        .annotate(done=Count("assessments", filter=Q(assessments__in=done)))
        .order_by("scheme_id", "name")
    )
    counts: dict[int, YearCounts] = {}
    for form in forms:
        first, last = years[form.scheme_id]
        year = counts.setdefault(form.scheme_id, YearCounts(first, last, []))
        year.forms.append(FormCount(form, form.done, form.required_per_year))
    return counts


def year_counts(trainee: User, scheme: Scheme, today: date | None = None) -> YearCounts | None:
    """The same for one scheme; None when it has no form in use."""
    return year_counts_by_scheme(trainee, [scheme], today).get(scheme.pk)


def required_per_year(scheme: Scheme) -> int | None:
    """What the scheme's forms in use ask of a trainee in a year, all forms together;
    None when it has no form in use. One query."""
    return forms_in_use(scheme).aggregate(n=Sum("required_per_year"))["n"]
