"""Where a trainee stands toward the scheme's requirement, and why: the rule as pure
functions of plain values. attendance.progress (one trainee, for the pages) and
attendance.figures (every trainee, for the overview's table) gather the values and both
call standing(), so the two readings cannot disagree.

Statuses, in the order they are tried:

- complete: as many counted sessions as the requirement.
- not_started: no register has recorded them and no session has been held in any of
  their memberships yet, while one is current or still to come. The reason names their
  first scheduled session, or else when their membership starts. Someone who has not
  started is not judged yet, even if their memberships look too short: their next
  rotation is often entered later.
- at_risk, short: with fixed-term memberships only, the counted sessions plus every
  session still possible before the last one ends fall short of the requirement.
  Possible means scheduled in a membership, not cancelled and not on a date they are on
  leave or on call, plus the group's meetings after its last generated session up to the
  end date, estimated from its weekday and frequency (terms are generated one at a time;
  holidays are not foreseen, hence "at most"). An open-ended membership is never short.
- at_risk, rate: at least RATE_AFTER sessions recorded and fewer than ON_TRACK_RATE of
  them counted, whatever their memberships.
- on_track: otherwise.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

# At least this share of recorded sessions attended keeps a trainee on track...
ON_TRACK_RATE = 0.75
# ...once this many sessions have been recorded (one missed of two says little).
RATE_AFTER = 4
# Days between a group's meetings, by BalintGroup.frequency.
EVERY_DAYS = {"weekly": 7, "fortnightly": 14}


@dataclass(frozen=True)
class Span:
    """One membership (as a trainee) as the rule sees it."""

    start: date
    end: date | None  # inclusive; None: open-ended
    weekday: int  # the group's meeting day, Monday 0
    every_days: int  # 7 or 14 (EVERY_DAYS)
    last_slot: date | None = None  # the group's latest session of any status, if any
    had_session: bool = False  # a session of the group was held within the span
    attendable: int = 0  # scheduled sessions to come in the span they can attend
    unavailable: int = 0  # scheduled sessions to come in the span they are on leave or on call

    @classmethod
    def of(cls, *, frequency: str, to_come: list[bool], **facts) -> "Span":
        """From the group's frequency (BalintGroup.Frequency) and, for each scheduled
        session to come in the span, whether they are unavailable for it."""
        return cls(
            every_days=EVERY_DAYS[frequency],
            attendable=to_come.count(False),
            unavailable=to_come.count(True),
            **facts,
        )


@dataclass(frozen=True)
class Standing:
    status: str
    reason: str = ""


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def unscheduled_meetings(span: Span, today: date) -> int:
    """The group's meetings from today to the span's end that no session stands for yet:
    after its last generated session, on its weekday, keeping a fortnight's rhythm."""
    if span.end is None:
        raise ValueError("An open-ended span has no end to count to.")
    begin = max(span.start, today)
    if span.last_slot is not None:
        begin = max(begin, span.last_slot + timedelta(days=1))
    first = begin + timedelta(days=(span.weekday - begin.weekday()) % 7)
    if span.last_slot is not None and span.last_slot.weekday() == span.weekday:
        first += timedelta(days=-(first - span.last_slot).days % span.every_days)
    if first > span.end:
        return 0
    return (span.end - first).days // span.every_days + 1


def sessions_possible(spans: Sequence[Span], today: date) -> int | None:
    """Sessions they can still attend before their memberships end; None when one is
    open-ended (no limit)."""
    if any(span.end is None for span in spans):
        return None
    return sum(
        span.attendable + unscheduled_meetings(span, today) for span in spans if span.end >= today
    )


def _not_started(spans: Sequence[Span], today: date, first_session: date | None) -> str:
    if first_session is not None:
        return f"First session on {long_date(first_session)}"
    start = min(span.start for span in spans if span.end is None or span.end >= today)
    if start > today:
        return f"Joins on {long_date(start)}; no sessions scheduled yet"
    return f"Joined on {long_date(start)}; no sessions scheduled yet"


def _short(remaining: int, possible: int, spans: Sequence[Span], today: date) -> str:
    end = max(span.end for span in spans)
    if end < today:
        return f"Needs {remaining} more; the membership ended on {long_date(end)}"
    at_most = f"at most {possible}" if possible else "none"
    reason = f"Needs {remaining} more; {at_most} possible before the membership ends on "
    reason += long_date(end)
    skipped = sum(span.unavailable for span in spans if span.end >= today)
    if skipped:
        reason += f" ({skipped} session{'s' if skipped > 1 else ''} on leave or on call left out)"
    return reason


def standing(
    *,
    counted: int,
    required: int,
    recorded: int,
    spans: Sequence[Span],
    today: date,
    first_session: date | None = None,
) -> Standing:
    """The trainee's status with its reason (see the module's docstring for the rule).

    first_session: their earliest scheduled session to come, named when they have not
    started. Without spans (no memberships) nothing can be possible.
    """
    if counted >= required:
        return Standing("complete")
    ongoing = any(span.end is None or span.end >= today for span in spans)
    if ongoing and not recorded and not any(span.had_session for span in spans):
        return Standing("not_started", _not_started(spans, today, first_session))
    possible = sessions_possible(spans, today) if spans else 0
    remaining = required - counted
    if possible is not None and possible < remaining:
        if not spans:
            return Standing("at_risk", f"Needs {remaining} more; no membership")
        return Standing("at_risk", _short(remaining, possible, spans, today))
    if recorded >= RATE_AFTER and counted < ON_TRACK_RATE * recorded:
        percent = 100 * counted // recorded
        return Standing(
            "at_risk", f"Attended {counted} of {recorded} recorded sessions ({percent}%)"
        )
    return Standing("on_track")
