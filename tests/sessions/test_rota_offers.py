"""Offers to present (`services.presenting_offer_make` and `_withdraw`): who may offer for
which date, and until when an offer can be taken back."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone

from groups.models import Membership
from sessions import privacy
from sessions import services as session_services
from sessions.models import PresentingOffer
from sessions.rota import services
from tests import factories
from tests.factories.rosters import OnCallShiftFactory, dublin
from tests.factories.sessions import LeaveFactory, SessionFactory, wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")

VOLUNTEER, CASE = PresentingOffer.Kind.VOLUNTEER, PresentingOffer.Kind.HAVE_A_CASE


@pytest.fixture
def dates(group):
    """The group's next three sessions, none with a presenter yet."""
    return [SessionFactory(group=group, slot_date=when) for when in wednesdays(3)]


def offer(person, session, kind=VOLUNTEER):
    return services.presenting_offer_make(person=person, session=session, kind=kind)


def test_a_member_volunteers_for_an_open_date(trainee, dates):
    made = offer(trainee, dates[2])

    assert (made.session, made.person, made.kind) == (dates[2], trainee, VOLUNTEER)


def test_a_member_has_a_case_for_the_next_session_even_with_a_presenter(
    group, leader, trainee, dates
):
    colleague = factories.MembershipFactory(group=group).person
    session_services.presenter_set(actor=leader, session=dates[0], presenter=colleague)

    assert offer(trainee, dates[0], CASE).kind == CASE


def test_a_case_is_for_the_next_session_only(trainee, dates):
    with pytest.raises(ValidationError, match="next session only"):
        offer(trainee, dates[1], CASE)


def test_a_date_with_a_presenter_takes_no_volunteer(group, leader, trainee, dates):
    colleague = factories.MembershipFactory(group=group).person
    session_services.presenter_set(actor=leader, session=dates[1], presenter=colleague)

    with pytest.raises(ValidationError, match="already has a presenter"):
        offer(trainee, dates[1])


def test_nor_does_ones_own_date(leader, trainee, dates):
    session_services.presenter_set(actor=leader, session=dates[0], presenter=trainee)

    for kind in (VOLUNTEER, CASE):
        with pytest.raises(ValidationError, match="already present"):
            offer(trainee, dates[0], kind)


def test_one_offer_per_person_and_date(trainee, dates):
    offer(trainee, dates[0])

    with pytest.raises(ValidationError, match="already offered"):
        offer(trainee, dates[0], CASE)
    with pytest.raises(IntegrityError):  # the database holds to it too
        PresentingOffer.objects.create(session=dates[0], person=trainee, kind=CASE)


def test_not_on_leave_nor_on_call(trainee, dates):
    LeaveFactory(person=trainee, start_date=dates[1].slot_date)
    day = dates[2].slot_date
    OnCallShiftFactory(
        source__person=trainee,
        person=trainee,
        starts_at=dublin(day.year, day.month, day.day, 8),
        ends_at=dublin(day.year, day.month, day.day, 20),
    )
    session_services.clashes_recompute()

    with pytest.raises(ValidationError, match="on leave that day"):
        offer(trainee, dates[1])
    with pytest.raises(ValidationError, match="on call then"):
        offer(trainee, dates[2])


def test_only_upcoming_sessions(group, leader, trainee, dates):
    past = SessionFactory(group=group, slot_date=date(2026, 2, 25))
    session_services.session_cancel(actor=leader, session=dates[1], reason="Leader away")

    for session in (past, dates[1]):
        with pytest.raises(ValidationError, match="upcoming session"):
            offer(trainee, session)


