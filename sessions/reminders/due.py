"""Which reminders are due, and what each one says. Reads only; queueing is
sessions/reminders/services.py, sending the outbox (balint/outbox.py).

Kinds and when each is due (local times in the session's scheme zone; the
days and hours are the scheme's settings):

- presenter_first: the presenter, from `presenter_first_reminder_days` before
  the session's day at `reminder_hour`, until the last reminder is due;
- presenter_last: the presenter, from `presenter_last_reminder_days` before,
  until the session starts;
- day_before: every other member whose membership covers the session and who
  has no leave that day, from `member_reminder_days` before until it starts;
  an on-call clash is noted in it;
- register: the group's leaders, once the session has ended and it is
  `register_reminder_hour` on its day, while the register is not taken (the
  session is still "scheduled"), for up to REGISTER_REMINDER_DAYS; not of a session
  combined into another group's, whose register is the host's;
- clash: a person with an open clash with an upcoming session.

A kind the person turned off (ReminderPreference) is never due.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse

from balint.models import OutboundEmail
from groups.models import Membership
from sessions.leave.selectors import unavailable_by_day
from sessions.models import Clash, ReminderKind, ReminderPreference, SchemeSettings, Session

MAX_REMINDER_DAYS = 28  # the scheme's reminder days are at most this (a database constraint)
REGISTER_REMINDER_DAYS = 2


@dataclass(frozen=True, order=True)
class Due:
    session_id: int
    person_id: int
    kind: str


def _at(day, days_before: int, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day - timedelta(days=days_before), time(hour), zone)


def due_reminders(
    now: datetime, *, session_ids: list[int] | None = None, person_ids: list[int] | None = None
) -> set[Due]:
    """Every reminder due now, whether or not it was already sent. Six queries."""
    sessions = Session.objects.filter(
        status=Session.Status.SCHEDULED,
        starts_at__gt=now - timedelta(days=REGISTER_REMINDER_DAYS + 1),
        starts_at__lt=now + timedelta(days=MAX_REMINDER_DAYS + 2),
    ).select_related("group__scheme__session_settings")
    if session_ids is not None:
        sessions = sessions.filter(pk__in=session_ids)
    sessions = list(sessions)
    if not sessions:
        return set()
    # Not an erased person's: erasure deletes their outbox rows, so a reminder they were
    # sent would be queued again, to the placeholder address.
    memberships = Membership.objects.filter(
        group_id__in={s.group_id for s in sessions}, person__erasure__isnull=True
    )
    if person_ids is not None:
        memberships = memberships.filter(person_id__in=person_ids)
    members_of = defaultdict(list)
    for m in memberships:
        members_of[m.group_id].append(m)
    people = {m.person_id for ms in members_of.values() for m in ms}
    on_leave = unavailable_by_day(people, sorted({s.slot_date for s in sessions}))
    clashes = Clash.objects.filter(session__in=sessions, resolved_at__isnull=True)
    if person_ids is not None:
        clashes = clashes.filter(person_id__in=person_ids)
    clashing = defaultdict(set)
    for session_id, person_id in clashes.values_list("session_id", "person_id"):
        clashing[session_id].add(person_id)
    preferences = {p.person_id: p for p in ReminderPreference.objects.filter(person_id__in=people)}

    due = set()
    for session in sessions:
        scheme = session.group.scheme
        rules = SchemeSettings.for_scheme(scheme)
        zone = ZoneInfo(scheme.time_zone)
        day = session.starts_at.astimezone(zone).date()
        members = [m for m in members_of.get(session.group_id, ()) if m.covers(session.slot_date)]
        member_ids = {m.person_id for m in members}
        found = []
        if session.starts_at > now:
            presenter = session.presenter_id
            if presenter in member_ids:
                first = _at(day, rules.presenter_first_reminder_days, rules.reminder_hour, zone)
                last = _at(day, rules.presenter_last_reminder_days, rules.reminder_hour, zone)
                if first <= now < last:
                    found.append((presenter, ReminderKind.PRESENTER_FIRST))
                elif last <= now:
                    found.append((presenter, ReminderKind.PRESENTER_LAST))
            if _at(day, rules.member_reminder_days, rules.reminder_hour, zone) <= now:
                away = on_leave.get(session.slot_date, set())
                found += [
                    (person, ReminderKind.DAY_BEFORE) for person in member_ids - away - {presenter}
                ]
            on_call = clashing.get(session.pk, set()) & member_ids
            found += [(person, ReminderKind.CLASH) for person in on_call]
        elif session.ends_at <= now and session.combined_into_id is None:
            due_at = max(session.ends_at, _at(day, 0, rules.register_reminder_hour, zone))
            if due_at <= now < due_at + timedelta(days=REGISTER_REMINDER_DAYS):
                found += [(m.person_id, ReminderKind.REGISTER) for m in members if m.is_leading]
        for person, kind in found:
            preference = preferences.get(person)
            if preference is None or preference.wants(kind):
                due.add(Due(session.pk, person, kind))
    return due


def email_kind(kind: str) -> str:
    """The outbox kind of a reminder: one email per (session, person, kind)."""
    return f"reminder_{kind}"


def object_key(session_id: int) -> str:
    return f"session:{session_id}"


def pending_reminders(
    now: datetime,
    *,
    session_ids: list[int] | None = None,
    person_ids: list[int] | None = None,
    kinds: set[str] | None = None,
) -> list[Due]:
    """Due reminders not yet in the outbox (in any state: queued once is queued for good)."""
    due = due_reminders(now, session_ids=session_ids, person_ids=person_ids)
    if kinds is not None:
        due = {d for d in due if d.kind in kinds}
    if not due:
        return []
    queued = OutboundEmail.objects.filter(
        kind__in={email_kind(d.kind) for d in due},
        object_key__in={object_key(d.session_id) for d in due},
        person_id__in={d.person_id for d in due},
    ).values_list("object_key", "person_id", "kind")
    taken = {
        Due(int(key.partition(":")[2]), person_id, kind.removeprefix("reminder_"))
        for key, person_id, kind in queued
    }
    return sorted(due - taken)


def expires_at(session: Session, kind: str) -> datetime:
    """After this a reminder is no use: the session began, or the register window closed."""
    if kind == ReminderKind.REGISTER:
        return session.ends_at + timedelta(days=REGISTER_REMINDER_DAYS + 1)
    return session.starts_at


# --- What a reminder says ------------------------------------------------------------------------

TEMPLATES = {
    ReminderKind.PRESENTER_FIRST: "reminder_presenter",
    ReminderKind.PRESENTER_LAST: "reminder_presenter",
    ReminderKind.DAY_BEFORE: "reminder_session",
    ReminderKind.REGISTER: "reminder_register",
    ReminderKind.CLASH: "reminder_clash",
}


def named_in(session: Session, kind: str) -> list:
    """Whom a reminder names besides its recipient: the day-before one, the presenter."""
    return [session.presenter] if kind == ReminderKind.DAY_BEFORE else []


def _url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def open_clashes(due: list[Due]) -> dict[tuple[int, int], Clash]:
    """The first open clash of each (session, person) among these reminders. One query."""
    found = Clash.objects.filter(
        session_id__in={d.session_id for d in due},
        person_id__in={d.person_id for d in due},
        resolved_at__isnull=True,
    ).order_by("-pk")
    return {(c.session_id, c.person_id): c for c in found}  # the lowest pk is written last


def message_for(
    session: Session, person, kind: str, now: datetime, clash: Clash | None
) -> tuple[str, dict]:
    """The email template and its context for one reminder (`clash`: its open clash)."""
    zone = ZoneInfo(session.group.scheme.time_zone)
    today = now.astimezone(zone).date()
    context = {
        "session": session,
        "person": person,
        "kind": kind,
        "clash": clash,
        "presenting": session.presenter_id == person.pk,
        "days_until": (session.starts_at.astimezone(zone).date() - today).days,
        "rota_url": _url("my_rota"),
        "roster_url": _url("my_roster"),
        "swap_url": _url("swap_request", session.pk),
        "register_url": _url("register", session.pk),
        "settings_url": _url("reminder_settings"),
    }
    return TEMPLATES[kind], context
