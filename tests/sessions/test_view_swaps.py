"""Swap and give-back pages: `/sessions/<pk>/swap/`, `/swaps/<pk>/accept/`,
`/swaps/<pk>/decline/`, `/sessions/<pk>/give-back/`.

The people and dates (colleague, mine, theirs, swap) come from tests/sessions/conftest.py.
"""

from datetime import date, timedelta

import pytest

from groups.models import Membership
from sessions.models import SwapRequest
from sessions.rota import services
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.rosters import ClashFactory
from tests.factories.sessions import (
    LATE,
    NOW,
    LeaveFactory,
    SessionFactory,
    SwapRequestFactory,
    presenter_of,
)

pytestmark = pytest.mark.usefixtures("frozen_now")


def swap_url(session):
    return f"/sessions/{session.pk}/swap/"


def test_anonymous_is_sent_to_sign_in(client, mine, swap):
    urls = [
        swap_url(mine),
        f"/sessions/{mine.pk}/give-back/",
        f"/swaps/{swap.pk}/accept/",
        f"/swaps/{swap.pk}/decline/",
    ]
    for url in urls:
        assert_sign_in_first(client, url, method="post")
    swap.refresh_from_db()
    assert swap.status == SwapRequest.Status.PENDING
    assert presenter_of(mine) == swap.requester


@pytest.mark.parametrize(
    ("role", "status"),
    access(
        trainee=200,  # presents on that date
        colleague=404,  # a member, but not the presenter
    ),
)
def test_only_the_presenter_opens_the_swap_page(mine, theirs, status, signed_in):
    assert signed_in.get(swap_url(mine)).status_code == status


def test_the_swap_page_offers_the_other_presenters_dates(client, trainee, colleague, mine, theirs):
    client.force_login(trainee)
    response = client.get(swap_url(mine))

    assert list(response.context["form"].fields["other"].queryset) == [theirs]
    assert f"Wed 04 Mar 2026 — {colleague.full_name}" in response.content.decode()


def test_the_swap_page_leaves_out_dates_the_trainee_is_away(client, group, trainee, mine, theirs):
    on_leave = SessionFactory(group=group, slot_date=date(2026, 3, 11), presenter=theirs.presenter)
    on_call = SessionFactory(group=group, slot_date=date(2026, 3, 25), presenter=theirs.presenter)
    LeaveFactory(person=trainee, start_date=on_leave.slot_date)
    ClashFactory(session=on_call, person=trainee)
    ClashFactory(session=theirs, person=trainee, resolved_at=NOW)  # no longer holds
    client.force_login(trainee)

    response = client.get(swap_url(mine))

    assert list(response.context["form"].fields["other"].queryset) == [theirs]
    refused = client.post(swap_url(mine), {"other": on_leave.pk})
    assert refused.status_code == 400
    assert not SwapRequest.objects.exists()


