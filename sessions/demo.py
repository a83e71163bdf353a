"""The sessions part of the demo: a term around today, a filled rota, leave, a swap,
on-call rosters with clashes, and reminders already sent.

Called by `manage.py seed_demo` after groups.demo; idempotent.
"""

import contextlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from balint.models import OutboundEmail
from balint.outbox import email_queue
from groups.demo import DemoGroups
from groups.models import Membership
from sessions.clashes import selectors as clash_selectors
from sessions.leave import selectors as leave_selectors
from sessions.models import (
    Leave,
    PresentingOffer,
    ReminderKind,
    RosterSource,
    RosterUpload,
    SchemeSettings,
    Session,
    SwapRequest,
)
from sessions.reminders import due as reminders
from sessions.reminders import services as reminder_services
from sessions.rosters import selectors as roster_selectors
from sessions.rosters import services as roster_services
from sessions.rota import planning as rota
from sessions.rota import selectors as rota_selectors
from sessions.rota import services as rota_services
from sessions.schedule import below_minimum
from sessions.schedule import selectors as schedule_selectors
from sessions.schedule import services as schedule_services

TRAINEE_ROSTER = "Hospital on-call rota"
SCHEME_ROSTER = "scheme-rota.csv"


def _fill_rota(group) -> None:
    """Plan presenters over the whole term, past sessions included, as if the rota had run."""
    sessions = list(group.sessions.exclude(status=Session.Status.CANCELLED).order_by("starts_at"))
    inputs = rota_selectors.rota_inputs(group, sessions)
    plan = rota.plan_rota(
        slots=inputs.slots,
        members=inputs.members,
        counts=inputs.counts,
        last_presented=inputs.last_presented,
    )
    for session in sessions:
        if session.pk in plan:
            session.presenter_id = plan[session.pk]
    Session.objects.bulk_update(sessions, ["presenter"])


def seed(people: DemoGroups) -> None:
    today = timezone.localdate()
    end = today + timedelta(weeks=12)
    for group in people.groups:
        start = group.memberships.aggregate(first=Min("start_date"))["first"]
        schedule_services.term_generate(actor=people.organiser, group=group, start=start, end=end)
        group.sessions.filter(starts_at__lt=timezone.now(), status=Session.Status.SCHEDULED).update(
            status=Session.Status.HELD
        )

    # A cancelled session in the second group, before the rota is planned.
    second = people.groups[1]
    if not second.sessions.filter(status=Session.Status.CANCELLED).exists():
        upcoming = list(schedule_selectors.upcoming_sessions(second)[:6])
        if len(upcoming) == 6:
            schedule_services.session_cancel(
                actor=people.organiser, session=upcoming[5], reason="Leader at a conference"
            )

    trainee = people.trainee
    Leave.objects.get_or_create(
        person=trainee,
        start_date=today + timedelta(days=20),
        defaults={"end_date": today + timedelta(days=27), "kind": Leave.Kind.ANNUAL},
    )
    # Three more members of the first group away for its fifth upcoming session:
    # it falls below the minimum size and is flagged on the leader's page (and warned of
    # by email: _seed_below_minimum_warnings).
    first = people.groups[0]
    fifth = list(schedule_selectors.upcoming_sessions(first)[:5])[-1]
    others = (
        Membership.objects.current(today)
        .filter(group=first, role=Membership.Role.MEMBER)
        .exclude(person=trainee)
        .order_by("pk")[:3]
    )
    for membership in others:
        Leave.objects.get_or_create(
            person_id=membership.person_id,
            start_date=fifth.slot_date - timedelta(days=2),
            defaults={"end_date": fifth.slot_date + timedelta(days=2), "kind": Leave.Kind.STUDY},
        )
    for group in people.groups:
        _fill_rota(group)

    # The demo trainee presents soon, away from their leave (the fair rota may not
    # reach them this term: they have presented often), so "My rota" shows their
    # date and the countdown.
    if rota_selectors.next_presentation(trainee) is None:
        later = list(schedule_selectors.upcoming_sessions(first)[2:8])
        away = leave_selectors.unavailable_by_day({trainee.pk}, [s.slot_date for s in later])
        free = [s for s in later if trainee.pk not in away.get(s.slot_date, ())]
        if free:
            rota_services.presenter_set(actor=people.leader, session=free[0], presenter=trainee)

    # A pending swap request to the demo trainee, if both have upcoming dates.
    mine = rota_selectors.next_presentation(trainee)
    theirs = (
        schedule_selectors.upcoming_sessions(first)
        .filter(presenter__isnull=False)
        .exclude(presenter=trainee)
        .select_related("presenter")
        .first()
    )
    if mine and theirs and not SwapRequest.objects.filter(recipient=trainee).exists():
        rota_services.swap_request(
            requester=theirs.presenter, requester_session=theirs, recipient_session=mine
        )
    # And one of their own, waiting on My rota for its answer: accepting the request to
    # them withdraws it, which the confirmation says first.
    if mine and not SwapRequest.objects.filter(requester=trainee).exists():
        choices = rota_selectors.swap_choices(mine.group, trainee)
        asked = choices.exclude(pk__in=[theirs.pk] if theirs else []).first()
        if asked:
            with contextlib.suppress(ValidationError):  # they may leave the group before
                rota_services.swap_request(
                    requester=trainee, requester_session=mine, recipient_session=asked
                )

    _seed_rosters(people)
    _seed_reminders(people)
    _seed_offers(people)
    _seed_below_minimum_warnings(people)


