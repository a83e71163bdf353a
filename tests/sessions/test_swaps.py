"""Swapping presenting dates and giving one back: the services (pages: test_view_swaps.py).

The people and dates (colleague, mine, theirs, swap) come from tests/sessions/conftest.py.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models import QuerySet

from balint.models import OutboundEmail
from groups.models import Membership
from sessions.models import Session, SwapRequest
from sessions.rota import services
from tests import factories
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import (
    EARLY,
    LATE,
    NOW,
    LeaveFactory,
    SessionFactory,
    presenter_of,
)

pytestmark = pytest.mark.usefixtures("frozen_now")


# --- Asking ------------------------------------------------------------------------------


def test_a_request_asks_the_other_presenter_by_email(
    trainee, colleague, mine, theirs, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        swap = services.swap_request(
            requester=trainee, requester_session=mine, recipient_session=theirs
        )

    assert swap.status == SwapRequest.Status.PENDING
    assert (swap.requester, swap.recipient) == (trainee, colleague)
    assert [m.to for m in mailoutbox] == [[colleague.email]]
    assert f"{trainee.full_name} asks to swap presenting dates" in mailoutbox[0].subject
    # Nothing changes until the other accepts.
    assert presenter_of(mine) == trainee
    assert presenter_of(theirs) == colleague


def test_no_email_before_the_request_commits(
    trainee, mine, theirs, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.swap_request(requester=trainee, requester_session=mine, recipient_session=theirs)

    assert len(callbacks) == 1
    assert mailoutbox == []


def test_asking_twice_is_refused(trainee, mine, theirs):
    services.swap_request(requester=trainee, requester_session=mine, recipient_session=theirs)
    with pytest.raises(ValidationError, match="already asked for this swap"):
        services.swap_request(requester=trainee, requester_session=mine, recipient_session=theirs)
    assert SwapRequest.objects.count() == 1


def test_a_swap_with_someone_who_left_the_group_is_refused(group, trainee, mine):
    # The colleague presents on 4 March but leaves on 10 March, before the 18th.
    gone = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 5), end_date=date(2026, 3, 10)
    ).person
    theirs = SessionFactory(group=group, slot_date=EARLY, presenter=gone)

    with pytest.raises(ValidationError) as refused:
        services.swap_request(requester=trainee, requester_session=mine, recipient_session=theirs)

    assert refused.value.messages == [
        f"{gone} is not a member of {group} on 18 Mar 2026, so the dates cannot be swapped."
    ]
    assert SwapRequest.objects.count() == 0


def test_the_requester_must_still_be_a_member_on_the_other_date(group, colleague):
    leaving = factories.MembershipFactory(
        group=group, start_date=date(2026, 1, 5), end_date=date(2026, 3, 10)
    ).person
    mine = SessionFactory(group=group, slot_date=EARLY, presenter=leaving)
    theirs = SessionFactory(group=group, slot_date=LATE, presenter=colleague)

    with pytest.raises(ValidationError, match=r"is not a member of .* on 18 Mar 2026"):
        services.swap_request(requester=leaving, requester_session=mine, recipient_session=theirs)


def test_a_leader_cannot_be_swapped_in_as_presenter(group, trainee, leader, mine):
    led = SessionFactory(group=group, slot_date=EARLY, presenter=leader)
    with pytest.raises(ValidationError, match="is not a member"):
        services.swap_request(requester=trainee, requester_session=mine, recipient_session=led)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("other_group", "same group"),
        ("no_presenter", "No one presents on that date"),
        ("own_date", "someone else presents on"),
        ("not_mine", "no longer presents"),
        ("past", "not upcoming"),
    ],
)
def test_impossible_requests_are_refused(group, trainee, colleague, mine, case, message):
    other = SessionFactory(group=group, slot_date=EARLY, presenter=colleague)
    requester_session = mine
    if case == "other_group":
        other = SessionFactory(presenter=colleague)
    elif case == "no_presenter":
        other.presenter = None
        other.save()
    elif case == "own_date":
        other.presenter = trainee
        other.save()
    elif case == "not_mine":
        requester_session = SessionFactory(group=group, slot_date=date(2026, 3, 25))
    elif case == "past":
        requester_session = SessionFactory(
            group=group, slot_date=date(2026, 2, 25), presenter=trainee
        )

    with pytest.raises(ValidationError, match=message):
        services.swap_request(
            requester=trainee, requester_session=requester_session, recipient_session=other
        )
    assert SwapRequest.objects.count() == 0


# --- Accepting ------------------------------------------------------------------------------


def test_accepting_swaps_both_presenters_and_tells_both(
    swap, trainee, colleague, mine, theirs, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.swap_accept(actor=colleague, swap=swap)

    assert presenter_of(mine) == colleague
    assert presenter_of(theirs) == trainee
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.ACCEPTED
    assert swap.decided_at == NOW
    assert sorted(m.to[0] for m in mailoutbox) == sorted([trainee.email, colleague.email])
    assert {m.subject for m in mailoutbox} == {"Presenting dates swapped"}


def test_a_failure_half_way_leaves_both_sessions_unchanged(
    transactional_db, monkeypatch, swap, trainee, colleague, mine, theirs, mailoutbox
):
    original = QuerySet.bulk_update

    def first_then_fail(self, objs, fields, **kwargs):
        original(self, objs[:1], fields, **kwargs)
        # The first session really has changed inside the transaction...
        assert Session.objects.get(pk=objs[0].pk).presenter_id == objs[0].presenter_id
        raise DatabaseError("connection lost")

    monkeypatch.setattr(QuerySet, "bulk_update", first_then_fail)

    with pytest.raises(DatabaseError):
        services.swap_accept(actor=colleague, swap=swap)

    # ...and is rolled back with the rest.
    assert presenter_of(mine) == trainee
    assert presenter_of(theirs) == colleague
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.PENDING
    assert mailoutbox == []


def test_a_failure_after_the_presenters_changed_rolls_them_back(
    transactional_db, monkeypatch, swap, trainee, colleague, mine, theirs, mailoutbox
):
    def fail(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(SwapRequest, "save", fail)

    with pytest.raises(DatabaseError):
        services.swap_accept(actor=colleague, swap=swap)

    assert presenter_of(mine) == trainee
    assert presenter_of(theirs) == colleague
    assert mailoutbox == []


def test_only_the_recipient_can_accept(swap, trainee, leader, mine, theirs):
    for person in (trainee, leader):
        with pytest.raises(PermissionDenied):
            services.swap_accept(actor=person, swap=swap)
    assert presenter_of(mine) == trainee
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.PENDING


def test_accepting_after_the_other_left_the_group_is_refused(
    group, swap, colleague, trainee, mine, theirs
):
    # The swap was asked for while both were members; then the colleague's rotation ended.
    Membership.objects.filter(person=colleague, group=group).update(end_date=date(2026, 3, 10))

    with pytest.raises(ValidationError) as refused:
        services.swap_accept(actor=colleague, swap=swap)

    assert refused.value.messages == [
        f"{colleague} is not a member of {group} on 18 Mar 2026, so the dates cannot be swapped."
    ]
    assert presenter_of(mine) == trainee
    assert presenter_of(theirs) == colleague
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.PENDING


def test_a_stale_request_cannot_be_accepted(group, leader, swap, colleague, mine, theirs):
    someone = factories.MembershipFactory(group=group).person
    services.presenter_set(actor=leader, session=mine, presenter=someone)

    with pytest.raises(ValidationError, match="no longer presents"):
        services.swap_accept(actor=colleague, swap=swap)
    assert presenter_of(theirs) == colleague
    assert presenter_of(mine) == someone


def test_a_request_is_accepted_only_once(swap, colleague, trainee, mine):
    services.swap_accept(actor=colleague, swap=swap)
    with pytest.raises(ValidationError, match="no longer open"):
        services.swap_accept(actor=colleague, swap=swap)
    assert presenter_of(mine) == colleague


# --- Declining and withdrawing -----------------------------------------------------------------


def test_the_recipient_declines_and_both_are_told(
    swap, trainee, colleague, mine, theirs, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.swap_decline(actor=colleague, swap=swap)

    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.DECLINED
    assert presenter_of(mine) == trainee
    assert presenter_of(theirs) == colleague
    assert sorted(m.to[0] for m in mailoutbox) == sorted([trainee.email, colleague.email])
    assert {m.subject for m in mailoutbox} == {"Swap declined"}


def test_the_requester_withdraws_and_the_other_is_told_on_commit(
    swap, trainee, colleague, mine, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.swap_decline(actor=trainee, swap=swap)
    assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:
        callback()

    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.WITHDRAWN
    assert swap.decided_at == NOW
    assert presenter_of(mine) == trainee
    (message,) = mailoutbox
    assert message.to == [colleague.email]
    assert message.subject == f"{trainee.full_name} withdrew a swap request"
    assert "Nothing to answer" in message.body


def test_a_declined_request_cannot_then_be_accepted(swap, colleague, trainee, mine):
    services.swap_decline(actor=colleague, swap=swap)
    with pytest.raises(ValidationError, match="no longer open"):
        services.swap_accept(actor=colleague, swap=swap)
    assert presenter_of(mine) == trainee


def test_a_third_person_cannot_close_a_request(swap, leader):
    with pytest.raises(PermissionDenied):
        services.swap_decline(actor=leader, swap=swap)
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.PENDING


# --- Giving a date back -----------------------------------------------------------------------


def test_giving_back_clears_the_presenter_and_tells_the_leaders(
    group, trainee, leader, colleague, mine, mailoutbox, django_capture_on_commit_callbacks
):
    co_leader = factories.LeaderFactory(group=group, role=Membership.Role.CO_LEADER).person
    factories.LeaderFactory(group=group, start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))

    with django_capture_on_commit_callbacks(execute=True):
        services.presentation_give_back(actor=trainee, session=mine)

    assert presenter_of(mine) is None
    assert sorted(m.to[0] for m in mailoutbox) == sorted([leader.email, co_leader.email])
    assert f"{trainee.full_name} gave back their presenting date" in mailoutbox[0].subject
    notices = OutboundEmail.objects.filter(kind="date_given_back").prefetch_related("named")
    assert [list(n.named.all()) for n in notices] == [[trainee], [trainee]]


def test_only_the_presenter_can_give_a_date_back(leader, colleague, trainee, mine):
    for person in (leader, colleague):
        with pytest.raises(PermissionDenied):
            services.presentation_give_back(actor=person, session=mine)
    assert presenter_of(mine) == trainee


def test_a_past_date_cannot_be_given_back(group, trainee):
    past = SessionFactory(
        group=group, slot_date=date(2026, 2, 25), presenter=trainee, status=Session.Status.HELD
    )
    with pytest.raises(ValidationError, match="upcoming"):
        services.presentation_give_back(actor=trainee, session=past)
    assert presenter_of(past) == trainee


@pytest.mark.parametrize("away", ["leave", "on call"])
def test_a_swap_onto_a_date_the_requester_cannot_present_is_refused(trainee, mine, theirs, away):
    if away == "leave":
        LeaveFactory(person=trainee, start_date=theirs.slot_date)
        reason = "is on leave that day"
    else:
        ClashFactory(session=theirs, person=trainee)
        reason = "is on call then"

    with pytest.raises(ValidationError, match=f"{trainee} {reason} \\(04 Mar 2026\\)"):
        services.swap_request(requester=trainee, requester_session=mine, recipient_session=theirs)
    assert not SwapRequest.objects.exists()


def test_accepting_onto_a_date_the_recipient_is_now_on_leave_is_refused(
    swap, colleague, trainee, mine, theirs
):
    LeaveFactory(person=colleague, start_date=mine.slot_date)  # booked after the request

    with pytest.raises(ValidationError, match="is on leave that day"):
        services.swap_accept(actor=colleague, swap=swap)
    assert (presenter_of(mine), presenter_of(theirs)) == (trainee, colleague)
