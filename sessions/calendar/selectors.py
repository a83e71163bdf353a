"""What a calendar feed or download holds."""

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from groups.models import User
from sessions import permissions
from sessions.models import CalendarToken, Session
from sessions.schedule.selectors import sessions_in_memberships

FEED_HISTORY_DAYS = 90


def feed_owner(token: str) -> User | None:
    """Whose feed the secret opens: an active person, or None."""
    found = CalendarToken.objects.select_related("person").filter(token=token).first()
    if found is None or not found.person.is_active:
        return None
    return found.person


def feed_sessions(person: User) -> QuerySet[Session]:
    """The calendar feed: recent and upcoming sessions, cancelled ones included, within
    the person's memberships. A membership's sessions join the feed on its start date,
    with its group's rota (membership-bounded access)."""
    today = timezone.localdate()
    since = today - timedelta(days=FEED_HISTORY_DAYS)
    return sessions_in_memberships(person, since).filter(
        permissions.within_membership(person, begun_by=today)
    )


def downloadable_sessions(user: User) -> QuerySet[Session]:
    """Sessions the user may download, with what their event shows."""
    return permissions.sessions_visible_to(user).select_related("group__scheme", "presenter")
