"""The account's share of personal data: profile, sign-in addresses, roles, invitations,
erasures and the access log, and the links Django and allauth keep to a person.

Erasure keeps the person's row, anonymised, so everything that counts them
(attendance, memberships) still adds up; what identified them is replaced.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.contrib.sessions.models import Session as DjangoSession
from django.core.cache import caches
from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape

from balint.models import OutboundEmail
from balint.privacy import PersonalDataPart, mentions_of, row, scrub_mentions
from groups.models import (
    ERASED_NAME,
    AccessLogEntry,
    Invitation,
    Membership,
    PersonErasure,
    SchemeOrganiser,
    User,
)

SESSION_BATCH = 2_000
EMAIL_KEEP_DAYS = 90
# What an erasure rewrites on the person's own row.
ERASED_USER_FIELDS = [
    "full_name",
    "email",
    "registration_number",
    "password",
    "is_active",
    "is_staff",
    "is_superuser",
    "last_login",
]


def erased_email(person: User) -> str:
    """Unique, and never deliverable (.invalid is reserved by RFC 2606)."""
    return f"erased-{person.pk}@invalid.example"


def _invitations_to(person: User):
    return _invitations_to_any([person])


def _any_address(field: str, people: Sequence[User]) -> Q:
    """`field` is any of the people's email addresses, case aside (iexact, as for one)."""
    condition = Q()
    for address in {p.email for p in people}:
        condition |= Q(**{f"{field}__iexact": address})
    return condition


def _invitations_to_any(people: Sequence[User]):
    return Invitation.objects.filter(
        Q(accepted_by__in=[p.pk for p in people]) | _any_address("email", people)
    )


def _emails_to(person: User):
    """Mail to their account, and to their address before they had one (invitations)."""
    return _emails_to_any([person])


def _emails_to_any(people: Sequence[User]):
    return OutboundEmail.objects.filter(
        Q(person__in=[p.pk for p in people]) | _any_address("to", people)
    )


def _emails_naming_erased(ids: list[int], words: list[str]) -> None:
    """Mail to others that names them (OutboundEmail.named: who asked, who completed):
    what waits is not sent, and every copy kept loses the mentions, its HTML's escaped
    ones too. Found by the link, not by searching every email's text."""
    links = OutboundEmail.named.through.objects.filter(user__in=ids)
    naming = OutboundEmail.objects.filter(pk__in=links.values("outboundemail"))
    naming.filter(state=OutboundEmail.State.PENDING).update(
        state=OutboundEmail.State.CANCELLED,
        last_error="withdrawn before it was sent: a person it named was erased",
    )
    for field in ("subject", "body_text"):
        scrub_mentions(naming, field, words)
    scrub_mentions(naming, "body_html", [*words, *(str(escape(word)) for word in words)])
    links.delete()


def end_signed_in_sessions(person: User) -> int:
    """End the person's signed-in sessions. (Changing the password hash already ends
    them: Django checks it on every request; a second-factor reset changes no hash.)"""
    return people_sessions_end([person])


def people_sessions_end(people: Iterable[User]) -> int:
    """End the signed-in sessions of several people: one pass over the store, each
    session decoded once. Returns how many ended."""
    keys = {str(person.pk) for person in people}
    if not keys:
        return 0
    ended = []
    alive = DjangoSession.objects.filter(expire_date__gt=timezone.now())
    for session in alive.iterator(chunk_size=SESSION_BATCH):
        if session.get_decoded().get("_auth_user_id") in keys:
            ended.append(session.session_key)
    _sessions_delete(ended)
    return len(ended)