# Five weeks: the first group's fifth upcoming session, below its minimum, is within it.
DEMO_NOTICE_DAYS = 35


def _seed_below_minimum_warnings(people: DemoGroups) -> None:
    """The daily warning run once now (beat runs it every morning after): the leaders and
    the organiser are told of each session expected below its group's minimum within the
    scheme's notice, once, so the next seeding queues nothing new."""
    rules = SchemeSettings.for_scheme(people.scheme)
    reminder_services.scheme_notice_settings_update(
        actor=people.organiser,
        scheme=people.scheme,
        below_minimum_notice_days=DEMO_NOTICE_DAYS,
        guests_need_approval=rules.guests_need_approval,
    )
    below_minimum.below_minimum_warnings_queue()


def _seed_offers(people: DemoGroups) -> None:
    """The demo trainee volunteers for the first group's last date (given back for it),
    and a fellow member has a case for its next session: both on My rota and on the
    leader's rota page."""
    first, trainee = people.groups[0], people.trainee
    if PresentingOffer.objects.filter(session__group=first).exists():
        return
    upcoming = list(schedule_selectors.upcoming_sessions(first))
    for session in reversed(upcoming[1:]):
        free = not rota_selectors.away_kind(trainee, session)
        if (
            free
            and session.presenter_id != trainee.pk
            and rota_selectors.is_member_on(
                trainee, first, session.slot_date, role=Membership.Role.MEMBER
            )
            and not rota_selectors.open_swaps_about([session.pk]).exists()
        ):
            rota_services.presenter_set(actor=people.leader, session=session, presenter=None)
            rota_services.presenting_offer_make(
                person=trainee, session=session, kind=PresentingOffer.Kind.VOLUNTEER
            )
            break
    if not upcoming:
        return
    fellows = (
        Membership.objects.current(upcoming[0].slot_date)
        .filter(group=first, role=Membership.Role.MEMBER)
        .exclude(person__in=[trainee.pk, upcoming[0].presenter_id])
        .select_related("person")
        .order_by("pk")
    )
    for membership in fellows:
        if not rota_selectors.away_kind(membership.person, upcoming[0]):
            rota_services.presenting_offer_make(
                person=membership.person,
                session=upcoming[0],
                kind=PresentingOffer.Kind.HAVE_A_CASE,
            )
            break


def _local(day, hour: int, zone: ZoneInfo) -> str:
    return datetime.combine(day, time(hour), zone).strftime("%Y-%m-%d %H:%M")


