"""Invariants the database itself enforces, whatever code writes the row."""

from datetime import date, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from groups.models import (
    BalintGroup,
    Invitation,
    Membership,
    Scheme,
    SchemeOrganiser,
    User,
)
from tests import factories

MAY_1 = date(2026, 5, 1)


def refused(create, *args, **kwargs):
    """True when the database refuses the write (and the test's transaction survives)."""
    try:
        with transaction.atomic():
            create(*args, **kwargs)
    except IntegrityError:
        return True
    return False


def make_membership(person, group, start, end=None, **fields):
    return Membership.objects.create(
        person=person, group=group, start_date=start, end_date=end, **fields
    )


# --- Membership dates -----------------------------------------------------


def test_membership_cannot_end_before_it_starts(group):
    person = factories.UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(person, group, MAY_1, MAY_1 - timedelta(days=1))
    assert not Membership.objects.exists()


def test_membership_may_start_and_end_on_the_same_day(group):
    person = factories.UserFactory()
    make_membership(person, group, MAY_1, MAY_1)
    assert Membership.objects.count() == 1


def test_open_ended_membership_refuses_a_later_one_in_the_same_group(group):
    person = factories.UserFactory()
    make_membership(person, group, MAY_1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(person, group, date(2027, 1, 1), date(2027, 2, 1))
    assert Membership.objects.count() == 1


def test_open_ended_membership_refuses_an_earlier_one_running_into_it(group):
    person = factories.UserFactory()
    make_membership(person, group, MAY_1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(person, group, date(2026, 1, 1), date(2026, 6, 1))


def test_two_open_ended_memberships_overlap(group):
    person = factories.UserFactory()
    make_membership(person, group, MAY_1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(person, group, date(2030, 1, 1))


def test_dated_memberships_that_overlap_are_refused(group):
    person = factories.UserFactory()
    make_membership(person, group, date(2026, 1, 1), date(2026, 4, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(person, group, date(2026, 3, 1), date(2026, 8, 31))


def test_membership_inside_another_is_refused(group):
    person = factories.UserFactory()
    make_membership(person, group, date(2026, 1, 1), date(2026, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(person, group, date(2026, 3, 1), date(2026, 3, 31))


def test_end_date_is_inclusive_so_touching_ranges_overlap(group):
    person = factories.UserFactory()
    make_membership(person, group, date(2026, 1, 1), MAY_1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_membership(person, group, MAY_1, date(2026, 8, 31))
    assert Membership.objects.count() == 1


def test_consecutive_memberships_do_not_overlap(group):
    person = factories.UserFactory()
    make_membership(person, group, date(2026, 1, 1), date(2026, 4, 30))
    make_membership(person, group, MAY_1, date(2026, 8, 31))
    make_membership(person, group, date(2026, 9, 1))
    assert Membership.objects.filter(person=person, group=group).count() == 3


def test_same_person_in_two_groups_at_the_same_time_is_fine(group, other_group):
    person = factories.UserFactory()
    make_membership(person, group, MAY_1)
    make_membership(person, other_group, MAY_1, role=Membership.Role.LEADER)
    assert Membership.objects.filter(person=person).count() == 2


def test_two_people_in_one_group_at_the_same_time_is_fine(group):
    make_membership(factories.UserFactory(), group, MAY_1)
    make_membership(factories.UserFactory(), group, MAY_1)
    assert group.memberships.count() == 2


def test_overlap_is_refused_whatever_the_role(group):
    person = factories.UserFactory()
    make_membership(person, group, MAY_1, role=Membership.Role.MEMBER)
    assert refused(make_membership, person, group, MAY_1, role=Membership.Role.CO_LEADER)


def test_updating_a_membership_into_an_overlap_is_refused(group):
    person = factories.UserFactory()
    make_membership(person, group, date(2026, 1, 1), date(2026, 4, 30))
    later = make_membership(person, group, date(2026, 6, 1), date(2026, 8, 31))
    later.start_date = date(2026, 4, 30)
    with pytest.raises(IntegrityError), transaction.atomic():
        later.save()
    later.refresh_from_db()
    assert later.start_date == date(2026, 6, 1)


def test_extending_an_end_date_into_the_next_membership_is_refused(group):
    person = factories.UserFactory()
    first = make_membership(person, group, date(2026, 1, 1), date(2026, 4, 30))
    make_membership(person, group, MAY_1)
    first.end_date = None
    assert refused(first.save)


def test_updating_a_membership_without_creating_an_overlap_is_allowed(group):
    person = factories.UserFactory()
    membership = make_membership(person, group, date(2026, 1, 1), date(2026, 4, 30))
    membership.end_date = date(2026, 6, 30)
    membership.role = Membership.Role.CO_LEADER
    membership.save()
    membership.refresh_from_db()
    assert membership.end_date == date(2026, 6, 30)


def test_updating_a_membership_into_an_end_before_its_start_is_refused(group):
    membership = make_membership(factories.UserFactory(), group, MAY_1)
    membership.end_date = MAY_1 - timedelta(days=1)
    assert refused(membership.save)


# --- Membership helpers ---------------------------------------------------


def test_current_memberships_cover_the_given_day(group):
    day = date(2026, 5, 15)
    open_ended = factories.MembershipFactory(group=group, start_date=date(2026, 1, 1))
    ends_that_day = factories.MembershipFactory(group=group, start_date=MAY_1, end_date=day)
    starts_that_day = factories.MembershipFactory(group=group, start_date=day)
    factories.MembershipFactory(group=group, start_date=MAY_1, end_date=date(2026, 5, 14))
    factories.MembershipFactory(group=group, start_date=date(2026, 5, 16))

    current = set(Membership.objects.current(day))

    assert current == {open_ended, ends_that_day, starts_that_day}


def test_current_memberships_default_to_today(group):
    today = timezone.localdate()
    now = factories.MembershipFactory(group=group, start_date=today)
    factories.MembershipFactory(group=group, start_date=today + timedelta(days=1))
    factories.MembershipFactory(
        group=group, start_date=today - timedelta(days=10), end_date=today - timedelta(days=1)
    )

    assert list(Membership.objects.current()) == [now]


def test_covers_is_inclusive_at_both_ends():
    membership = Membership(start_date=MAY_1, end_date=date(2026, 5, 31))

    assert not membership.covers(date(2026, 4, 30))
    assert membership.covers(MAY_1)
    assert membership.covers(date(2026, 5, 31))
    assert not membership.covers(date(2026, 6, 1))


def test_open_ended_membership_covers_every_later_day():
    membership = Membership(start_date=MAY_1, end_date=None)

    assert not membership.covers(date(2026, 4, 30))
    assert membership.covers(date(2099, 12, 31))


def test_leaders_and_co_leaders_are_leading():
    assert Membership(role=Membership.Role.LEADER).is_leading
    assert Membership(role=Membership.Role.CO_LEADER).is_leading
    assert not Membership(role=Membership.Role.MEMBER).is_leading


# --- Groups ---------------------------------------------------------------


def make_group(scheme, **fields):
    return BalintGroup.objects.create(
        scheme=scheme, **{"name": "Wednesday", "start_time": time(9), **fields}
    )


def test_group_minimum_above_maximum_is_refused(scheme):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_group(scheme, min_members=8, max_members=7)
    assert not BalintGroup.objects.exists()


def test_group_minimum_equal_to_maximum_is_allowed(scheme):
    group = make_group(scheme, min_members=8, max_members=8)
    assert group.pk


def test_group_minimum_of_zero_is_refused(scheme):
    assert refused(make_group, scheme, min_members=0, max_members=12)


def test_group_duration_out_of_range_is_refused(scheme):
    assert refused(make_group, scheme, duration_minutes=5)
    assert refused(make_group, scheme, duration_minutes=481)


def test_group_weekday_out_of_range_is_refused(scheme):
    assert refused(make_group, scheme, meeting_weekday=7)


def test_group_name_is_unique_within_a_scheme(scheme):
    make_group(scheme, name="Wednesday")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_group(scheme, name="Wednesday")
    assert BalintGroup.objects.count() == 1


def test_same_group_name_in_two_schemes_is_fine(scheme):
    make_group(scheme, name="Wednesday")
    make_group(factories.SchemeFactory(), name="Wednesday")
    assert BalintGroup.objects.filter(name="Wednesday").count() == 2


def test_group_defaults_match_the_balint_norm(scheme):
    group = make_group(scheme)
    assert (group.min_members, group.max_members) == (6, 12)
    assert group.duration_minutes == 60
    assert group.frequency == BalintGroup.Frequency.WEEKLY


def test_group_end_time_adds_the_duration(scheme):
    group = make_group(scheme, start_time=time(23, 30), duration_minutes=90)
    assert group.end_time == time(1, 0)


# --- Schemes and organisers -----------------------------------------------


def test_scheme_defaults(db):
    scheme = Scheme.objects.create(name="Defaults")
    assert scheme.time_zone == "Europe/Dublin"
    assert scheme.holiday_country == "IE"


def test_scheme_name_is_unique(scheme):
    assert refused(Scheme.objects.create, name=scheme.name)


def test_one_organiser_role_per_scheme_and_person(scheme):
    person = factories.UserFactory()
    SchemeOrganiser.objects.create(scheme=scheme, person=person)
    with pytest.raises(IntegrityError), transaction.atomic():
        SchemeOrganiser.objects.create(scheme=scheme, person=person)
    assert SchemeOrganiser.objects.count() == 1


def test_one_person_may_organise_two_schemes(scheme):
    person = factories.UserFactory()
    SchemeOrganiser.objects.create(scheme=scheme, person=person)
    SchemeOrganiser.objects.create(scheme=factories.SchemeFactory(), person=person)
    assert person.organiser_roles.count() == 2


# --- Invitations ----------------------------------------------------------


def make_invitation(scheme, **fields):
    defaults = {
        "email": "new@example.org",
        "full_name": "New Person",
        "expires_at": timezone.now() + timedelta(days=14),
    }
    return Invitation.objects.create(scheme=scheme, **{**defaults, **fields})


def test_member_invitation_needs_a_group(scheme):
    assert refused(make_invitation, scheme, role=Invitation.Role.MEMBER, start_date=MAY_1)
    assert not Invitation.objects.exists()


def test_group_invitation_needs_a_start_date(group):
    assert refused(make_invitation, group.scheme, role=Invitation.Role.LEADER, group=group)


def test_organiser_invitation_may_not_name_a_group(group):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_invitation(group.scheme, role=Invitation.Role.ORGANISER, group=group)


def test_valid_invitations_are_accepted(group):
    make_invitation(group.scheme, role=Invitation.Role.ORGANISER)
    make_invitation(group.scheme, role=Invitation.Role.MEMBER, group=group, start_date=MAY_1)
    make_invitation(
        group.scheme, role=Invitation.Role.CO_LEADER, group=group, start_date=MAY_1, end_date=MAY_1
    )
    assert Invitation.objects.count() == 3


def test_invitation_cannot_end_before_it_starts(group):
    assert refused(
        make_invitation,
        group.scheme,
        group=group,
        start_date=MAY_1,
        end_date=MAY_1 - timedelta(days=1),
    )


def test_invitation_end_date_needs_a_start_date(scheme):
    assert refused(make_invitation, scheme, role=Invitation.Role.ORGANISER, end_date=MAY_1)


def test_pending_invitations_exclude_used_revoked_and_expired(group):
    pending = factories.InvitationFactory(scheme=group.scheme, group=group)
    factories.InvitationFactory(scheme=group.scheme, group=group, accepted_at=timezone.now())
    factories.InvitationFactory(scheme=group.scheme, group=group, revoked_at=timezone.now())
    factories.InvitationFactory(
        scheme=group.scheme, group=group, expires_at=timezone.now() - timedelta(seconds=1)
    )

    assert list(Invitation.objects.pending()) == [pending]
    assert [i.is_pending for i in Invitation.objects.order_by("pk")] == [
        True,
        False,
        False,
        False,
    ]


# --- People ---------------------------------------------------------------


def test_email_is_unique_ignoring_case(db):
    User.objects.create(email="Aoife@Example.org", full_name="Aoife")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="aoife@example.org", full_name="Another Aoife")
    assert User.objects.count() == 1


def test_create_user_stores_the_email_in_lower_case(db):
    user = User.objects.create_user(email="Cian.Murphy@Example.ORG", password="x", full_name="C")
    assert user.email == "cian.murphy@example.org"


def test_create_user_requires_an_email(db):
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user(email="", password="x")


def test_user_has_no_username_and_signs_in_with_email():
    assert User.USERNAME_FIELD == "email"
    assert not hasattr(User, "username")


def test_superuser_is_staff(db):
    user = User.objects.create_superuser(email="root@example.org", password="x", full_name="R")
    assert user.is_staff
    assert user.is_superuser
