"""`/groups/<pk>/members/add-several/`: an organiser adds several of the scheme's people to
a group at once, found by name or email or pasted as addresses, all or none.

The page posts back to itself while people are found and ticked; `action=add` saves.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import services
from groups.models import Membership
from groups.views import PICK_PAGE_SIZE
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.sessions import TODAY, SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")

GP, PSYCHIATRY = Membership.Track.GENERAL_PRACTICE, Membership.Track.PSYCHIATRY


def url(group):
    return f"/groups/{group.pk}/members/add-several/"


@pytest.fixture
def elsewhere(scheme):
    """Two trainees of another group of the scheme: one in general practice, one whose
    latest membership is in psychiatry after an earlier one in general practice."""
    other = factories.GroupFactory(scheme=scheme)
    gp = factories.MembershipFactory(group=other, track=GP).person
    changed = factories.MembershipFactory(
        group=other, track=GP, start_date=date(2025, 1, 1), end_date=date(2025, 6, 30)
    ).person
    factories.MembershipFactory(
        group=other, person=changed, track=PSYCHIATRY, start_date=date(2025, 7, 1)
    )
    return gp, changed


def add(client, group, people, *, tracks=None, **fields):
    data = {
        "action": "add",
        "person": [p.pk for p in people],
        "start_date": "2026-03-11",
        "end_date": "",
        **{f"track_{p.pk}": track for p, track in (tracks or {}).items()},
        **fields,
    }
    return client.post(url(group), data)


def test_anonymous_is_sent_to_sign_in(client, group):
    assert_sign_in_first(client, url(group))


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=403, organiser=200))
def test_access_by_role(group, status, signed_in):
    assert signed_in.get(url(group)).status_code == status


@pytest.mark.parametrize(("role", "status"), access(trainee=403, leader=403, organiser=302))
def test_only_organisers_add(group, elsewhere, status, signed_in):
    response = add(signed_in, group, elsewhere)

    assert response.status_code == status
    assert group.memberships.filter(person__in=elsewhere).exists() is (status == 302)


def test_the_organiser_adds_several_with_their_latest_tracks(client, group, organiser, elsewhere):
    gp, changed = elsewhere
    client.force_login(organiser)

    response = add(client, group, [gp, changed], end_date="2026-07-31")

    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.pk}/"
    added = {m.person: m for m in group.memberships.filter(person__in=elsewhere)}
    assert {p: m.track for p, m in added.items()} == {gp: GP, changed: PSYCHIATRY}
    assert {(m.role, m.start_date, m.end_date) for m in added.values()} == {
        (Membership.Role.MEMBER, date(2026, 3, 11), date(2026, 7, 31))
    }
    page = client.get(response["Location"]).content.decode()
    assert f"Added to {group}:" in page
    assert gp.full_name in page


def test_a_track_chosen_on_the_page_wins(client, group, organiser, elsewhere):
    gp, changed = elsewhere
    client.force_login(organiser)

    add(client, group, [gp, changed], tracks={gp: Membership.Track.OTHER})

    assert group.memberships.get(person=gp).track == Membership.Track.OTHER
    assert group.memberships.get(person=changed).track == PSYCHIATRY


def test_someone_without_a_known_track_is_asked_for_it(
    client, group, organiser, elsewhere, other_group_leader
):
    """A leader's track means nothing: no silent Psychiatry for them as a trainee."""
    client.force_login(organiser)

    response = add(client, group, [*elsewhere, other_group_leader])

    assert response.status_code == 400
    assert not group.memberships.filter(person__in=[*elsewhere, other_group_leader]).exists()
    content = response.content.decode()
    assert f"Choose a track for {other_group_leader.full_name}." in content
    (row,) = [r for r in response.context["form"].chosen if r.person == other_group_leader]
    assert row.track == ""
    assert row.error == f"Choose {other_group_leader.full_name}'s track."
    assert f'id="track-{other_group_leader.pk}-error"' in content

    response = add(client, group, [*elsewhere, other_group_leader], tracks={other_group_leader: GP})
    assert response.status_code == 302
    assert group.memberships.get(person=other_group_leader).track == GP