def member_elsewhere(request, group, who: str):
    """Someone who is not a member of `group` on its next sessions' dates."""
    if who == "former member":
        return factories.MembershipFactory(
            group=group, start_date=date(2025, 9, 1), end_date=date(2026, 3, 1)
        ).person
    if who == "future member":
        return factories.MembershipFactory(group=group, start_date=date(2026, 4, 1)).person
    if who == "co_leader":
        return factories.LeaderFactory(group=group, role=Membership.Role.CO_LEADER).person
    if who == "other_scheme_trainee":
        return factories.MembershipFactory().person
    return request.getfixturevalue(who)


@pytest.mark.parametrize(
    "who",
    [
        "leader",
        "co_leader",
        "organiser",
        "other_group_leader",
        "former member",
        "future member",
        "other_scheme_trainee",
        "stranger",
    ],
)
def test_only_members_on_that_date_may_offer(request, group, dates, who):
    person = member_elsewhere(request, group, who)

    for kind in (VOLUNTEER, CASE):
        with pytest.raises(PermissionDenied):
            offer(person, dates[0], kind)
    assert not PresentingOffer.objects.exists()


def test_a_member_of_another_group_may_not_offer(other_group, dates):
    theirs = factories.MembershipFactory(group=other_group).person
    with pytest.raises(PermissionDenied):
        offer(theirs, dates[0])


# --- Withdrawing -------------------------------------------------------------------------


def test_an_offer_is_withdrawn_until_the_date_is_planned(leader, trainee, dates):
    early, late = offer(trainee, dates[0]), offer(trainee, dates[1])
    services.presenting_offer_withdraw(actor=trainee, offer=early)
    assert not PresentingOffer.objects.filter(pk=early.pk).exists()

    services.rota_assign(actor=leader, group=dates[0].group)  # late is now theirs

    with pytest.raises(ValidationError, match="planned"):
        services.presenting_offer_withdraw(actor=trainee, offer=late)
    assert PresentingOffer.objects.filter(pk=late.pk).exists()


def test_a_case_stays_withdrawable_while_someone_else_presents(group, leader, trainee, dates):
    colleague = factories.MembershipFactory(group=group).person
    session_services.presenter_set(actor=leader, session=dates[0], presenter=colleague)
    case = offer(trainee, dates[0], CASE)

    services.presenting_offer_withdraw(actor=trainee, offer=case)

    assert not PresentingOffer.objects.exists()


def test_a_case_is_not_withdrawn_once_its_person_presents(leader, trainee, dates):
    case = offer(trainee, dates[0], CASE)
    services.rota_assign(actor=leader, group=dates[0].group)

    with pytest.raises(ValidationError, match="give the date back"):
        services.presenting_offer_withdraw(actor=trainee, offer=case)


def test_only_ones_own_offer_is_withdrawn(group, leader, trainee, dates):
    made = offer(trainee, dates[1])
    for person in (leader, factories.MembershipFactory(group=group).person):
        with pytest.raises(PermissionDenied):
            services.presenting_offer_withdraw(actor=person, offer=made)
    assert PresentingOffer.objects.filter(pk=made.pk).exists()


def test_rebuilding_the_rota_honours_the_offers_again(group, leader, trainee, dates):
    colleague = factories.MembershipFactory(group=group).person
    offer(colleague, dates[1])
    services.rota_assign(actor=leader, group=group)
    session_services.presenter_set(actor=leader, session=dates[1], presenter=trainee)

    services.rota_assign(actor=leader, group=group, rebuild=True)

    dates[1].refresh_from_db()
    assert dates[1].presenter == colleague


# --- Personal data ------------------------------------------------------------------------


def test_offers_are_in_the_persons_export_and_go_with_their_erasure(trainee, dates):
    offer(trainee, dates[1])
    other = offer(factories.MembershipFactory(group=dates[0].group).person, dates[1])

    exported = privacy.part.export(trainee)["presenting_offers"]
    assert [(r["date"], r["kind"]) for r in exported] == [("2026-03-11", "Volunteered")]

    privacy.part.erase_many([trainee], when=timezone.now())
    assert list(PresentingOffer.objects.all()) == [other]
