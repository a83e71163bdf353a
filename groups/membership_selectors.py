"""Reads for adding several people to a group at once: the scheme's people to pick from,
each with the track of their latest membership, and the day new members start.

Each runs a fixed number of queries whatever the size of the scheme.
"""

from datetime import date

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from balint.keyset import KeysetPage, keyset_page
from groups.models import BalintGroup, Membership, Scheme, User
from groups.selectors import people_in_scheme, people_matching


def _latest_track(scheme: Scheme) -> Subquery:
    """The track of the outer person's latest membership as a trainee of the scheme (None
    when they never were one: a leader's track means nothing)."""
    latest = Membership.objects.filter(
        person=OuterRef("pk"), group__scheme=scheme, role=Membership.Role.MEMBER
    ).order_by("-start_date", "-pk")
    return Subquery(latest.values("track")[:1])


def people_with_latest_track(scheme: Scheme) -> QuerySet[User]:
    """The scheme's people (selectors.people_in_scheme), each with `latest_track`."""
    return people_in_scheme(scheme).annotate(latest_track=_latest_track(scheme))


def people_to_add_page(
    group: BalintGroup,
    *,
    words: str,
    size: int,
    after: str | None = None,
    before: str | None = None,
    leaving_out: list[int] = (),
) -> KeysetPage:
    """One page by name of the scheme's people matching `words`, but not those in
    `leaving_out` (chosen already), each with `latest_track` and `in_group`: a membership
    of the group that has not ended (now or to come), so they cannot join it again."""
    today = timezone.localdate()
    staying = Membership.objects.filter(group=group, person=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today)
    )
    people = (
        people_matching(people_with_latest_track(group.scheme), words)
        .exclude(pk__in=list(leaving_out))
        .annotate(in_group=Exists(staying))
    )
    return keyset_page(people, key="full_name", size=size, after=after, before=before)


def first_day_for_new_members(group: BalintGroup) -> date:
    """The day new members start unless the organiser says otherwise: the group's next
    session that is not cancelled, or today when none is planned.

    Sessions belong to the sessions app, which groups does not import: read through the
    reverse relation by name, as selectors.home_for reads attendance's requirement."""
    today = timezone.localdate()
    upcoming = (
        group.sessions.filter(slot_date__gte=today)
        .exclude(status="cancelled")
        .order_by("slot_date")
        .values_list("slot_date", flat=True)
        .first()
    )
    return upcoming or today
