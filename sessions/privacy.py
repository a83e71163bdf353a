"""The sessions app's share of personal data: the rota, leave, swaps, the calendar feed,
on-call rosters and their clashes, and reminders. Also the roster retention rule.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from balint.privacy import PersonalDataPart, mentions_of, row, scrub_mentions
from groups.models import (
    DEFAULT_ROSTER_RETENTION_DAYS,
    Membership,
    Scheme,
    SchemeOrganiser,
    User,
)
from sessions.models import (
    CalendarToken,
    Clash,
    GuestRequest,
    Leave,
    OnCallShift,
    PresentingOffer,
    ReminderPreference,
    RosterSource,
    RosterUpload,
    Session,
    SwapRequest,
)


def _session_fields(session: Session) -> dict:
    return {
        "session_id": session.pk,
        "scheme": session.group.scheme.name,
        "group": session.group.name,
        "date": session.slot_date,
    }


def _deleted(queryset) -> int:
    """Delete and count the queryset's own rows (not what goes with them)."""
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


def _shifts_deleted(shifts) -> int:
    """Delete shifts whose clashes went first, in one query. QuerySet.delete() would
    follow Clash.shift's SET_NULL: fetch every shift, then delete 100 at a time."""
    return shifts._raw_delete(shifts.db)


def _roster_retention_days():
    """Per person: the longest roster retention of any scheme they belong to or organise
    (0 when they belong to none). A shift is kept as long as any of their schemes wants it."""
    as_member = (
        Membership.objects.filter(person=OuterRef("pk"))
        .values("person")
        .annotate(days=Max("group__scheme__roster_retention_days"))
        .values("days")
    )
    as_organiser = (
        SchemeOrganiser.objects.filter(person=OuterRef("pk"))
        .values("person")
        .annotate(days=Max("scheme__roster_retention_days"))
        .values("days")
    )
    return User.objects.annotate(
        roster_days=Greatest(
            Coalesce(Subquery(as_member), Value(0)), Coalesce(Subquery(as_organiser), Value(0))
        )
    )


