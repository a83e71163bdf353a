"""Before a session: the themes of the group's last held sessions, so its leaders can
steer the group toward new ground.

Themes only, never case content: the page reads tags already checked by
balint.guard. Three queries at most, whatever the data size.
"""

from dataclasses import dataclass
from datetime import date

from feedback import repetition
from feedback.models import SessionTheme, Theme
from feedback.selectors import theme_occurrences
from sessions.models import Session

# How many of the group's held sessions the page looks back over.
BRIEF_SESSIONS = 6
# A theme in this many of them or more is one the group keeps coming back to.
RECURS_FROM = 2


@dataclass
class BriefTheme:
    theme: Theme
    sessions: int  # how many of the sessions looked at it tagged
    last_day: date  # the latest of their dates

    @property
    def recurs(self) -> bool:
        return self.sessions >= RECURS_FROM


@dataclass
class BriefRow:
    session: Session
    themes: list[BriefTheme]  # each with its tally over all the rows


@dataclass
class SessionBrief:
    session: Session
    rows: list[BriefRow]  # the group's last held sessions before it, newest first
    recurring: list[BriefTheme]  # most often first
    presented: list[BriefTheme]  # the presenter's earlier themes anywhere in the scheme

    @property
    def is_tagged(self) -> bool:
        return any(row.themes for row in self.rows)


def _tallied(tags: list[SessionTheme], occurrences) -> dict[int, BriefTheme]:
    themes = {tag.theme_id: tag.theme for tag in tags}
    return {
        theme_id: BriefTheme(themes[theme_id], tally.sessions, tally.last_day)
        for theme_id, tally in repetition.tally_themes(occurrences).items()
    }


def _by_count(found) -> list[BriefTheme]:
    return sorted(found, key=lambda t: (-t.sessions, t.theme.name.lower()))


def _presented_before(session: Session) -> list[BriefTheme]:
    """Themes of the held sessions the presenter presented before this one, in any group
    of the scheme. One query."""
    tags = list(
        SessionTheme.objects.filter(
            session__presenter=session.presenter_id,
            session__group__scheme=session.group.scheme_id,
            session__status=Session.Status.HELD,
            session__starts_at__lt=session.starts_at,
        ).select_related("theme", "session")
    )
    sessions = list({tag.session_id: tag.session for tag in tags}.values())
    return _by_count(_tallied(tags, theme_occurrences(sessions, tags)).values())


def session_brief(session: Session) -> SessionBrief:
    """The group's last BRIEF_SESSIONS held sessions before `session` with their themes,
    the themes in RECURS_FROM or more of them, and the presenter's earlier themes."""
    sessions = list(
        Session.objects.filter(
            group=session.group_id,
            status=Session.Status.HELD,
            starts_at__lt=session.starts_at,
        )
        .select_related("presenter")
        .order_by("-starts_at")[:BRIEF_SESSIONS]
    )
    tags = list(
        SessionTheme.objects.filter(session__in=[s.pk for s in sessions]).select_related("theme")
    )
    tallied = _tallied(tags, theme_occurrences(sessions, tags))
    of_session: dict[int, list[BriefTheme]] = {}
    for tag in sorted(tags, key=lambda t: t.theme.name.lower()):
        of_session.setdefault(tag.session_id, []).append(tallied[tag.theme_id])
    return SessionBrief(
        session=session,
        rows=[BriefRow(s, of_session.get(s.pk, [])) for s in sessions],
        recurring=_by_count(t for t in tallied.values() if t.recurs),
        presented=_presented_before(session) if session.presenter_id else [],
    )
