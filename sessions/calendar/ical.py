"""iCalendar output: a person's private feed and single-session downloads."""

from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event

from sessions.models import Session

PRODID = "-//Balint//Balint groups//EN"


def session_uid(session: Session) -> str:
    """Stable for the life of the session, so calendar apps update rather than duplicate it."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return f"balint-session-{session.pk}@{host}"


def session_event(session: Session, person_id: int | None) -> Event:
    zone = ZoneInfo(session.group.scheme.time_zone)
    presenting = person_id is not None and session.presenter_id == person_id
    summary = f"Balint: {session.group.name}"
    if presenting:
        summary += " — You present"
    if session.is_cancelled:
        summary = f"Cancelled: {summary}"
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", session.updated_at)
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", summary)
    event.add("sequence", session.sequence)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    if session.location:
        event.add("location", session.location)
    description = []
    if session.presenter_id:
        description.append(f"Presenter: {session.presenter.full_name}")
    if session.is_cancelled and session.cancel_reason:
        description.append(f"Cancelled: {session.cancel_reason}")
    if session.group.online_link:
        description.append(f"Online: {session.group.online_link}")
    if description:
        event.add("description", "\n".join(description))
    return event


def calendar_bytes(sessions, *, person_id: int | None, name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(session_event(session, person_id))
    calendar.add_missing_timezones()
    return calendar.to_ical()
