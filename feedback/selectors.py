"""Reads for feedback, themes, repetition and group health (term evaluations:
feedback.evaluation_selectors).

Each runs a fixed number of queries whatever the data size. Nothing here
returns who gave which answer: summaries are aggregates shown only after
answering has closed, and comments come in alphabetical order, never by time
or key, so their order gives no author away.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from attendance.models import Attendance
from feedback import permissions, repetition
from feedback.models import SessionFeedback, SessionTheme, Theme
from feedback.permissions import ATTENDED, MIN_ANSWERS, feedback_closes_at, feedback_sessions_of
from groups.models import BalintGroup, Membership, Scheme, User
from sessions.models import Session

# The repetitiveness views look back this far.
REPETITION_DAYS = 365
# Group health: the latest held sessions, and presenters over the latest quarters.
HEALTH_SESSIONS = 26
HEALTH_QUARTERS = 8


# --- Session feedback -------------------------------------------------------------


@dataclass
class Average:
    label: str
    value: float | None


class ShownFromMinAnswers:
    """Aggregates show only once answering has closed, and only when at least MIN_ANSWERS
    people answered. While answers may still come or change, two looks would give one
    person's answer by difference (new average × 4 − old average × 3, the one new
    comment); so until it closes only the count shows, and after it the view is fixed."""

    answers: int
    closed: bool

    @property
    def is_visible(self) -> bool:
        return self.closed and self.answers >= MIN_ANSWERS

    @property
    def needed(self) -> int:
        return max(MIN_ANSWERS - self.answers, 0)


@dataclass
class FeedbackSummary(ShownFromMinAnswers):
    session: Session
    answers: int
    closed: bool
    closes_at: datetime
    averages: list[Average] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def comments_in_order(queryset) -> list[str]:
    """Non-empty comments in alphabetical order: the order says nothing about who wrote
    what or when, and two looks at a closed summary show the same list."""
    comments = queryset.exclude(comment="").values_list("comment", flat=True)
    return sorted(comments, key=str.casefold)


def feedback_summary(session: Session) -> FeedbackSummary:
    """The count; averages and comments once the feedback window has closed with at least
    MIN_ANSWERS answers. Two queries at most."""
    answers = SessionFeedback.objects.filter(session=session)
    figures = answers.aggregate(
        answers=Count("pk"), **{name: Avg(name) for name in SessionFeedback.RATINGS}
    )
    closes_at = feedback_closes_at(session)
    summary = FeedbackSummary(
        session=session,
        answers=figures["answers"],
        closed=timezone.now() >= closes_at,
        closes_at=closes_at,
    )
    if summary.is_visible:
        summary.averages = [
            Average(label, figures[name]) for name, label in SessionFeedback.RATINGS.items()
        ]
        summary.comments = comments_in_order(answers)
    return summary


def feedback_of(session: Session, person: User) -> SessionFeedback | None:
    """The person's own answer on the session, if they gave one: never anyone else's."""
    return SessionFeedback.objects.filter(session=session, person=person).first()


@dataclass
class FeedbackRow:
    session: Session
    answered: bool

    @property
    def closes_at(self):
        return feedback_closes_at(self.session)


def my_feedback_rows(person: User) -> list[FeedbackRow]:
    """The held sessions the person attended whose feedback is still open. One query."""
    mine = SessionFeedback.objects.filter(session=OuterRef("pk"), person=person)
    sessions = (
        feedback_sessions_of(person)
        .annotate(answered=Exists(mine))
        .select_related("group__scheme", "presenter")
        .order_by("-starts_at")
    )
    return [FeedbackRow(session=s, answered=s.answered) for s in sessions]


# --- Themes and repetition -----------------------------------------------------------


def theme_ids_of(session: Session) -> list[int]:
    return list(session.theme_tags.values_list("theme_id", flat=True))


def themes_of(scheme: Scheme) -> QuerySet[Theme]:
    """The scheme's themes by name, each with how many sessions it tags."""
    return scheme.themes.annotate(sessions=Count("session_tags")).order_by(Lower("name"))