class SessionsPart(PersonalDataPart):
    name = "sessions"
    covers = frozenset(
        {
            (Session, "presenter"),
            (PresentingOffer, "person"),
            (GuestRequest, "person"),
            (GuestRequest, "decided_by"),
            (Leave, "person"),
            (SwapRequest, "requester"),
            (SwapRequest, "recipient"),
            (CalendarToken, "person"),
            (RosterSource, "person"),
            (RosterSource, "created_by"),
            (OnCallShift, "person"),
            (Clash, "person"),
            (ReminderPreference, "person"),
            (RosterUpload, "uploaded_by"),
        }
    )
    held = (
        "The sessions you present (the presenter rota), the dates you offered to present at, "
        "the other groups' sessions you asked to attend as a guest, "
        "and the swaps you asked for or were asked for.",
        "Leave and unavailability you record.",
        "On-call rosters you or your organiser upload or subscribe to, their shifts, and "
        "the clashes found between shifts and sessions.",
        "Your reminder choices; a secret address for your calendar feed.",
    )

    def export(self, person: User) -> dict[str, list[dict]]:
        swaps = SwapRequest.objects.filter(
            Q(requester=person) | Q(recipient=person)
        ).select_related("requester_session__group__scheme", "recipient_session")
        token = CalendarToken.objects.filter(person=person).first()
        preference = ReminderPreference.objects.filter(person=person).first()
        return {
            "rota": [
                row(
                    **_session_fields(s),
                    starts_at=s.starts_at,
                    ends_at=s.ends_at,
                    status=s.get_status_display(),
                )
                for s in Session.objects.filter(presenter=person)
                .select_related("group__scheme")
                .order_by("starts_at")
            ],
            "presenting_offers": [
                row(
                    **_session_fields(o.session), kind=o.get_kind_display(), offered_at=o.created_at
                )
                for o in PresentingOffer.objects.filter(person=person).select_related(
                    "session__group__scheme"
                )
            ],
            "guest_requests": [
                row(
                    **_session_fields(g.session),
                    status=g.get_status_display(),
                    asked_at=g.created_at,
                )
                for g in GuestRequest.objects.filter(person=person).select_related(
                    "session__group__scheme"
                )
            ],
            "leave": [
                row(
                    kind=leave.get_kind_display(),
                    start_date=leave.start_date,
                    end_date=leave.end_date,
                    recorded_at=leave.created_at,
                )
                for leave in Leave.objects.filter(person=person)
            ],
            # The other side of a swap appears by their session only, never by name.
            "swap_requests": [
                row(
                    asked_by_you=swap.requester_id == person.pk,
                    group=swap.requester_session.group.name,
                    your_date=(
                        swap.requester_session
                        if swap.requester_id == person.pk
                        else swap.recipient_session
                    ).slot_date,
                    other_date=(
                        swap.recipient_session
                        if swap.requester_id == person.pk
                        else swap.requester_session
                    ).slot_date,
                    status=swap.get_status_display(),
                    asked_at=swap.created_at,
                    decided_at=swap.decided_at,
                )
                for swap in swaps.order_by("created_at")
            ],
            # The feed address is a password: its existence is reported, not its secret.
            "calendar_feed": [row(address_made_at=token.created_at)] if token else [],
            "roster_sources": [
                row(
                    source_id=s.pk,
                    kind=s.get_kind_display(),
                    name=s.name,
                    feed=s.feed_display,
                    added_at=s.created_at,
                    imported_at=s.imported_at,
                    last_refreshed_at=s.last_refreshed_at,
                    last_error=s.last_error,
                )
                for s in RosterSource.objects.filter(person=person)
            ],
            "on_call_shifts": [
                row(
                    source_id=shift.source_id,
                    starts_at=shift.starts_at,
                    ends_at=shift.ends_at,
                    all_day=shift.all_day,
                    shift_type=shift.shift_type,
                )
                for shift in OnCallShift.objects.filter(person=person)
            ],
            "clashes": [
                row(
                    **_session_fields(c.session),
                    shift_starts_at=c.shift_starts_at,
                    shift_ends_at=c.shift_ends_at,
                    detected_at=c.detected_at,
                    resolved_at=c.resolved_at,
                )
                for c in Clash.objects.filter(person=person).select_related(
                    "session__group__scheme"
                )
            ],
            "reminder_choices": (
                [
                    row(
                        before_presenting=preference.presenter,
                        before_every_session=preference.day_before,
                        register_not_taken=preference.register,
                        on_call_clashes=preference.clash,
                        updated_at=preference.updated_at,
                    )
                ]
                if preference
                else []
            ),
            # Actions taken: the files, not the other people's shifts inside them.
            "scheme_rosters_you_uploaded": [
                row(
                    scheme=u.scheme.name,
                    filename=u.filename,
                    uploaded_at=u.created_at,
                    applied_at=u.applied_at,
                )
                for u in RosterUpload.objects.filter(uploaded_by=person)
                .select_related("scheme")
                .defer("content")
            ],
            "scheme_rosters_you_created": [
                row(source_id=s.pk, scheme=s.scheme.name, name=s.name, added_at=s.created_at)
                for s in RosterSource.objects.filter(
                    created_by=person, person__isnull=True
                ).select_related("scheme")
            ],
        }

    def erase_many(self, people: Sequence[User], *, when: datetime) -> None:
        words = mentions_of(people)
        ids = [person.pk for person in people]
        Clash.objects.filter(person__in=ids).delete()
        OnCallShift.objects.filter(person__in=ids).delete()  # from scheme-wide rosters too
        RosterSource.objects.filter(person__in=ids).delete()
        ReminderPreference.objects.filter(person__in=ids).delete()
        CalendarToken.objects.filter(person__in=ids).delete()
        Leave.objects.filter(person__in=ids).delete()
        PresentingOffer.objects.filter(person__in=ids).delete()
        GuestRequest.objects.filter(person__in=ids).delete()  # decided_by: set null

        # Organisers' files kept for a preview hold rows about many people.
        RosterUpload.objects.filter(uploaded_by__in=ids).delete()
        needles = [w.lower().encode() for w in words]
        naming = []
        for upload in RosterUpload.objects.only("pk", "content").iterator(chunk_size=50):
            content = bytes(upload.content).lower()
            if any(needle in content for needle in needles):
                naming.append(upload.pk)
        if naming:
            RosterUpload.objects.filter(pk__in=naming).delete()

        upcoming = Session.objects.filter(
            presenter__in=ids, status=Session.Status.SCHEDULED, starts_at__gt=when
        )
        involved = Q(requester__in=ids) | Q(recipient__in=ids)
        involved |= Q(requester_session__in=upcoming) | Q(recipient_session__in=upcoming)
        SwapRequest.objects.filter(involved, status=SwapRequest.Status.PENDING).update(
            status=SwapRequest.Status.WITHDRAWN, decided_at=when
        )
        upcoming.update(presenter=None)

        for field in ("cancel_reason", "location_override"):
            scrub_mentions(Session.objects.all(), field, words)
        for field in ("name", "last_error"):
            scrub_mentions(RosterSource.objects.all(), field, words)
        scrub_mentions(RosterUpload.objects.defer("content"), "filename", words)
        # Kept: the sessions they presented (the rota's history), swaps already decided.

    def expire(self, *, now: datetime) -> dict[str, int]:
        """Shifts that ended more than the scheme's roster_retention_days ago, and their clashes.

        A scheme-wide roster's shifts follow its scheme; a person's own roster follows
        the longest setting among their schemes (the default when they have none).
        Clashes whose shift was already replaced follow the session's scheme.
        """
        schemes = list(Scheme.objects.only("pk", "roster_retention_days"))
        expired = []
        for scheme in schemes:
            cutoff = now - timedelta(days=scheme.roster_retention_days)
            expired.append(Q(source__scheme=scheme, ends_at__lt=cutoff))
        people = _roster_retention_days()
        for days in {s.roster_retention_days for s in schemes} | {0}:
            cutoff = now - timedelta(days=days or DEFAULT_ROSTER_RETENTION_DAYS)
            expired.append(
                Q(
                    source__person__isnull=False,
                    person__in=people.filter(roster_days=days).values("pk"),
                    ends_at__lt=cutoff,
                )
            )
        orphaned = [
            Q(
                shift__isnull=True,
                session__group__scheme=scheme,
                shift_ends_at__lt=now - timedelta(days=scheme.roster_retention_days),
            )
            for scheme in schemes
        ]
        clashes = shifts = 0
        with transaction.atomic():
            for condition in expired:
                doomed = OnCallShift.objects.filter(condition)
                clashes += _deleted(Clash.objects.filter(shift__in=doomed.values("pk")))
                shifts += _shifts_deleted(doomed)
            for condition in orphaned:
                clashes += _deleted(Clash.objects.filter(condition))
        return {"on-call shifts": shifts, "clashes": clashes}


part = SessionsPart()
