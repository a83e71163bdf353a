"""The group health page's three charts, drawn from the figures of selectors.group_health."""

from dataclasses import dataclass

from feedback.charts import Bar, Chart
from feedback.permissions import MIN_ANSWERS
from feedback.selectors import GroupHealth
from groups.models import BalintGroup
from sessions.models import Session


@dataclass
class HealthCharts:
    attendance: Chart
    feedback: Chart
    presenters: Chart
    sessions: list[Session]  # for the table under the charts, newest first


def _attendance_bar(session: Session, label: str, axis: str) -> Bar:
    if not session.recorded:
        return Bar(label, None, "no register of members", axis)
    share = round(100 * session.attended / session.recorded)
    return Bar(label, share, f"{share}% ({session.attended} of {session.recorded})", axis)


def _feedback_bar(session: Session, label: str, axis: str) -> Bar:
    if session.feedback_open:
        return Bar(label, None, "feedback still open", axis)
    if session.rating is None:
        return Bar(label, None, f"fewer than {MIN_ANSWERS} answers", axis)
    return Bar(label, session.rating, f"{session.rating} of 5", axis)


def health_charts(group: BalintGroup, health: GroupHealth) -> HealthCharts:
    """Sessions oldest first, left to right; presenters per quarter on a scale of at least 4."""
    attendance_bars, feedback_bars = [], []
    for session in reversed(health.sessions):
        day = session.slot_date
        label, axis = f"{day.day} {day:%b %Y}", f"{day.day} {day:%b}"
        attendance_bars.append(_attendance_bar(session, label, axis))
        feedback_bars.append(_feedback_bar(session, label, axis))
    presenter_bars = [
        Bar(f"Q{q.quarter} {q.year}", q.presenters, str(q.presenters)) for q in health.quarters
    ]
    most = max([b.value for b in presenter_bars] + [4])
    return HealthCharts(
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
            desc=f"Average rating from 1 to 5 of each held session whose week of feedback "
            f"has closed with at least {MIN_ANSWERS} answers; other sessions have no bar.",
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
        sessions=health.sessions,
    )
