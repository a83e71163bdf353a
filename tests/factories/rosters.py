"""Test data for on-call rosters, clashes and reminders, and sample roster files.

Times follow tests/session_factories.py: "now" is Monday 2 March 2026, 10:00 in
Dublin, and the groups meet on Wednesdays 09:00–10:00 (08:00–09:00 UTC from
29 March, when summer time starts).
"""

from datetime import UTC, datetime, timedelta

import factory

from sessions.models import (
    Clash,
    OnCallShift,
    ReminderKind,
    ReminderPreference,
    RosterSource,
)
from sessions.rosters import services
from tests import factories
from tests.factories.sessions import DUBLIN, NOW


def dublin(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=DUBLIN)


def utc(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


class RosterSourceFactory(factory.django.DjangoModelFactory):
    """A trainee's own uploaded file."""

    class Meta:
        model = RosterSource

    person = factory.SubFactory(factories.UserFactory)
    kind = RosterSource.Kind.ICS_UPLOAD
    name = factory.Sequence(lambda n: f"Roster {n}")
    created_by = factory.SelfAttribute("person")
    imported_at = NOW


class FeedSourceFactory(RosterSourceFactory):
    kind = RosterSource.Kind.FEED
    feed_url = factory.Sequence(lambda n: f"https://rota.example.org/feeds/{n}.ics?token=secret")


class SchemeRosterFactory(RosterSourceFactory):
    """An organiser's scheme-wide upload."""

    person = None
    scheme = factory.SubFactory(factories.SchemeFactory)
    kind = RosterSource.Kind.ORGANISER_UPLOAD
    created_by = None


class OnCallShiftFactory(factory.django.DjangoModelFactory):
    """A day shift, 08:00–20:00 Dublin on Wednesday 4 March: it clashes with 09:00 sessions."""

    class Meta:
        model = OnCallShift

    source = factory.SubFactory(RosterSourceFactory)
    person = factory.SelfAttribute("source.person")
    starts_at = dublin(2026, 3, 4, 8)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=12))
    all_day = False
    shift_type = ""


class ClashFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clash

    session = None
    person = None
    shift = None
    shift_starts_at = dublin(2026, 3, 4, 8)
    shift_ends_at = dublin(2026, 3, 4, 20)
    detected_at = NOW


def reminder_email(*, session, person, kind=ReminderKind.DAY_BEFORE, **fields):
    """A reminder as the outbox holds it once sent."""
    return factories.OutboundEmailFactory(
        kind=f"reminder_{kind}",
        object_key=f"session:{session.pk}",
        person=person,
        scheme=session.group.scheme,
        subject=fields.pop("subject", f"Reminder: {session.group.name}"),
        created_at=fields.pop("created_at", NOW),
        **fields,
    )


class ReminderPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderPreference

    person = factory.SubFactory(factories.UserFactory)


# --- Sample roster files ------------------------------------------------------------------------


def ics(*events: str, header: str = "", timezone: str = "") -> bytes:
    """A calendar around the given VEVENT bodies (without BEGIN/END), CRLF line ends."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Balint tests//EN"]
    if header:
        lines += header.strip().splitlines()
    if timezone:
        lines += timezone.strip().splitlines()
    for body in events:
        lines += ["BEGIN:VEVENT", *body.strip().splitlines(), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(line.strip() for line in lines) + "\r\n").encode()


# Outlook names the Irish and British zone "GMT Standard Time" and defines it inline.
OUTLOOK_TIMEZONE = """
BEGIN:VTIMEZONE
TZID:GMT Standard Time
BEGIN:STANDARD
DTSTART:16011028T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0100
TZOFFSETTO:-0000
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T010000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:-0000
TZOFFSETTO:+0100
END:DAYLIGHT
END:VTIMEZONE
"""

OUTLOOK_HEADER = "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\nMETHOD:PUBLISH"

GOOGLE_HEADER = """
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:On call
X-WR-TIMEZONE:Europe/Dublin
"""


def event(start: str, end: str, *extra: str, uid: str = "") -> str:
    """A VEVENT body; `start` and `end` are whole property lines, e.g. 'DTSTART:2026…Z'."""
    lines = [f"UID:{uid or start}@tests", "DTSTAMP:20260101T000000Z", start, end, *extra]
    return "\n".join(lines)


def csv_file(*rows: str, header: str = "start,end,shift_type") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def upload(person, raw: bytes, filename: str = "roster.ics", **kwargs):
    """A trainee uploads their own roster file."""
    return services.roster_upload(actor=person, raw=raw, filename=filename, **kwargs)


def spans(person) -> list[tuple]:
    """The person's on-call shifts as (starts_at, ends_at), in order."""
    return list(
        OnCallShift.objects.filter(person=person)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")
    )
