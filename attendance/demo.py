"""The attendance part of the demo: a register for every past session but the first
group's latest, left for its leader to take, and one register corrected later with a reason.

Called by `manage.py seed_demo` after sessions.demo; idempotent (a register
that is already taken is left alone).
"""

import io
from datetime import time

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from PIL import Image, ImageDraw

from attendance import certificate_services, selectors, services
from attendance.models import Attendance, AttendanceChange, Certificate
from groups.demo import DemoGroups
from groups.models import Membership, User
from sessions.guests import services as guest_services
from sessions.models import GuestRequest, Session
from sessions.schedule import services as schedule_services

# A repeating pattern, so some trainees are late or absent now and then.
PATTERN = ["present"] * 9 + ["late", "present", "present", "absent", "present"]
# The demo trainee's latest register is corrected: present and late both count, so
# their progress stays as it was.
CORRECTIONS = {
    "present": ("late", "Arrived twenty minutes in: corrected from the sign-in sheet."),
    "late": ("present", "On time: marked late by mistake."),
}


def _leave_a_register_to_take(group) -> None:
    """The group's latest session that has started stays untaken (sessions.demo marks
    every past session held): the leader's "Take register" has something to show."""
    latest = (
        group.sessions.exclude(status=Session.Status.CANCELLED)
        .filter(starts_at__lte=timezone.now())
        .order_by("-starts_at")
        .first()
    )
    if latest is not None and not latest.attendance.exists():
        Session.objects.filter(pk=latest.pk).update(status=Session.Status.SCHEDULED)


def _taken_on_the_day(people: DemoGroups) -> None:
    """Registers taken when the session ended, not when the demo ran: the history then
    reads as a leader's would."""
    ends = Session.objects.filter(attendance=OuterRef("attendance")).values("ends_at")[:1]
    AttendanceChange.objects.filter(
        attendance__session__group__scheme=people.scheme, before=""
    ).update(changed_at=Subquery(ends))


def _seed_correction(people: DemoGroups) -> None:
    """The demo trainee's latest register in the first group, corrected by its leader
    with a reason, shown in the register's history."""
    first = people.groups[0]
    corrected = AttendanceChange.objects.filter(attendance__session__group=first).exclude(reason="")
    if corrected.exists():
        return
    record = (
        Attendance.objects.filter(
            session__group=first, person=people.trainee, status__in=CORRECTIONS.keys()
        )
        .select_related("session__group__scheme")
        .order_by("-session__starts_at")
        .first()
    )
    if record is None:
        return
    after, reason = CORRECTIONS[record.status]
    services.register_save(
        actor=people.leader,
        session=record.session,
        entries=[services.Entry(person_id=people.trainee.pk, was=record.status, status=after)],
        reason=reason,
    )


def seed(people: DemoGroups) -> None:
    _leave_a_register_to_take(people.groups[0])
    for group in people.groups:
        leader = (
            Membership.objects.filter(group=group, role=Membership.Role.LEADER)
            .select_related("person")
            .first()
            .person
        )
        held = group.sessions.filter(status=Session.Status.HELD).exclude(attendance__isnull=False)
        for number, session in enumerate(held.order_by("starts_at")):
            entries = []
            for index, line in enumerate(selectors.register_lines(session)):
                status = line.status or "present"  # apologies when on leave
                if status == "present" and not line.is_leading:
                    status = PATTERN[(number * 3 + index * 5) % len(PATTERN)]
                entries.append(services.Entry(person_id=line.person.pk, was="", status=status))
            services.register_save(actor=leader, session=session, entries=entries)
    _taken_on_the_day(people)
    _seed_correction(people)


def _leader_of(group) -> User:
    return (
        Membership.objects.filter(group=group, role=Membership.Role.LEADER)
        .select_related("person")
        .first()
        .person
    )


def seed_guests_and_combined(people: DemoGroups) -> None:
    """The demo trainee visited the second group's latest session as a guest (on its
    register, counted) and asks to visit its next one (waiting for its leader); the third
    group meets with the second on the second's session after next (combined)."""
    second, third = people.groups[1:3]
    visited = second.sessions.filter(status=Session.Status.HELD).order_by("-starts_at").first()
    if visited is not None and not GuestRequest.objects.filter(session=visited).exists():
        GuestRequest.objects.create(
            session=visited,
            person=people.trainee,
            status=GuestRequest.Status.ACCEPTED,
            decided_by=_leader_of(second),
        )
        services.register_save(
            actor=_leader_of(second),
            session=visited,
            entries=[services.Entry(person_id=people.trainee.pk, was="", status="present")],
        )
    upcoming = list(
        second.sessions.filter(
            status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
        ).order_by("starts_at")[:3]
    )
    if upcoming and not GuestRequest.objects.filter(session=upcoming[0]).exists():
        guest_services.guest_request_make(person=people.trainee, session=upcoming[0])
    if len(upcoming) == 3 and not upcoming[2].combined_sessions.exists():
        host = upcoming[2]
        meeting = third.sessions.filter(slot_date=host.slot_date).first()
        if meeting is None:
            meeting = schedule_services.session_add(
                actor=people.organiser, group=third, day=host.slot_date, start_time=time(13)
            )
        guest_services.session_combine(actor=_leader_of(third), session=meeting, host=host)


def demo_mark() -> bytes:
    """A small mark drawn here, so the demo needs no picture file: a navy disc, a gold bar."""
    picture = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((4, 4, 116, 116), fill=(31, 59, 87, 255))
    draw.ellipse((34, 34, 86, 86), fill=(255, 255, 255, 255))
    draw.rectangle((136, 44, 356, 76), fill=(138, 109, 59, 255))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def seed_certificates(people: DemoGroups) -> None:
    """The scheme has a mark and its leaders sign; one eligible trainee holds a
    certificate, another is eligible and waiting for one."""
    certificate_services.certificate_design_update(
        actor=people.organiser, scheme=people.scheme, leader_signs=True, mark=demo_mark()
    )
    holder = User.objects.get(email="aoife.byrne@example.com")
    if not Certificate.objects.filter(trainee=holder).exists():
        services.certificate_issue(actor=people.organiser, scheme=people.scheme, trainee=holder)