def managed_themes(user: User) -> QuerySet[Theme]:
    """The themes the user may rename and delete, each with its scheme."""
    return permissions.themes_managed_by(user).select_related("scheme")


def sessions_tagged(theme: Theme) -> int:
    return theme.session_tags.count()


@dataclass
class ThemeMark:
    theme: Theme
    recurs: repetition.Repeat | None = None
    presented_before: repetition.Repeat | None = None

    @property
    def is_flagged(self) -> bool:
        return self.recurs is not None or self.presented_before is not None


@dataclass
class TimelineRow:
    session: Session
    marks: list[ThemeMark]

    @property
    def is_flagged(self) -> bool:
        return any(mark.is_flagged for mark in self.marks)


def theme_occurrences(sessions: list[Session], tags: list[SessionTheme]) -> list:
    themes_of: dict[int, set[int]] = {}
    for tag in tags:
        themes_of.setdefault(tag.session_id, set()).add(tag.theme_id)
    return [
        repetition.Occurrence(
            key=s.pk,
            day=s.slot_date,
            presenter=s.presenter_id,
            themes=frozenset(themes_of.get(s.pk, ())),
            group=s.group_id,
        )
        for s in sessions
    ]


def _held_since(since: date):
    return Session.objects.filter(status=Session.Status.HELD, slot_date__gte=since)


def _repetition_since() -> date:
    return timezone.localdate() - timedelta(days=REPETITION_DAYS)


def _marks(sessions, tags) -> tuple[dict[int, list[ThemeMark]], list[repetition.Repeat]]:
    repeats = repetition.find_repeats(theme_occurrences(sessions, tags))
    flagged = {(r.key, r.theme, r.kind): r for r in repeats}
    marks: dict[int, list[ThemeMark]] = {}
    for tag in sorted(tags, key=lambda t: t.theme.name.lower()):
        key = (tag.session_id, tag.theme_id)
        marks.setdefault(tag.session_id, []).append(
            ThemeMark(
                theme=tag.theme,
                recurs=flagged.get((*key, repetition.RECURS)),
                presented_before=flagged.get((*key, repetition.PRESENTER)),
            )
        )
    return marks, repeats


def group_timeline(group: BalintGroup) -> list[TimelineRow]:
    """Held sessions of the last year, newest first, with themes and repeats. Two queries."""
    sessions = list(
        _held_since(_repetition_since())
        .filter(group=group)
        .select_related("presenter")
        .order_by("starts_at")
    )
    tags = list(
        SessionTheme.objects.filter(session__in=[s.pk for s in sessions]).select_related("theme")
    )
    marks, _ = _marks(sessions, tags)
    return [TimelineRow(session=s, marks=marks.get(s.pk, [])) for s in reversed(sessions)]


@dataclass
class ThemeCounts:
    theme: Theme
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class GroupThemeTable:
    group: BalintGroup
    rows: list[ThemeCounts]


@dataclass
class FlaggedRepeat:
    repeat: repetition.Repeat
    session: Session
    earlier: Session
    theme: Theme


@dataclass
class SchemeRepetition:
    months: list[date]
    groups: list[GroupThemeTable]
    repeats: list[FlaggedRepeat]


def scheme_repetition(scheme: Scheme) -> SchemeRepetition:
    """Theme counts by group and month over the last year, and flagged repeats. Three queries.

    Themes recur within a group; a presenter repeats a theme in any group of the scheme.
    """
    since = _repetition_since()
    groups = list(scheme.groups.order_by("name"))
    sessions = list(
        _held_since(since)
        .filter(group__scheme=scheme)
        .select_related("group", "presenter")
        .order_by("starts_at")
    )
    tags = list(
        SessionTheme.objects.filter(session__in=[s.pk for s in sessions]).select_related("theme")
    )
    occurrences = theme_occurrences(sessions, tags)
    months = repetition.months_between(since, timezone.localdate())
    counts = repetition.theme_counts_by_month(occurrences)
    themes = {tag.theme_id: tag.theme for tag in tags}
    tables = []
    for group in groups:
        rows = [
            ThemeCounts(theme=themes[theme_id], counts=[found[m] for m in months])
            for (group_id, theme_id), found in counts.items()
            if group_id == group.pk
        ]
        rows.sort(key=lambda row: (-row.total, row.theme.name.lower()))
        tables.append(GroupThemeTable(group=group, rows=rows))
    by_pk = {s.pk: s for s in sessions}
    repeats = [
        FlaggedRepeat(
            repeat=r, session=by_pk[r.key], earlier=by_pk[r.earlier], theme=themes[r.theme]
        )
        for r in repetition.find_repeats(occurrences)
    ]
    repeats.reverse()  # newest first
    return SchemeRepetition(months=months, groups=tables, repeats=repeats)


