"""Every write of the sessions app in one namespace, for callers that span its parts
(other apps, management commands, benches, tests). Nothing is defined here: each rule
lives in the services module of its subpackage, named below.
"""

from sessions.calendar.services import calendar_token_for, calendar_token_reset
from sessions.clashes.services import ClashChanges, clashes_recompute
from sessions.leave.services import leave_delete, leave_record
from sessions.reminders.services import (
    reminder_preferences_for,
    reminder_preferences_update,
    reminders_queue_due,
    reminders_withdraw,
)
from sessions.rosters.services import (
    RosterImport,
    roster_feed_refresh,
    roster_feed_subscribe,
    roster_feeds_due,
    roster_source_delete,
    roster_upload,
    roster_upload_apply,
    roster_upload_preview,
    roster_uploads_purge,
)
from sessions.rota.services import (
    presentation_give_back,
    presenter_set,
    rota_assign,
    swap_accept,
    swap_decline,
    swap_request,
)
from sessions.schedule.services import (
    session_add,
    session_cancel,
    session_move,
    term_generate,
    term_preview,
)

__all__ = [
    "ClashChanges",
    "RosterImport",
    "calendar_token_for",
    "calendar_token_reset",
    "clashes_recompute",
    "leave_delete",
    "leave_record",
    "presentation_give_back",
    "presenter_set",
    "reminder_preferences_for",
    "reminder_preferences_update",
    "reminders_queue_due",
    "reminders_withdraw",
    "roster_feed_refresh",
    "roster_feed_subscribe",
    "roster_feeds_due",
    "roster_source_delete",
    "roster_upload",
    "roster_upload_apply",
    "roster_upload_preview",
    "roster_uploads_purge",
    "rota_assign",
    "session_add",
    "session_cancel",
    "session_move",
    "swap_accept",
    "swap_decline",
    "swap_request",
    "term_generate",
    "term_preview",
]
