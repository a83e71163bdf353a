"""The rotation changeover's tests (issue 19): the scheme, groups and people they share.

With the clock at NOW (Monday 2 March 2026): group A holds two GP trainees and a
psychiatry trainee, group B a psychiatry trainee; general practice rotates on Wednesday
1 April (DAY), so the GP trainees' places end on 31 March. The scheme asks for 3
sessions: the first GP trainee has counted 2, the second none.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from attendance.models import RotationDate
from groups.models import BalintGroup, Membership, Scheme, User
from tests import factories
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory

DAY = date(2026, 4, 1)
EVE = DAY - timedelta(days=1)
GP = Membership.Track.GENERAL_PRACTICE
PSYCHIATRY = Membership.Track.PSYCHIATRY
REQUIRED = 3


@dataclass
class World:
    scheme: Scheme
    a: BalintGroup
    b: BalintGroup
    gp1: User  # GP, counted 2 in A
    gp2: User  # GP, counted none
    psychiatry: User  # stays in A
    b_member: User
    returning: User  # in the scheme (a past place in B), no place now


def build(scheme: Scheme, a: BalintGroup | None = None) -> World:
    scheme.requirement.sessions_required = REQUIRED
    scheme.requirement.save()
    a = a or factories.GroupFactory(scheme=scheme)
    BalintGroup.objects.filter(pk=a.pk).update(min_members=2, max_members=4)
    a.refresh_from_db()
    b = factories.GroupFactory(scheme=scheme, min_members=2, max_members=3)
    gp1, gp2 = (factories.MembershipFactory(group=a, track=GP).person for _ in range(2))
    psychiatry = factories.MembershipFactory(group=a).person
    b_member = factories.MembershipFactory(group=b).person
    returning = factories.MembershipFactory(
        group=b, start_date=date(2025, 9, 1), end_date=date(2026, 1, 31)
    ).person
    for day in (date(2026, 2, 18), date(2026, 2, 25)):
        AttendanceFactory(session=HeldSessionFactory(group=a, slot_date=day), person=gp1)
    RotationDate.objects.create(scheme=scheme, track=GP, day=DAY)
    return World(scheme, a, b, gp1, gp2, psychiatry, b_member, returning)


def places(scheme: Scheme) -> list[tuple]:
    """Every membership of the scheme as it stands: what an all-or-nothing test compares."""
    return list(
        Membership.objects.filter(group__scheme=scheme)
        .order_by("pk")
        .values_list("pk", "person", "group", "start_date", "end_date")
    )


def csv_bytes(*rows: str, header: str = "name,email,group,track", crlf=False, bom=False):
    """A cohort file as a spreadsheet saves it: Excel writes a BOM and Windows line ends."""
    ending = "\r\n" if crlf else "\n"
    text = ending.join([header, *rows]) + ending
    return ("\ufeff" if bom else "").encode() + text.encode()