def _sessions_delete(session_keys: list[str]) -> None:
    """Delete sessions from the configured store: the cache's copy too (cached_db keeps
    one that would go on serving the session), as SessionStore.delete does for one."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not issubclass(store, DbSessionStore):
        for session_key in session_keys:
            store(session_key=session_key).delete()
        return
    for start in range(0, len(session_keys), SESSION_BATCH):
        keys = session_keys[start : start + SESSION_BATCH]
        store.get_model_class().objects.filter(session_key__in=keys).delete()
        if issubclass(store, CachedDbSessionStore):
            cache = caches[settings.SESSION_CACHE_ALIAS]
            cache.delete_many([store.cache_key_prefix + key for key in keys])


class AccountPart(PersonalDataPart):
    name = "account"
    covers = frozenset(
        {
            (SchemeOrganiser, "person"),
            (Membership, "person"),
            (Invitation, "invited_by"),
            (Invitation, "accepted_by"),
            (PersonErasure, "person"),
            (PersonErasure, "erased_by"),
            (AccessLogEntry, "actor"),
            (AccessLogEntry, "subject"),
            (Authenticator, "user"),
            (EmailAddress, "user"),
            (LogEntry, "user"),
            (OutboundEmail, "person"),
            (OutboundEmail.named.through, "user"),
            (User.groups.through, "user"),
            (User.user_permissions.through, "user"),
        }
    )
    held = (
        "Your name, email address and professional registration number (IMC, GMC or similar).",
        "Your memberships of groups (role, track, start and end dates) and organiser roles.",
        "Invitations sent to you and by you.",
        "Which second factors you set up (authenticator app, passkeys, recovery codes) "
        "and when you last used them; their secrets are never exported.",
        "A log of who exported or opened other people's data, and when.",
        f"The emails sent to you (reminders, notices, invitations), kept {EMAIL_KEEP_DAYS} "
        "days after sending so a failed delivery can be seen and retried.",
    )

    def export(self, person: User) -> dict[str, list[dict]]:
        memberships = Membership.objects.filter(person=person).select_related("group__scheme")
        return {
            "profile": [
                row(
                    id=person.pk,
                    full_name=person.full_name,
                    email=person.email,
                    registration_number=person.registration_number,
                    date_joined=person.date_joined,
                    last_login=person.last_login,
                    is_active=person.is_active,
                    is_staff=person.is_staff,
                )
            ],
            "email_addresses": [
                row(email=a.email, verified=a.verified, primary=a.primary)
                for a in EmailAddress.objects.filter(user=person).order_by("email")
            ],
            "second_factors": [
                row(kind=a.get_type_display(), added_at=a.created_at, last_used_at=a.last_used_at)
                for a in Authenticator.objects.filter(user=person).order_by("created_at")
            ],
            "memberships": [
                row(
                    scheme=m.group.scheme.name,
                    group=m.group.name,
                    role=m.get_role_display(),
                    track=m.get_track_display(),
                    start_date=m.start_date,
                    end_date=m.end_date,
                )
                for m in memberships.order_by("start_date", "pk")
            ],
            "organiser_roles": [
                row(scheme=o.scheme.name, since=o.created_at)
                for o in SchemeOrganiser.objects.filter(person=person).select_related("scheme")
            ],
            "invitations_received": [
                row(
                    scheme=i.scheme.name,
                    group=i.group.name if i.group else "",
                    role=i.get_role_display(),
                    sent_at=i.created_at,
                    accepted_at=i.accepted_at,
                    revoked_at=i.revoked_at,
                )
                for i in _invitations_to(person).select_related("scheme", "group")
            ],
            # Actions taken: what and when, never the other person's name or address.
            "invitations_sent": [
                row(
                    invitation_id=i.pk,
                    scheme=i.scheme.name,
                    group=i.group.name if i.group else "",
                    role=i.get_role_display(),
                    sent_at=i.created_at,
                    accepted=i.accepted_at is not None,
                    revoked=i.revoked_at is not None,
                )
                for i in Invitation.objects.filter(invited_by=person).select_related(
                    "scheme", "group"
                )
            ],
            "erasures_carried_out": [
                row(
                    erased_person_id=e.person_id,
                    scheme=e.scheme.name if e.scheme else "",
                    erased_at=e.erased_at,
                )
                for e in PersonErasure.objects.filter(erased_by=person).select_related("scheme")
            ],
            "exports_of_your_data": [
                row(
                    when=e.accessed_at,
                    what=e.get_action_display(),
                    scheme=e.scheme.name if e.scheme else "",
                    description=e.description,
                )
                for e in AccessLogEntry.objects.filter(subject=person).select_related("scheme")
            ],
            "exports_you_made": [
                row(
                    when=e.accessed_at,
                    what=e.get_action_display(),
                    scheme=e.scheme.name if e.scheme else "",
                    description=e.description,
                )
                for e in AccessLogEntry.objects.filter(actor=person).select_related("scheme")
            ],
            "emails": [
                row(
                    to=e.to,
                    subject=e.subject,
                    state=e.get_state_display(),
                    queued_at=e.created_at,
                    sent_at=e.sent_at,
                    problem=e.last_error,
                )
                for e in _emails_to(person).defer("body_text", "body_html")
            ],
            "admin_actions": [
                row(
                    when=e.action_time,
                    action={1: "added", 2: "changed", 3: "deleted"}.get(e.action_flag, ""),
                    record_type=str(e.content_type) if e.content_type else "",
                    record_id=e.object_id,
                )
                for e in LogEntry.objects.filter(user=person).select_related("content_type")
            ],
        }

    def erase_many(self, people: Sequence[User], *, when: datetime) -> None:
        words = mentions_of(people)
        ids = [person.pk for person in people]
        # The admin's history names records by their text, which often holds a name.
        user_type = ContentType.objects.get_for_model(User)
        LogEntry.objects.filter(
            content_type=user_type, object_id__in=[str(pk) for pk in ids]
        ).update(object_repr=ERASED_NAME)
        scrub_mentions(LogEntry.objects.all(), "object_repr", words)
        scrub_mentions(LogEntry.objects.all(), "change_message", words)

        invitations = _invitations_to_any(people)
        invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=when
        )
        # Each to the person who accepted it, else to the one it was sent to: what
        # erasing them one by one leaves, in whichever order.
        by_pk = {person.pk: person for person in people}
        by_email = {person.email.upper(): person for person in people}
        renamed = []
        for invitation in invitations.only("pk", "email", "accepted_by"):
            whose = by_pk.get(invitation.accepted_by_id) or by_email[invitation.email.upper()]
            invitation.email, invitation.full_name = erased_email(whose), ERASED_NAME
            renamed.append(invitation)
        Invitation.objects.bulk_update(renamed, ["email", "full_name"], batch_size=500)

        _emails_to_any(people).delete()
        _emails_naming_erased(ids, words)
        EmailAddress.objects.filter(user__in=ids).delete()  # confirmations go with them
        Authenticator.objects.filter(user__in=ids).delete()
        SchemeOrganiser.objects.filter(person__in=ids).delete()
        User.groups.through.objects.filter(user__in=ids).delete()
        User.user_permissions.through.objects.filter(user__in=ids).delete()

        for person in people:
            person.full_name = ERASED_NAME
            person.email = erased_email(person)
            person.registration_number = ""
            person.set_unusable_password()  # a new hash: every signed-in session ends
            person.is_active = person.is_staff = person.is_superuser = False
            person.last_login = None
        User.objects.bulk_update(people, ERASED_USER_FIELDS, batch_size=500)
        people_sessions_end(people)
        # Kept, pointing at the anonymised person: memberships (group figures), the
        # access log (it records what others did), erasures (this one included).

    def expire(self, *, now: datetime) -> dict[str, int]:
        """Emails are kept long enough to see and retry a failure, then go."""
        old = OutboundEmail.objects.filter(created_at__lt=now - timedelta(days=EMAIL_KEEP_DAYS))
        old = old.exclude(state=OutboundEmail.State.PENDING)
        # Their links to whom they name first, then the emails in one query: delete()
        # would fetch every email for the links and delete them 100 at a time.
        OutboundEmail.named.through.objects.filter(outboundemail__in=old).delete()
        return {"emails": old._raw_delete(old.db)}


part = AccountPart()