def test_one_refusal_adds_nobody_and_names_everyone_refused(
    client, group, organiser, trainee, elsewhere
):
    client.force_login(organiser)
    before = Membership.objects.count()

    response = add(client, group, [*elsewhere, trainee])

    assert response.status_code == 400
    assert Membership.objects.count() == before
    content = response.content.decode()
    assert "Nobody was added." in content
    assert f"{trainee} is already in {group} from" in content


def test_another_schemes_person_is_refused(client, group, organiser):
    outsider = factories.MembershipFactory().person
    client.force_login(organiser)

    response = add(client, group, [outsider], tracks={outsider: GP})

    assert response.status_code == 400
    assert "Someone chosen is not in this scheme." in response.content.decode()
    assert not Membership.objects.filter(person=outsider, group=group).exists()


def test_pasted_addresses_are_put_on_the_list(client, group, organiser, elsewhere):
    gp, changed = elsewhere
    client.force_login(organiser)
    pasted = f"{gp.full_name} <{gp.email.upper()}>;\n {changed.email}, nobody@example.org"

    response = client.post(url(group), {"action": "choose", "emails": pasted})

    assert response.status_code == 400  # the unknown address is shown, with what to do
    form = response.context["form"]
    assert [row.person for row in form.chosen] == sorted(
        [gp, changed], key=lambda p: (p.full_name, p.pk)
    )
    assert form.emails_left == "nobody@example.org"
    content = response.content.decode()
    assert "No one in this scheme has this address: nobody@example.org." in content
    assert not group.memberships.filter(person__in=elsewhere).exists()  # nothing saved yet


def test_the_list_is_found_by_name_or_email_a_page_at_a_time(client, group, organiser):
    people = [
        factories.MembershipFactory(group=group, person__full_name=f"Dr Zed {i:02}").person
        for i in range(PICK_PAGE_SIZE + 3)
    ]
    wanted = factories.MembershipFactory(
        group=factories.GroupFactory(scheme=group.scheme), person__full_name="Dr Ada Quill"
    ).person
    client.force_login(organiser)

    found = client.post(url(group), {"action": "find", "q": "quill"}).context["found"]
    assert list(found) == [wanted]
    found = client.post(url(group), {"action": "find", "q": wanted.email}).context["found"]
    assert list(found) == [wanted]

    first = client.post(url(group), {"action": "find", "q": "zed"}).context["found"]
    assert len(first) == PICK_PAGE_SIZE
    second = client.post(url(group), {"q": "zed", "after": first.next_after}).context["found"]
    assert [*first, *second] == people
    # Members already are shown as such, and cannot be ticked.
    content = client.get(url(group)).content.decode()
    assert f'name="person" value="{people[0].pk}"' not in content
    assert f'name="person" value="{wanted.pk}"' in content
    assert "Already in this group" in content
    assert '<select name="person"' not in content


def test_ticked_people_stay_on_the_list_while_searching(client, group, organiser, elsewhere):
    gp, _ = elsewhere
    client.force_login(organiser)

    response = client.post(url(group), {"action": "find", "q": "nobody", "person": [gp.pk]})

    assert [row.person for row in response.context["form"].chosen] == [gp]
    assert gp not in response.context["found"]  # on the list, not offered again
    content = response.content.decode()
    assert f'id="chosen-{gp.pk}" checked' in content
    select = content.split(f'name="track_{gp.pk}"')[1].split("</select>")[0]
    assert '<option value="general_practice" selected>' in select  # their latest track