# --- Group health ------------------------------------------------------------------------


@dataclass
class QuarterPresenters:
    year: int
    quarter: int
    presenters: int  # different members who presented in it


@dataclass
class GroupHealth:
    """The figures behind the group health page (its charts: feedback.health_charts).

    Each session carries `members` (the group's members on its date), `recorded` and
    `attended` (member records, and of those present or late), `below_minimum` (a
    register with fewer members present than the group's minimum), `answers` (feedback
    answers), `feedback_open` (answers may still come) and `rating`: their average
    rating to one decimal, or None while its feedback window is open or below
    MIN_ANSWERS answers.
    """

    sessions: list[Session]  # the latest held, newest first
    quarters: list[QuarterPresenters]  # the latest calendar quarters, oldest first
    min_members: int  # the group's minimum size

    @property
    def below_minimum(self) -> list[Session]:
        return [s for s in self.sessions if s.below_minimum]


def _quarters_back(today: date, count: int) -> list[tuple[int, int]]:
    year, quarter = repetition.quarter_of(today)
    quarters = []
    for _ in range(count):
        quarters.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return list(reversed(quarters))


def group_health(group: BalintGroup) -> GroupHealth:
    """Attendance, feedback and presenter trends of the group. Three queries.

    Attendance is counted against the members the group had that day, not only those
    marked: a share of the few who were marked hid a group shrunk to three.
    """
    members = Q(attendance__role=Attendance.Role.MEMBER)
    members_then = (
        Membership.objects.current(OuterRef("slot_date"))
        .filter(group=OuterRef("group"), role=Membership.Role.MEMBER)
        .order_by()
        .values("group")
        .annotate(people=Count("person", distinct=True))
        .values("people")
    )
    sessions = list(
        group.sessions.filter(status=Session.Status.HELD)
        .annotate(
            recorded=Count("attendance", filter=members),
            attended=Count("attendance", filter=members & Q(attendance__status__in=ATTENDED)),
            members=Coalesce(Subquery(members_then), 0),
        )
        .order_by("-starts_at")[:HEALTH_SESSIONS]
    )
    ratings = {
        row["session"]: row
        for row in SessionFeedback.objects.filter(session__in=[s.pk for s in sessions])
        .values("session")
        .annotate(answers=Count("pk"), **{n: Avg(n) for n in SessionFeedback.RATINGS})
        .order_by()
    }
    now = timezone.now()  # one instant for every session of the page
    for session in sessions:
        session.below_minimum = bool(session.recorded) and session.attended < group.min_members
        row = ratings.get(session.pk)
        session.answers = row["answers"] if row else 0
        session.rating = None
        session.feedback_open = now < feedback_closes_at(session)
        if row and not session.feedback_open and row["answers"] >= MIN_ANSWERS:
            mean = sum(row[n] for n in SessionFeedback.RATINGS) / len(SessionFeedback.RATINGS)
            session.rating = round(mean, 1)

    quarters = _quarters_back(timezone.localdate(), HEALTH_QUARTERS)
    first = date(quarters[0][0], 3 * quarters[0][1] - 2, 1)
    presented = group.sessions.filter(status=Session.Status.HELD, slot_date__gte=first).values_list(
        "slot_date", "presenter_id"
    )
    per_quarter = repetition.presenters_per_quarter(presented)
    return GroupHealth(
        sessions=sessions,
        quarters=[QuarterPresenters(y, q, per_quarter.get((y, q), 0)) for y, q in quarters],
        min_members=group.min_members,
    )
