"""The sessions app's models, by concern: the schedule (sessions, leave, swaps, offers,
guests, calendar tokens), on-call rosters and clashes, and reminder and scheme settings."""

from sessions.models.rosters import Clash, OnCallShift, RosterSource, RosterUpload
from sessions.models.schedule import (
    CalendarToken,
    GuestRequest,
    Leave,
    PresentingOffer,
    Session,
    SwapRequest,
    new_calendar_token,
)
from sessions.models.settings import (
    DEFAULT_TRAVEL_MARGIN_MINUTES,
    ReminderKind,
    ReminderPreference,
    SchemeSettings,
)

__all__ = [
    "DEFAULT_TRAVEL_MARGIN_MINUTES",
    "CalendarToken",
    "Clash",
    "GuestRequest",
    "Leave",
    "OnCallShift",
    "PresentingOffer",
    "ReminderKind",
    "ReminderPreference",
    "RosterSource",
    "RosterUpload",
    "SchemeSettings",
    "Session",
    "SwapRequest",
    "new_calendar_token",
]