def test_asking_for_a_swap_on_the_page(
    client, trainee, colleague, mine, theirs, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(trainee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(swap_url(mine), {"other": theirs.pk})

    assert response.status_code == 302
    assert response["Location"] == "/rota/"
    swap = SwapRequest.objects.get()
    assert (swap.requester, swap.recipient, swap.recipient_session) == (trainee, colleague, theirs)
    assert [m.to for m in mailoutbox] == [[colleague.email]]


def test_the_page_explains_a_refused_swap(client, group, trainee, mine, colleague, theirs):
    Membership.objects.filter(person=colleague, group=group).update(end_date=date(2026, 3, 10))
    client.force_login(trainee)

    response = client.post(swap_url(mine), {"other": theirs.pk})

    assert response.status_code == 400
    assert "so the dates cannot be swapped." in response.content.decode()
    assert SwapRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    access(
        colleague=302,
        trainee=403,  # the requester cannot accept their own request
    ),
)
def test_who_may_accept_on_the_page(swap, mine, status, signed_in):
    response = signed_in.post(f"/swaps/{swap.pk}/accept/")

    assert response.status_code == status
    swap.refresh_from_db()
    accepted = status == 302
    assert swap.status == ("accepted" if accepted else "pending")
    assert (presenter_of(mine) == swap.recipient) is accepted


def test_accept_needs_a_post(client, swap, colleague):
    client.force_login(colleague)
    assert client.get(f"/swaps/{swap.pk}/accept/").status_code == 405


def test_accepting_a_refused_swap_shows_why(client, group, swap, colleague, mine):
    Membership.objects.filter(person=colleague, group=group).update(end_date=date(2026, 3, 10))
    client.force_login(colleague)

    response = client.post(f"/swaps/{swap.pk}/accept/", follow=True)

    assert "so the dates cannot be swapped." in response.content.decode()
    assert presenter_of(mine) == swap.requester


@pytest.mark.parametrize(
    ("role", "status", "outcome"),
    [
        ("colleague", 302, "declined"),
        ("trainee", 302, "withdrawn"),
        ("leader", 404, "pending"),
        ("other_group_leader", 404, "pending"),
        ("organiser", 404, "pending"),
    ],
)
def test_who_may_decline_or_withdraw_on_the_page(client, request, swap, role, status, outcome):
    client.force_login(request.getfixturevalue(role))
    response = client.post(f"/swaps/{swap.pk}/decline/")

    assert response.status_code == status
    swap.refresh_from_db()
    assert swap.status == outcome


@pytest.mark.parametrize(("role", "status"), access(trainee=302, colleague=404))
def test_who_may_give_a_date_back_on_the_page(mine, trainee, status, signed_in):
    response = signed_in.post(f"/sessions/{mine.pk}/give-back/")

    assert response.status_code == status
    assert presenter_of(mine) == (None if status == 302 else trainee)


def test_giving_back_on_the_page_emails_the_leaders(
    client, trainee, leader, mine, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(trainee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/sessions/{mine.pk}/give-back/")

    assert response["Location"] == "/rota/"
    assert [m.to for m in mailoutbox] == [[leader.email]]


def test_give_back_needs_a_post(client, trainee, mine):
    client.force_login(trainee)
    assert client.get(f"/sessions/{mine.pk}/give-back/").status_code == 405
    assert presenter_of(mine) == trainee


def test_names_in_plain_text_email_are_not_html_escaped(
    group, colleague, theirs, mailoutbox, django_capture_on_commit_callbacks
):
    obrien = factories.MembershipFactory(
        group=group, person=factories.UserFactory(full_name="Siobhán O'Brien")
    ).person
    mine = SessionFactory(group=group, slot_date=LATE, presenter=obrien)

    with django_capture_on_commit_callbacks(execute=True):
        services.swap_request(requester=obrien, requester_session=mine, recipient_session=theirs)

    (message,) = mailoutbox
    assert message.subject == "Siobhán O'Brien asks to swap presenting dates"
    assert message.body.startswith("Siobhán O'Brien asks to swap")
    assert "O&#x27;Brien" in message.alternatives[0][0]  # the HTML part is escaped


# --- Asking before accepting ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "asked"),
    [(timedelta(hours=48), True), (timedelta(hours=48, minutes=1), False)],
)
def test_accepting_a_date_within_48_hours_shows_a_confirmation_first(
    client, frozen_now, trainee, colleague, mine, theirs, before, asked
):
    """The trainee is asked to take the colleague's date, Wednesday 4 March at 09:00."""
    swap = SwapRequestFactory(requester_session=theirs, recipient_session=mine)
    frozen_now.move_to(theirs.starts_at - before)
    client.force_login(trainee)

    response = client.post(f"/swaps/{swap.pk}/accept/")

    if asked:
        assert response.status_code == 200
        content = response.content.decode()
        assert "That is within 48 hours." in content
        assert "on <strong>Wednesday 4 March, 09:00</strong>" in content
        assert 'name="confirmed" value="1"' in content
        assert presenter_of(theirs) == colleague  # nothing changed yet
        response = client.post(f"/swaps/{swap.pk}/accept/", {"confirmed": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/rota/"
    assert presenter_of(theirs) == trainee


def test_the_confirmation_names_my_own_requests_it_withdraws(
    client, group, trainee, colleague, mine, theirs, mailoutbox, django_capture_on_commit_callbacks
):
    third = factories.MembershipFactory(group=group).person
    thirds = SessionFactory(group=group, slot_date=date(2026, 3, 25), presenter=third)
    my_own = SwapRequestFactory(requester_session=mine, recipient_session=thirds)
    incoming = SwapRequestFactory(requester_session=theirs, recipient_session=mine)
    client.force_login(trainee)

    response = client.post(f"/swaps/{incoming.pk}/accept/")

    assert response.status_code == 200
    closes = response.content.decode().split('id="closes"', 1)[1].split("</div>", 1)[0]
    assert f"Your request to {third.full_name} to swap Wed 18 Mar for Wed 25 Mar" in closes
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/swaps/{incoming.pk}/accept/", {"confirmed": "1"})
    my_own.refresh_from_db()
    assert my_own.status == SwapRequest.Status.WITHDRAWN
    assert [m.to for m in mailoutbox if "withdrawn" in m.subject] == [[third.email]]


def test_withdrawing_on_the_page_tells_the_other_person(
    client, swap, trainee, colleague, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(trainee)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/swaps/{swap.pk}/decline/", follow=True)

    assert f"Swap request withdrawn. {colleague.full_name} is told by email." in (
        response.content.decode()
    )
    assert [m.to for m in mailoutbox] == [[colleague.email]]
