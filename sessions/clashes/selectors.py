"""Reads of the open clashes and the margin that makes them, each one query."""

from collections import defaultdict

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from groups.models import Scheme, User
from sessions.models import Clash, SchemeSettings, Session


def on_call(person: User) -> Exists:
    """For a Session queryset: whether the person has an open clash with the session."""
    return Exists(
        Clash.objects.filter(person=person, session=OuterRef("pk"), resolved_at__isnull=True)
    )


def travel_margin_minutes(scheme: Scheme) -> int:
    """How close an on-call shift may come to a session before it clashes."""
    return SchemeSettings.for_scheme(scheme).travel_margin_minutes


def clashing_by_session(session_ids) -> dict[int, set[int]]:
    """Who has an open on-call clash with each of the given sessions. One query."""
    clashing: dict[int, set[int]] = defaultdict(set)
    ids = list(session_ids)
    if not ids:
        return clashing
    open_clashes = Clash.objects.filter(session_id__in=ids, resolved_at__isnull=True)
    for session_id, person_id in open_clashes.values_list("session_id", "person_id"):
        clashing[session_id].add(person_id)
    return clashing


def my_clashes(person: User, session_ids) -> dict[int, Clash]:
    """The person's open clashes with the given sessions, by session. One query."""
    ids = list(session_ids)
    if not ids:
        return {}
    clashes = Clash.objects.filter(person=person, session_id__in=ids, resolved_at__isnull=True)
    return {c.session_id: c for c in clashes}


def upcoming_clashes(person: User) -> QuerySet[Clash]:
    return (
        Clash.objects.filter(
            person=person,
            resolved_at__isnull=True,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__gte=timezone.now(),
        )
        .select_related("session__group__scheme", "session__presenter")
        .order_by("session__starts_at")
    )


def open_clash_pairs(clash_ids) -> list[tuple[int, int]]:
    """(session, person) of each of the given clashes still open: whom to tell."""
    found = Clash.objects.filter(pk__in=list(clash_ids), resolved_at__isnull=True)
    return list(found.values_list("session_id", "person_id"))
