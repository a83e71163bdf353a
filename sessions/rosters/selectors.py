"""Reads of on-call rosters: a person's sources and shifts, and an organiser's stored files."""

import hashlib
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from groups.models import Membership, Scheme, User
from sessions import permissions
from sessions.models import OnCallShift, RosterSource, RosterUpload
from sessions.rosters.files import PeopleIndex, ShiftRow
from sessions.rosters.tables import parse_organiser


def zone_for(person: User) -> ZoneInfo:
    """The time zone a person's roster is read in: their latest scheme's, or the server's."""
    scheme_zone = (
        Membership.objects.filter(person=person)
        .order_by("-start_date", "-pk")
        .values_list("group__scheme__time_zone", flat=True)
        .first()
    )
    return ZoneInfo(scheme_zone or settings.TIME_ZONE)


def roster_sources_of(person: User) -> QuerySet[RosterSource]:
    """The person's own sources, with the number of their shifts."""
    return RosterSource.objects.filter(person=person).annotate(shift_count=Count("shifts"))


def scheme_roster_sources(scheme: Scheme) -> QuerySet[RosterSource]:
    return RosterSource.objects.filter(scheme=scheme).annotate(
        shift_count=Count("shifts"), people_count=Count("shifts__person", distinct=True)
    )


def upcoming_shifts(person: User) -> QuerySet[OnCallShift]:
    """The person's shifts from every source (their own and their scheme's), from now on."""
    return (
        OnCallShift.objects.filter(person=person, ends_at__gt=timezone.now())
        .select_related("source")
        .order_by("starts_at", "pk")
    )


def scheme_people(scheme: Scheme) -> PeopleIndex:
    """Everyone who has been in one of the scheme's groups: whom an organiser's file may name."""
    people = (
        User.objects.filter(memberships__group__scheme=scheme)
        .distinct()
        .values_list("pk", "email", "registration_number")
    )
    return PeopleIndex.of(people)


def organiser_rows(upload: RosterUpload) -> list[ShiftRow]:
    """An organiser's stored file read now: what its preview shows and its application saves."""
    scheme = upload.scheme
    return parse_organiser(
        bytes(upload.content),
        upload.filename,
        people=scheme_people(scheme),
        zone=ZoneInfo(scheme.time_zone),
        today=timezone.localdate(),
    )


def rows_digest(rows: list[ShiftRow]) -> str:
    """A fingerprint of parsed rows: the application must save exactly what the preview showed."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(
            f"{row.person_id}|{row.starts_at.isoformat()}|{row.ends_at.isoformat()}|"
            f"{row.all_day}|{row.shift_type}\n".encode()
        )
    return digest.hexdigest()


def personal_uploads(person: User) -> QuerySet[RosterSource]:
    """The files the person uploaded themselves: what a new upload may replace."""
    return RosterSource.objects.filter(person=person).exclude(kind=RosterSource.Kind.FEED)


def personal_feeds(person: User) -> QuerySet[RosterSource]:
    return RosterSource.objects.filter(person=person, kind=RosterSource.Kind.FEED)


def scheme_sources(scheme: Scheme) -> QuerySet[RosterSource]:
    """The scheme-wide rosters: what an organiser's new file may replace."""
    return RosterSource.objects.filter(scheme=scheme)


def pending_uploads(scheme: Scheme) -> QuerySet[RosterUpload]:
    """Files previewed but not applied, without their content."""
    return RosterUpload.objects.filter(scheme=scheme, applied_at__isnull=True).defer("content")


def uploads_to_apply(user: User, scheme: Scheme) -> QuerySet[RosterUpload]:
    """The organiser's files of the scheme still waiting to be applied."""
    return permissions.roster_uploads_of_scheme(user, scheme).filter(applied_at__isnull=True)


def names_of(person_ids) -> dict[int, str]:
    """Full names by person, for the people a preview names. One query."""
    return dict(User.objects.filter(pk__in=set(person_ids)).values_list("pk", "full_name"))
