"""Every write of groups/ that matters, one function per action, by topic:

- memberships: groups, memberships and organiser roles
- invitations: the emailed links that create an account and its first role
- privacy: a scheme's privacy settings, the access log and erasure
- mail: undelivered mail sent again
- retention_enforce, the daily retention run: groups.retention

Each function checks permission, runs atomically and sends side effects (email)
only once the transaction has committed. They are gathered here so that callers
write `services.membership_add(...)` whatever the topic; the topic modules import
each other directly, never this package.
"""

from groups.retention import retention_enforce
from groups.services.invitations import (
    InvitationInvalid,
    invitation_accept,
    invitation_create,
    invitation_from_token,
    invitation_revoke,
    invitation_token,
    invitation_url,
    invitations_create,
    invitations_import_csv,
)
from groups.services.mail import failed_email_retry
from groups.services.memberships import (
    GROUP_FIELDS,
    MOST_AT_ONCE,
    NewMember,
    group_create,
    group_update,
    membership_add,
    membership_end,
    memberships_add,
    organiser_add,
)
from groups.services.privacy import (
    PRIVACY_FIELDS,
    access_log_record,
    erase_blockers,
    person_erase,
    scheme_privacy_update,
)
from groups.validation import InvitationData

__all__ = [
    "GROUP_FIELDS",
    "MOST_AT_ONCE",
    "PRIVACY_FIELDS",
    "InvitationData",
    "InvitationInvalid",
    "NewMember",
    "access_log_record",
    "erase_blockers",
    "failed_email_retry",
    "group_create",
    "group_update",
    "invitation_accept",
    "invitation_create",
    "invitation_from_token",
    "invitation_revoke",
    "invitation_token",
    "invitation_url",
    "invitations_create",
    "invitations_import_csv",
    "membership_add",
    "membership_end",
    "memberships_add",
    "organiser_add",
    "person_erase",
    "retention_enforce",
    "scheme_privacy_update",
]
