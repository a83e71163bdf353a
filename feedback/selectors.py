"""Reads for feedback, themes, repetition, group health and term evaluations.

Each runs a fixed number of queries whatever the data size. Nothing here
returns who gave which answer: summaries are aggregates, and comments come
in a fresh random order on every read, never by time or key, so their order
gives no author away.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Avg, Count, Exists, OuterRef, Q
from django.utils import timezone

from attendance.models import Attendance
from feedback import repetition
from feedback.charts import Bar, Chart
from feedback.models import (
    EvaluationAnswer,
    EvaluationReceipt,
    SessionFeedback,
    SessionTheme,
    TermEvaluation,
    Theme,
)
from feedback.permissions import (
    ATTENDED,
    MIN_ANSWERS,
    evaluation_member_days,
    evaluation_members_q,
    feedback_closes_at,
    feedback_sessions_of,
)
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
    """Aggregates show only once MIN_ANSWERS people answered: no answer can be traced."""

    answers: int

    @property
    def is_visible(self) -> bool:
        return self.answers >= MIN_ANSWERS

    @property
    def needed(self) -> int:
        return max(MIN_ANSWERS - self.answers, 0)


@dataclass
class FeedbackSummary(ShownFromMinAnswers):
    session: Session
    answers: int
    averages: list[Average] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def _shuffled_comments(queryset) -> list[str]:
    """Non-empty comments, shuffled: the order says nothing about who wrote what."""
    comments = list(queryset.exclude(comment="").values_list("comment", flat=True))
    secrets.SystemRandom().shuffle(comments)
    return comments


def feedback_summary(session: Session) -> FeedbackSummary:
    """Averages and comments once at least MIN_ANSWERS people answered. Two queries at most."""
    answers = SessionFeedback.objects.filter(session=session)
    figures = answers.aggregate(
        answers=Count("pk"), **{name: Avg(name) for name in SessionFeedback.RATINGS}
    )
    summary = FeedbackSummary(session=session, answers=figures["answers"])
    if summary.is_visible:
        summary.averages = [
            Average(label, figures[name]) for name, label in SessionFeedback.RATINGS.items()
        ]
        summary.comments = _shuffled_comments(answers)
    return summary


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


def my_open_evaluations(person: User) -> list[TermEvaluation]:
    """Open term evaluations of the person's groups that they may answer or have. Two queries."""
    memberships = list(Membership.objects.filter(person=person, role=Membership.Role.MEMBER))
    evaluations = (
        TermEvaluation.objects.filter(
            closed_at__isnull=True, group__in={m.group_id for m in memberships}
        )
        .annotate(
            answered=Exists(
                EvaluationReceipt.objects.filter(evaluation=OuterRef("pk"), person=person)
            )
        )
        .select_related("group")
        .order_by("group__name")
    )
    return [
        evaluation
        for evaluation in evaluations
        if any(
            m.group_id == evaluation.group_id and m.covers(day)
            for m in memberships
            for day in evaluation_member_days(evaluation)
        )
    ]


# --- Themes and repetition -----------------------------------------------------------


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


def _occurrences(sessions: list[Session], tags: list[SessionTheme]) -> list:
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
    repeats = repetition.find_repeats(_occurrences(sessions, tags))
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
    occurrences = _occurrences(sessions, tags)
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
class GroupHealth:
    attendance: Chart
    feedback: Chart
    presenters: Chart
    sessions: list[Session]


def _quarters_back(today: date, count: int) -> list[tuple[int, int]]:
    year, quarter = repetition.quarter_of(today)
    quarters = []
    for _ in range(count):
        quarters.append((year, quarter))
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return list(reversed(quarters))