def test_the_start_date_is_the_groups_next_session(client, group, organiser, leader):
    SessionFactory(group=group, slot_date=date(2026, 2, 25))  # past
    cancelled = SessionFactory(group=group, slot_date=date(2026, 3, 4))
    cancelled.status = "cancelled"
    cancelled.cancel_reason = "Room closed"
    cancelled.save()
    SessionFactory(group=group, slot_date=date(2026, 3, 11))
    client.force_login(organiser)

    assert client.get(url(group)).context["form"]["start_date"].value() == date(2026, 3, 11)


def test_the_start_date_is_today_with_no_session_planned(client, group, organiser):
    client.force_login(organiser)
    assert client.get(url(group)).context["form"]["start_date"].value() == TODAY


def test_the_group_page_links_to_it(client, group, organiser):
    client.force_login(organiser)
    assert url(group) in client.get(f"/groups/{group.pk}/").content.decode()


# --- Queries ---------------------------------------------------------------------------------


def test_the_page_costs_the_same_whatever_the_numbers(
    client, group, organiser, django_assert_num_queries
):
    other = factories.GroupFactory(scheme=group.scheme)
    client.force_login(organiser)

    def people(count):
        return [factories.MembershipFactory(group=other).person for _ in range(count)]

    first = [p.pk for p in people(2)]
    with CaptureQueriesContext(connection) as few:
        client.post(url(group), {"action": "choose", "person": first})
    chosen = people(30)
    people(30)
    with django_assert_num_queries(len(few)):
        response = client.post(url(group), {"action": "choose", "person": [p.pk for p in chosen]})
    assert len(response.context["form"].chosen) == 30
    assert len(response.context["found"]) == PICK_PAGE_SIZE


def test_the_memberships_are_checked_and_written_in_a_fixed_number_of_queries(
    client, group, organiser
):
    other = factories.GroupFactory(scheme=group.scheme)
    client.force_login(organiser)

    def membership_queries(count):
        people = [factories.MembershipFactory(group=other).person for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert add(client, group, people).status_code == 302
        return [q["sql"] for q in queries if '"groups_membership"' in q["sql"]]

    assert len(membership_queries(12)) == len(membership_queries(2))


# --- The service -----------------------------------------------------------------------------


def test_only_the_schemes_organisers_may_add(group, leader, other_scheme_organiser, elsewhere):
    members = [services.NewMember(person=p, track=GP) for p in elsewhere]
    for actor in (leader, other_scheme_organiser):
        with pytest.raises(PermissionDenied):
            services.memberships_add(actor=actor, group=group, members=members, start_date=TODAY)
    assert not group.memberships.filter(person__in=elsewhere).exists()


def test_someone_twice_on_the_list_is_added_once(group, organiser, elsewhere):
    gp, _ = elsewhere
    twice = [services.NewMember(person=gp, track=GP), services.NewMember(person=gp, track=GP)]

    added = services.memberships_add(actor=organiser, group=group, members=twice, start_date=TODAY)

    assert [m.person for m in added] == [gp]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("nobody", "Choose at least one person."),
        ("ends_first", "The end date is before the start date."),
        ("no_track", "track."),
    ],
)
def test_the_service_refuses_what_cannot_be(group, organiser, elsewhere, case, message):
    members = [services.NewMember(person=p, track=GP) for p in elsewhere]
    end = None
    if case == "nobody":
        members = []
    elif case == "ends_first":
        end = date(2026, 3, 1)
    else:
        members[0] = services.NewMember(person=elsewhere[0], track="")

    with pytest.raises(ValidationError, match=message):
        services.memberships_add(
            actor=organiser, group=group, members=members, start_date=TODAY, end_date=end
        )
    assert not group.memberships.filter(person__in=elsewhere).exists()


def test_the_start_date_shows_in_the_date_picker(client, group, organiser):
    SessionFactory(group=group, slot_date=date(2026, 3, 11))
    client.force_login(organiser)

    content = client.get(url(group)).content.decode()

    assert 'type="date" name="start_date" value="2026-03-11"' in content
