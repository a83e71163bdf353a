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
    # For the table under the charts, newest first; each with its `attendance_text`.
    sessions: list[Session]
    below_minimum: list[Session]  # those with fewer members present than the minimum
    min_members: int


def _members_then(session: Session) -> int:
    """The members the group had that day (at least those marked, should one have left)."""
    return max(session.members, session.recorded)


def attendance_text(session: Session) -> str:
    """A count beside every percentage, "3 of 8 members attended (38%)": a share alone
    hid a group shrunk to three."""
    if not session.recorded:
        return "no register of members"
    members = _members_then(session)
    share = round(100 * session.attended / members)
    return f"{session.attended} of {members} members attended ({share}%)"


def _attendance_bar(session: Session, label: str, axis: str, minimum: int) -> Bar:
    if not session.recorded:
        return Bar(label, None, session.attendance_text, axis)
    below = f", below the group's minimum of {minimum}" if session.below_minimum else ""
    return Bar(label, session.attended, session.attendance_text + below, axis)


def _feedback_bar(session: Session, label: str, axis: str) -> Bar:
    if session.feedback_open:
        return Bar(label, None, "feedback still open", axis)
    if session.rating is None:
        return Bar(label, None, f"fewer than {MIN_ANSWERS} answers", axis)
    return Bar(label, session.rating, f"{session.rating} of 5", axis)


def health_charts(group: BalintGroup, health: GroupHealth) -> HealthCharts:
    """Sessions oldest first, left to right, attendance as a count against the group's
    minimum; presenters per quarter on a scale of at least 4."""
    minimum = health.min_members
    attendance_bars, feedback_bars = [], []
    for session in reversed(health.sessions):
        session.attendance_text = attendance_text(session)  # the table's too
        day = session.slot_date
        label, axis = f"{day.day} {day:%b %Y}", f"{day.day} {day:%b}"
        attendance_bars.append(_attendance_bar(session, label, axis, minimum))
        feedback_bars.append(_feedback_bar(session, label, axis))
    presenter_bars = [
        Bar(f"Q{q.quarter} {q.year}", q.presenters, str(q.presenters)) for q in health.quarters
    ]
    most = max([b.value for b in presenter_bars] + [4])
    largest = max([_members_then(s) for s in health.sessions] + [minimum])
    ticks = [(0, "0"), (minimum, f"min {minimum}")]
    if largest > minimum:
        ticks.append((largest, str(largest)))
    return HealthCharts(
        attendance=Chart(
            id="attendance-chart",
            title=f"Members present at {group.name}",
            desc="How many members were present or late at each of the latest held "
            f"sessions, from 0 to {largest}; the line at {minimum} is the group's minimum size.",
            bars=attendance_bars,
            max_value=largest,
            ticks=ticks,
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
        below_minimum=health.below_minimum,
        min_members=minimum,
    )
