"""The sessions part of the demo: a term around today, a filled rota, leave and a swap.

Called by `manage.py seed_demo` after groups.demo; idempotent.
"""

from datetime import timedelta

from django.db.models import Min
from django.utils import timezone

from groups.demo import DemoGroups
from groups.models import Membership
from sessions import rota, selectors, services
from sessions.models import Leave, Session, SwapRequest


def _fill_rota(group) -> None:
    """Plan presenters over the whole term, past sessions included, as if the rota had run."""
    sessions = list(group.sessions.exclude(status=Session.Status.CANCELLED).order_by("starts_at"))
    inputs = selectors.rota_inputs(group, sessions)
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
        services.term_generate(actor=people.organiser, group=group, start=start, end=end)
        group.sessions.filter(starts_at__lt=timezone.now(), status=Session.Status.SCHEDULED).update(
            status=Session.Status.HELD
        )

    # A cancelled session in the second group, before the rota is planned.
    second = people.groups[1]
    if not second.sessions.filter(status=Session.Status.CANCELLED).exists():
        upcoming = list(selectors.upcoming_sessions(second)[:6])
        if len(upcoming) == 6:
            services.session_cancel(
                actor=people.organiser, session=upcoming[5], reason="Leader at a conference"
            )

    trainee = people.trainee
    Leave.objects.get_or_create(
        person=trainee,
        start_date=today + timedelta(days=20),
        defaults={"end_date": today + timedelta(days=27), "kind": Leave.Kind.ANNUAL},
    )
    # Three more members of the first group away for its fifth upcoming session:
    # it falls below the minimum size and is flagged on the leader's page.
    first = people.groups[0]
    fifth = list(selectors.upcoming_sessions(first)[:5])[-1]
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

    # A pending swap request to the demo trainee, if both have upcoming dates.
    mine = selectors.next_presentation(trainee)
    theirs = (
        selectors.upcoming_sessions(first)
        .filter(presenter__isnull=False)
        .exclude(presenter=trainee)
        .select_related("presenter")
        .first()
    )
    if mine and theirs and not SwapRequest.objects.filter(recipient=trainee).exists():
        services.swap_request(
            requester=theirs.presenter, requester_session=theirs, recipient_session=mine
        )