def group_health(group: BalintGroup) -> GroupHealth:
    """Attendance, feedback and presenter trends for the group's charts. Three queries."""
    members = Q(attendance__role=Attendance.Role.MEMBER)
    sessions = list(
        group.sessions.filter(status=Session.Status.HELD)
        .annotate(
            recorded=Count("attendance", filter=members),
            attended=Count("attendance", filter=members & Q(attendance__status__in=ATTENDED)),
        )
        .order_by("-starts_at")[:HEALTH_SESSIONS]
    )
    sessions.reverse()
    ratings = {
        row["session"]: row
        for row in SessionFeedback.objects.filter(session__in=[s.pk for s in sessions])
        .values("session")
        .annotate(answers=Count("pk"), **{n: Avg(n) for n in SessionFeedback.RATINGS})
        .order_by()
    }

    attendance_bars, feedback_bars = [], []
    for session in sessions:
        day = session.slot_date
        label, axis = f"{day.day} {day:%b %Y}", f"{day.day} {day:%b}"
        share = round(100 * session.attended / session.recorded) if session.recorded else None
        text = (
            f"{share}% ({session.attended} of {session.recorded})"
            if share is not None
            else "no register of members"
        )
        attendance_bars.append(Bar(label, share, text, axis))
        row = ratings.get(session.pk)
        session.answers = row["answers"] if row else 0
        if row and row["answers"] >= MIN_ANSWERS:
            mean = sum(row[n] for n in SessionFeedback.RATINGS) / len(SessionFeedback.RATINGS)
            session.rating = round(mean, 1)
            feedback_bars.append(Bar(label, session.rating, f"{session.rating} of 5", axis))
        else:
            session.rating = None
            feedback_bars.append(Bar(label, None, f"fewer than {MIN_ANSWERS} answers", axis))

    quarters = _quarters_back(timezone.localdate(), HEALTH_QUARTERS)
    first = date(quarters[0][0], 3 * quarters[0][1] - 2, 1)
    presented = group.sessions.filter(status=Session.Status.HELD, slot_date__gte=first).values_list(
        "slot_date", "presenter_id"
    )
    per_quarter = repetition.presenters_per_quarter(presented)
    presenter_bars = [
        Bar(f"Q{q} {y}", per_quarter.get((y, q), 0), str(per_quarter.get((y, q), 0)))
        for y, q in quarters
    ]
    most = max([b.value for b in presenter_bars] + [4])

    return GroupHealth(
        attendance=Chart(
            id="attendance-chart",
            title=f"Attendance at {group.name}",
            desc="Share of members present or late at each of the latest held sessions, "
            "from 0 to 100 percent.",
            bars=attendance_bars,
            max_value=100,
            ticks=[(0, "0%"), (50, "50%"), (100, "100%")],
            value_heading="Members present or late",
        ),
        feedback=Chart(
            id="feedback-chart",
            title=f"Feedback on {group.name}",
            desc=f"Average rating from 1 to 5 of each held session with at least "
            f"{MIN_ANSWERS} answers; sessions with fewer have no bar.",
            bars=feedback_bars,
            max_value=5,
            ticks=[(1, "1"), (3, "3"), (5, "5")],
            value_heading="Average rating",
        ),
        presenters=Chart(
            id="presenters-chart",
            title=f"Presenters per term at {group.name}",
            desc="How many different members presented in each calendar quarter.",
            bars=presenter_bars,
            max_value=most,
            ticks=[(0, "0"), (most, str(most))],
            label_heading="Quarter",
            value_heading="Different presenters",
        ),
        sessions=list(reversed(sessions)),
    )


# --- Term evaluations ------------------------------------------------------------------


@dataclass
class QuestionSummary:
    question: str
    answers: int
    average: float | None
    counts: list[int]  # how many answered 1, 2, 3, 4, 5


@dataclass
class EvaluationSummary(ShownFromMinAnswers):
    evaluation: TermEvaluation
    answers: int
    members: int
    questions: list[QuestionSummary] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


def evaluation_summary(evaluation: TermEvaluation) -> EvaluationSummary:
    """Counts, averages and comments; only the counts below MIN_ANSWERS. Three queries at most."""
    members = (
        Membership.objects.filter(evaluation_members_q(evaluation))
        .values("person")
        .distinct()
        .count()
    )
    answers = EvaluationAnswer.objects.filter(evaluation=evaluation)
    figures = answers.aggregate(
        answers=Count("pk"),
        **{f"{name}_avg": Avg(name) for name in TermEvaluation.QUESTIONS},
        **{
            f"{name}_{value}": Count("pk", filter=Q(**{name: value}))
            for name in TermEvaluation.QUESTIONS
            for value in range(1, 6)
        },
    )
    summary = EvaluationSummary(evaluation=evaluation, answers=figures["answers"], members=members)
    if summary.is_visible:
        summary.questions = [
            QuestionSummary(
                question=question,
                answers=figures["answers"],
                average=figures[f"{name}_avg"],
                counts=[figures[f"{name}_{value}"] for value in range(1, 6)],
            )
            for name, question in TermEvaluation.QUESTIONS.items()
        ]
        summary.comments = _shuffled_comments(answers)
    return summary
