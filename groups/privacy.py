"""The account's share of personal data: profile, sign-in addresses, roles, invitations,
erasures and the access log, and the links Django and allauth keep to a person.

Erasure keeps the person's row, anonymised, so everything that counts them
(attendance, memberships) still adds up; what identified them is replaced.
"""

from datetime import datetime, timedelta
from importlib import import_module

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session as DjangoSession
from django.db.models import Q
from django.utils import timezone

from balint.models import OutboundEmail
from balint.privacy import PersonalDataPart, mentions, row, scrub_mentions
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


def erased_email(person: User) -> str:
    """Unique, and never deliverable (.invalid is reserved by RFC 2606)."""
    return f"erased-{person.pk}@invalid.example"


def _invitations_to(person: User):
    return Invitation.objects.filter(Q(accepted_by=person) | Q(email__iexact=person.email))


def _emails_to(person: User):
    """Mail to their account, and to their address before they had one (invitations)."""
    return OutboundEmail.objects.filter(Q(person=person) | Q(to__iexact=person.email))


def end_signed_in_sessions(person: User) -> int:
    """End the person's signed-in sessions. (Changing the password hash already ends
    them: Django checks it on every request; a second-factor reset changes no hash.)"""
    ended = []
    key = str(person.pk)
    alive = DjangoSession.objects.filter(expire_date__gt=timezone.now())
    for session in alive.iterator(chunk_size=SESSION_BATCH):
        if session.get_decoded().get("_auth_user_id") == key:
            ended.append(session.session_key)
    # The store's delete, not the rows': cached_db keeps a copy in the cache that
    # would go on serving the session.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for session_key in ended:
        store(session_key=session_key).delete()
    return len(ended)


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

    def erase(self, person: User, *, when: datetime) -> None:
        words = mentions(person)
        # The admin's history names records by their text, which often holds a name.
        user_type = ContentType.objects.get_for_model(User)
        LogEntry.objects.filter(content_type=user_type, object_id=str(person.pk)).update(
            object_repr=ERASED_NAME
        )
        scrub_mentions(LogEntry.objects.all(), "object_repr", words)
        scrub_mentions(LogEntry.objects.all(), "change_message", words)

        invitations = _invitations_to(person)
        invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=when
        )
        invitations.update(email=erased_email(person), full_name=ERASED_NAME)

        _emails_to(person).delete()
        EmailAddress.objects.filter(user=person).delete()  # confirmations go with them
        Authenticator.objects.filter(user=person).delete()
        SchemeOrganiser.objects.filter(person=person).delete()
        person.groups.clear()
        person.user_permissions.clear()

        person.full_name = ERASED_NAME
        person.email = erased_email(person)
        person.registration_number = ""
        person.set_unusable_password()  # a new hash: every signed-in session ends
        person.is_active = person.is_staff = person.is_superuser = False
        person.last_login = None
        person.save()
        end_signed_in_sessions(person)
        # Kept, pointing at the anonymised person: memberships (group figures), the
        # access log (it records what others did), erasures (this one included).

    def expire(self, *, now: datetime) -> dict[str, int]:
        """Emails are kept long enough to see and retry a failure, then go."""
        old = OutboundEmail.objects.filter(created_at__lt=now - timedelta(days=EMAIL_KEEP_DAYS))
        removed, _ = old.exclude(state=OutboundEmail.State.PENDING).delete()
        return {"emails": removed}


part = AccountPart()