def _seed_rosters(people: DemoGroups) -> None:
    """The demo trainee is on call during one of their upcoming sessions (their next
    presenting date if they have one), and the organiser's scheme-wide rota puts two
    colleagues on call for another: the leader sees both on the group's page."""
    first = people.groups[0]
    zone = ZoneInfo(first.scheme.time_zone)
    trainee = people.trainee
    upcoming = list(schedule_selectors.upcoming_sessions(first)[:4])
    if len(upcoming) < 4:
        return
    target = rota_selectors.next_presentation(trainee) or upcoming[1]
    day = target.starts_at.astimezone(zone).date()
    lines = [
        "start,end,shift_type",
        f"{_local(day, 8, zone)},{_local(day, 20, zone)},Day on call",
        f"{_local(day + timedelta(days=3), 20, zone)},"
        f"{_local(day + timedelta(days=4), 9, zone)},Night on call",
        f"{day + timedelta(days=10)},{day + timedelta(days=11)},Weekend on call",
    ]
    existing = RosterSource.objects.filter(person=trainee, name=TRAINEE_ROSTER).first()
    roster_services.roster_upload(
        actor=trainee,
        raw="\n".join(lines).encode(),
        filename="hospital-rota.csv",
        name=TRAINEE_ROSTER,
        replace=existing,
    )

    other = upcoming[2] if upcoming[2] != target else upcoming[3]
    other_day = other.starts_at.astimezone(zone).date()
    colleagues = (
        Membership.objects.current(other.slot_date)
        .filter(group=first, role=Membership.Role.MEMBER)
        .exclude(person=trainee)
        .select_related("person")
        .order_by("-pk")[:2]
    )
    rows = ["email,registration_number,start,end,shift_type"]
    for m in colleagues:
        rows.append(
            f"{m.person.email},,{_local(other_day - timedelta(days=1), 20, zone)},"
            f"{_local(other_day, 9, zone)},Night on call"
        )
    replaces = RosterSource.objects.filter(scheme=first.scheme, name=SCHEME_ROSTER).first()
    upload = roster_services.roster_upload_preview(
        actor=people.organiser,
        scheme=first.scheme,
        raw="\n".join(rows).encode(),
        filename=SCHEME_ROSTER,
        replace=replaces,
    )
    digest = roster_selectors.rows_digest(roster_selectors.organiser_rows(upload))
    roster_services.roster_upload_apply(actor=people.organiser, upload=upload, digest=digest)
    RosterUpload.objects.filter(scheme=first.scheme, applied_at__isnull=False).delete()


def _seed_reminders(people: DemoGroups) -> None:
    """Reminders as the worker would have sent them, before recent sessions and for the
    clash; and one that bounced, so the organiser's undelivered mail page has a row."""
    trainee = people.trainee
    first = people.groups[0]
    recent = first.sessions.filter(status=Session.Status.HELD).order_by("-starts_at")[:3]
    sent = [(s, trainee, ReminderKind.DAY_BEFORE, s.starts_at - timedelta(days=1)) for s in recent]
    for clash in clash_selectors.upcoming_clashes(trainee):
        sent.append((clash.session, trainee, ReminderKind.CLASH, clash.detected_at))
    bounced = (
        Membership.objects.filter(group=first, role=Membership.Role.MEMBER)
        .exclude(person=trainee)
        .order_by("person__email")
        .first()
    )
    if recent and bounced:
        sent.append((recent[0], bounced.person, ReminderKind.DAY_BEFORE, None))
    for session, person, kind, when in sent:
        with transaction.atomic():
            due = [reminders.Due(session.pk, person.pk, kind)]
            clash = reminders.open_clashes(due).get((session.pk, person.pk))
            template, context = reminders.message_for(
                session, person, kind, when or timezone.now(), clash
            )
            email = email_queue(
                kind=reminders.email_kind(kind),
                object_key=reminders.object_key(session.pk),
                to=person.email,
                person=person,
                scheme=first.scheme,
                template=template,
                context=context,
                named=reminders.named_in(session, kind),
            )
            if email is None:
                continue  # seeded before
            done = OutboundEmail.objects.filter(pk=email.pk)
            if when:
                done.update(state="sent", attempts=1, created_at=when, sent_at=when)
            else:
                done.update(
                    state="failed",
                    attempts=1,
                    failed_at=session.starts_at - timedelta(days=1),
                    last_error="550 5.1.1 Mailbox unavailable (the demo's closed mailbox)",
                )
