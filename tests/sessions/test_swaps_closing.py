"""What accepting a swap does beyond its two dates, and when it asks first: presenting
within 48 hours, or withdrawing the person's own open requests. Requests withdrawn by
another change (a swap of one of their dates, the rota planned again) are told to their
people. Pages: test_view_swaps.py.

The people and dates (colleague, mine, theirs, swap) come from tests/sessions/conftest.py.
"""

from datetime import date, timedelta

import pytest

from sessions.models import SwapRequest
from sessions.rota import services
from tests import factories
from tests.factories.sessions import SessionFactory, SwapRequestFactory, presenter_of

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def third(group):
    return factories.MembershipFactory(group=group).person


def test_accepting_withdraws_the_other_requests_about_both_dates(
    group, swap, trainee, colleague, third, mine, mailoutbox, django_capture_on_commit_callbacks
):
    thirds = SessionFactory(group=group, slot_date=date(2026, 3, 25), presenter=third)
    also_asked = SwapRequestFactory(requester_session=mine, recipient_session=thirds)

    with django_capture_on_commit_callbacks(execute=True):
        services.swap_accept(actor=colleague, swap=swap)

    also_asked.refresh_from_db()
    assert also_asked.status == SwapRequest.Status.WITHDRAWN
    withdrawn = {m.to[0] for m in mailoutbox if "withdrawn" in m.subject}
    assert withdrawn == {third.email, trainee.email}  # not the one who accepted
    (told,) = [m for m in mailoutbox if m.to == [third.email]]
    assert "one of the two dates has a new presenter since" in told.body


def test_accepting_that_withdraws_my_own_request_asks_first(
    group, swap, trainee, colleague, third, theirs, mailoutbox, django_capture_on_commit_callbacks
):
    thirds = SessionFactory(group=group, slot_date=date(2026, 3, 25), presenter=third)
    my_own = SwapRequestFactory(requester_session=theirs, recipient_session=thirds)

    with pytest.raises(services.SwapNeedsConfirmation) as asked:
        services.swap_accept(actor=colleague, swap=swap)
    assert asked.value.check.closes == [my_own]
    assert not asked.value.check.soon  # 18 March: far enough
    my_own.refresh_from_db()
    assert my_own.status == SwapRequest.Status.PENDING

    with django_capture_on_commit_callbacks(execute=True):
        services.swap_accept(actor=colleague, swap=swap, confirmed=True)
    my_own.refresh_from_db()
    assert my_own.status == SwapRequest.Status.WITHDRAWN
    assert [m.to for m in mailoutbox if "withdrawn" in m.subject] == [[third.email]]


@pytest.mark.parametrize(
    ("before", "soon"),
    [
        (timedelta(hours=47), True),
        (timedelta(hours=48), True),
        (timedelta(hours=48, minutes=1), False),
    ],
)
def test_accepting_a_date_within_48_hours_asks_first(
    frozen_now, trainee, colleague, mine, theirs, before, soon
):
    """The colleague's date (4 March, 09:00) goes to the trainee, who accepts."""
    swap = SwapRequestFactory(requester_session=theirs, recipient_session=mine)
    frozen_now.move_to(theirs.starts_at - before)

    if soon:
        with pytest.raises(services.SwapNeedsConfirmation) as asked:
            services.swap_accept(actor=trainee, swap=swap)
        assert asked.value.check.soon
        assert asked.value.check.session == theirs
        assert presenter_of(theirs) == colleague
    services.swap_accept(actor=trainee, swap=swap, confirmed=soon)

    assert presenter_of(theirs) == trainee


def test_planning_the_rota_again_withdraws_open_requests_and_tells_both(
    swap, leader, trainee, colleague, group, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.rota_assign(actor=leader, group=group, rebuild=True)

    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.WITHDRAWN
    assert sorted(m.to[0] for m in mailoutbox) == sorted([trainee.email, colleague.email])
    assert "the leaders planned the rota again" in mailoutbox[0].body
