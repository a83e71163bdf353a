"""`/` runs a fixed number of queries for each role, and for someone holding all three,
whatever the size of their groups, history and scheme."""

from datetime import date

import pytest

from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import REQUIRED, eligible_crowd
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import LeaveFactory, SessionFactory, SwapRequestFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")

# Every page: the session, the user, and the roles (groups.selectors.roles_of: one query
# for the navigation and the page). Then the latest undelivered mail to the person.
BASE = 4
# The next session (the memberships it covers, then the session), the next presenting
# date, the swaps; their figures in each scheme, then in each (one here) the sessions to
# come; their current certificates; their completed assessments not yet read.
TRAINEE = 8
# The groups, their next sessions, those combined into them, the members of those, their
# leave and on-call clashes, their accepted guests, the registers not taken, the swaps waiting;
# the assessments asked of them.
LEADER = 10
# The schemes with their counts, the groups outside their size range (which, then the
# first ten), the registers not taken, the certificates due; per scheme (one here) the
# trainees by status.
ORGANISER = 6
SIZES = [2, 5]


def as_trainee(person, scheme, size: int) -> None:
    """`size` sessions attended and as many to come: presenting at the first (on call),
    asked to swap the second, on leave for the third."""
    group = factories.GroupFactory(scheme=scheme)
    factories.MembershipFactory(group=group, person=person)
    attend(person, held_sessions(group, past_wednesdays(size)), ["present"] * size)
    upcoming = [SessionFactory(group=group, slot_date=day) for day in wednesdays(size + 1)]
    colleague = factories.MembershipFactory(group=group).person
    upcoming[0].presenter, upcoming[1].presenter = person, colleague
    for session in upcoming[:2]:
        session.save()
    ClashFactory(session=upcoming[0], person=person)
    LeaveFactory(person=person, start_date=upcoming[2].slot_date)
    SwapRequestFactory(requester_session=upcoming[1], recipient_session=upcoming[0])


def as_leader(person, scheme, size: int) -> None:
    """`size` groups of `size` members, each with two sessions to come, one on leave,
    a swap waiting and an untaken register."""
    for group in factories.GroupFactory.create_batch(size, scheme=scheme):
        factories.LeaderFactory(group=group, person=person)
        members = [m.person for m in factories.MembershipFactory.create_batch(size, group=group)]
        first, second = (
            SessionFactory(group=group, slot_date=day, presenter=who)
            for day, who in zip(wednesdays(2), members, strict=False)
        )
        LeaveFactory(person=members[0], start_date=first.slot_date)
        SwapRequestFactory(requester_session=first, recipient_session=second)
        SessionFactory(group=group, slot_date=date(2026, 2, 18))  # its register not taken
        factories.InvitationFactory(scheme=scheme, group=group)


def as_organiser(person, scheme, size: int) -> None:
    """Organises the scheme, with `size` trainees due a certificate in a small group."""
    factories.OrganiserFactory(scheme=scheme, person=person)
    eligible_crowd(factories.GroupFactory(scheme=scheme), size, prefix=f"due{size}")
    factories.OutboundEmailFactory(scheme=scheme, state="failed")


ROLES = {
    "trainee": ([as_trainee], BASE + TRAINEE),
    "leader": ([as_leader], BASE + LEADER),
    "organiser": ([as_organiser], BASE + ORGANISER),
    "all three": ([as_trainee, as_leader, as_organiser], BASE + TRAINEE + LEADER + ORGANISER),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ROLES)
def test_home_runs_a_fixed_number_of_queries(client, db, django_assert_max_num_queries, role, size):
    scheme = factories.SchemeFactory(sessions_required=REQUIRED + 10)
    person = factories.UserFactory()
    builders, queries = ROLES[role]
    for build in builders:
        build(person, scheme, size)
    client.force_login(person)

    with django_assert_max_num_queries(queries):
        response = client.get("/")

    home = response.context["home"]
    if as_trainee in builders:
        (progress,) = home.trainee.progress
        assert progress.count == size
        assert len(home.trainee.swaps_to_me) == 1
    if as_leader in builders:
        assert len(home.groups) == size
        assert all(len(card.next.members) == size and card.untaken for card in home.groups)
    if as_organiser in builders:
        (summary,) = home.schemes
        assert summary.scheme.pending_invitations == (size if as_leader in builders else 0)
        assert {s: n for s, _, n in summary.statuses}["on_track"] >= size
