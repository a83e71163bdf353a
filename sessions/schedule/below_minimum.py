"""The early warning of a session expected to fall below its group's minimum (issue 19).

Every day (beat), each scheduled session not yet started within its scheme's
`below_minimum_notice_days` whose expected members (expected_rows: the members that
day less those on leave or on call) are fewer than the group's `min_members` is told
to the group's leaders and co-leaders and the scheme's organisers, with what they can
do about it.

Told once: the outbox's unique (kind, object_key, to) makes a second run, and every
later day's, queue nothing new for a session already told of, even if it recovers and
falls below again. A session combined into another is left alone: its members meet
with the host group, which is already one of the remedies.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from balint.outbox import email_queue, emails_withdraw
from groups.models import Membership, Scheme, SchemeOrganiser, User
from sessions.models import SchemeSettings, Session
from sessions.schedule.selectors import SessionRow, expected_rows

KIND = "below_minimum"
DEFAULT_NOTICE_DAYS = SchemeSettings._meta.get_field("below_minimum_notice_days").default


def object_key(session_id: int) -> str:
    return f"session:{session_id}"


def _within_notice(now: datetime) -> Q:
    """Sessions starting by the end of the last day of their scheme's notice, in its time
    zone. One query (the schemes), one clause per (time zone, days) in use."""
    ends: dict[datetime, list[int]] = defaultdict(list)
    schemes = Scheme.objects.values_list(
        "pk", "time_zone", "session_settings__below_minimum_notice_days"
    )
    for scheme_id, zone, days in schemes:
        today = now.astimezone(ZoneInfo(zone)).date()
        last = today + timedelta(days=DEFAULT_NOTICE_DAYS if days is None else days)
        ends[datetime.combine(last + timedelta(days=1), time(), ZoneInfo(zone))].append(scheme_id)
    window = Q(pk__in=[])
    for end, scheme_ids in ends.items():
        window |= Q(group__scheme__in=scheme_ids, starts_at__lt=end)
    return window


def sessions_below_minimum(now: datetime | None = None) -> list[SessionRow]:
    """The scheduled sessions within their notice expected below the minimum, soonest
    first, each with who is expected and who is away. Seven queries."""
    now = now or timezone.now()
    sessions = list(
        Session.objects.filter(
            _within_notice(now),
            status=Session.Status.SCHEDULED,
            starts_at__gt=now,
            combined_into__isnull=True,
        )
        .select_related("group__scheme")
        .order_by("starts_at", "pk")
    )
    rows = expected_rows(sessions)
    return [rows[session.pk] for session in sessions if rows[session.pk].below_minimum]


def _recipients(rows: list[SessionRow]) -> dict[int, list[User]]:
    """Per session: its group's current leaders and co-leaders and its scheme's organisers,
    each once, by email. Two queries."""
    group_ids = {row.session.group_id for row in rows}
    scheme_ids = {row.session.group.scheme_id for row in rows}
    leaders = defaultdict(list)
    for membership in (
        Membership.objects.current()
        .filter(group__in=group_ids, role__in=Membership.LEADING_ROLES)
        .select_related("person")
    ):
        leaders[membership.group_id].append(membership.person)
    organisers = defaultdict(list)
    for role in SchemeOrganiser.objects.filter(scheme__in=scheme_ids).select_related("person"):
        organisers[role.scheme_id].append(role.person)
    recipients = {}
    for row in rows:
        group = row.session.group
        people = {p.pk: p for p in leaders[group.pk] + organisers[group.scheme_id]}
        recipients[row.session.pk] = sorted(people.values(), key=lambda p: p.email.lower())
    return recipients


def _away(row: SessionRow) -> list[tuple[User, str]]:
    """Who is expected away and why, by name. The kind of leave is not said: it may be
    sick leave, which is theirs to tell."""
    leave = {p.pk for p in row.on_leave}
    call = {p.pk for p in row.on_call}
    away = []
    for person in row.members:
        why = [text for text, pks in (("on leave", leave), ("on call", call)) if person.pk in pks]
        if why:
            away.append((person, " and ".join(why)))
    return away


def _context(row: SessionRow) -> dict:
    session = row.session
    return {
        "session": session,
        "group": session.group,
        "expected": row.expected,
        "minimum": session.group.min_members,
        "members": len(row.members),
        "away": _away(row),
        "sessions_url": settings.SITE_URL + reverse("group_sessions", args=[session.group_id]),
        "register_url": settings.SITE_URL + reverse("register", args=[session.pk]),
    }


def below_minimum_warnings_queue(now: datetime | None = None) -> int:
    """Queue the warning of each session below its minimum to each of its recipients not
    told yet; how many were queued. A transaction per session: a run that dies part-way
    keeps what it queued, and the next run skips those."""
    rows = sessions_below_minimum(now)
    if not rows:
        return 0
    recipients = _recipients(rows)
    queued = 0
    for row in rows:
        context = _context(row)
        away = [someone for someone, _why in context["away"]]
        with transaction.atomic():
            if not _still_open(row.session.pk):
                continue
            for person in recipients[row.session.pk]:
                queued += bool(
                    email_queue(
                        kind=KIND,
                        object_key=object_key(row.session.pk),
                        to=person.email,
                        person=person,
                        scheme=row.session.group.scheme,
                        template=KIND,
                        context=context,
                        named=away,
                    )
                )
    return queued


def _still_open(session_pk: int) -> bool:
    """The session, locked, is still scheduled and on its own: one cancelled or combined
    since the list was read is not warned about, and a cancel under way waits for this
    transaction, then withdraws what it queued (below_minimum_warnings_withdraw)."""
    return (
        Session.objects.select_for_update()
        .filter(pk=session_pk, status=Session.Status.SCHEDULED, combined_into__isnull=True)
        .exists()
    )


def below_minimum_warnings_withdraw(*, session: Session) -> int:
    """A cancelled session's warnings not sent yet are not sent."""
    return emails_withdraw(object_key=object_key(session.pk), kind_prefix=KIND)
