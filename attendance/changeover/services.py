"""Writes of a changeover: the scheme's rotation dates, and applying a changeover.

changeover_apply is all or nothing, in one transaction: the plan is read again inside
it (selectors.changeover_preview), so what is applied is what the preview shows.
"""

import calendar
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from attendance.changeover import notices
from attendance.changeover.plan import Joiner, Plan
from attendance.changeover.selectors import changeover_preview
from attendance.models import RotationDate
from groups import services as group_services
from groups.models import BalintGroup, Membership, Scheme, User
from groups.permissions import require_organiser
from groups.validation import InvitationData
from sessions import services as session_services
from sessions.schedule.selectors import upcoming_sessions

# Rotation dates added at once: three years of four-monthly rotations.
MOST_DATES = 12


def months_later(day: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def rotation_dates_add(
    *,
    actor: User,
    scheme: Scheme,
    track: str,
    first: date,
    every_months: int | None = None,
    count: int = 1,
) -> list[RotationDate]:
    """The track rotates on `first` and, with `every_months`, `count` times in all at that
    interval (GP trainees every four months). Dates the scheme has already are left."""
    require_organiser(actor, scheme)
    if track not in Membership.Track.values:
        raise ValidationError({"track": "Choose a track."})
    if not 1 <= count <= MOST_DATES:
        raise ValidationError({"count": f"Add between 1 and {MOST_DATES} dates at once."})
    if count > 1 and not every_months:
        raise ValidationError({"every_months": "Say how many months apart the dates are."})
    days = [months_later(first, (every_months or 0) * n) for n in range(count)]
    with transaction.atomic():
        existing = set(
            RotationDate.objects.filter(scheme=scheme, track=track, day__in=days).values_list(
                "day", flat=True
            )
        )
        return RotationDate.objects.bulk_create(
            RotationDate(scheme=scheme, track=track, day=day) for day in days if day not in existing
        )


def rotation_date_delete(*, actor: User, rotation_date: RotationDate) -> None:
    require_organiser(actor, rotation_date.scheme)
    with transaction.atomic():
        rotation_date.delete()


def changeover_apply(
    *,
    actor: User,
    scheme: Scheme,
    day: date,
    joiners: list[Joiner],
    kept=(),
    digest: str | None = None,
) -> Plan:
    """Carry out the changeover on `day`: the leavers' places end the day before, the
    joiners of the scheme join from the day and the new people are invited, the rota of
    every group that changes is planned again, and the people who move are told once
    (those whose places were arranged before too). Returns the plan carried out.

    All or nothing: anything wrong (or, with `digest`, a plan other than the one the
    organiser saw) is a ValidationError and nothing is changed."""
    require_organiser(actor, scheme)
    with transaction.atomic():
        # Two organisers applying the same changeover take turns: the second reads the
        # first one's result, and its digest no longer matches.
        Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
        plan = changeover_preview(scheme, day, joiners, kept=kept)
        if plan.problems:
            raise ValidationError(plan.problems)
        if digest is not None and digest != plan.digest:
            raise ValidationError(
                "The changeover reads differently now than in the preview (someone may have "
                "changed a group meanwhile). Check the new preview and apply it again."
            )
        if not plan.changes:
            raise ValidationError("Nothing to apply: nobody leaves or joins on that day.")
        eve = day - timedelta(days=1)
        for row in plan.to_end:
            group_services.membership_end(actor=actor, membership=row.membership, end_date=eve)
        for row in plan.to_add:
            group_services.membership_add(
                actor=actor,
                group=row.group,
                person=row.person,
                track=row.track,
                start_date=day,
                end_date=row.end_date,
            )
        if plan.to_invite:
            group_services.invitations_create(
                actor=actor,
                scheme=scheme,
                items=[
                    InvitationData(
                        email=row.email,
                        full_name=row.name,
                        role=Membership.Role.MEMBER,
                        group=row.group,
                        track=row.track,
                        start_date=day,
                        end_date=row.end_date,
                    )
                    for row in plan.to_invite
                ],
            )
        _replan(actor, plan)
        plan.told = notices.changeover_told(plan)
    return plan


def _replan(actor: User, plan: Plan) -> None:
    """The rota of each group that changes, where its leaders keep one (a presenter on
    some date to come): the leavers' dates from the changeover are given up, then every
    open date gets a fair presenter, the joiners among them (sessions.rota). Dates before
    the changeover stay as they were arranged."""
    leaving: dict[int, set[int]] = {}
    for row in plan.leaving:
        leaving.setdefault(row.membership.group_id, set()).add(row.membership.person_id)
    changed = set(leaving) | {row.group.pk for row in plan.to_tell}
    for group in BalintGroup.objects.filter(pk__in=changed).order_by("pk"):
        upcoming = upcoming_sessions(group)
        if not upcoming.filter(presenter__isnull=False).exists():
            continue
        given_up = upcoming.filter(slot_date__gte=plan.day, presenter__in=leaving.get(group.pk, ()))
        for session in given_up.select_related("group__scheme"):
            session_services.presenter_set(actor=actor, session=session, presenter=None)
        session_services.rota_assign(actor=actor, group=group)
