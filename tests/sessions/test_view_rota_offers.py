"""`/sessions/<pk>/offer/` and `/offers/<pk>/withdraw/`: a member offers to present and
takes it back; `/rota/presenting/`: the note for first-time presenters."""

import pytest

from sessions.models import PresentingOffer
from sessions.rota import services
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.sessions import FIRST_WEDNESDAY, SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    return SessionFactory(group=group, slot_date=FIRST_WEDNESDAY)


def offer_url(session):
    return f"/sessions/{session.pk}/offer/"


def test_anonymous_is_sent_to_sign_in(client, session):
    assert_sign_in_first(client, offer_url(session), method="post", data={"kind": "volunteer"})
    assert not PresentingOffer.objects.exists()


@pytest.mark.parametrize(("role", "status"), access(trainee=302, leader=403, organiser=403))
def test_only_the_groups_members_may_offer(session, role, status, signed_in):
    """Leaders and organisers see the session but may not offer; anyone else (another
    group's leader, another scheme's organiser) does not see it at all."""
    response = signed_in.post(offer_url(session), {"kind": "volunteer"})

    assert response.status_code == status
    assert PresentingOffer.objects.exists() == (status == 302)


def test_a_member_volunteers_and_is_thanked(client, session, trainee):
    client.force_login(trainee)

    response = client.post(offer_url(session), {"kind": "volunteer"}, follow=True)

    assert response.redirect_chain == [("/rota/", 302)]
    assert "Thank you: the rota gives you Wed 4 Mar" in response.content.decode()
    made = PresentingOffer.objects.get()
    assert (made.person, made.session, made.kind) == (trainee, session, "volunteer")


def test_a_member_has_a_case(client, session, trainee):
    client.force_login(trainee)

    response = client.post(offer_url(session), {"kind": "have_a_case"}, follow=True)

    assert "Your leaders see that you have a case for Wed 4 Mar." in response.content.decode()
    assert PresentingOffer.objects.get().kind == "have_a_case"


def test_a_refused_offer_says_why(client, group, session, trainee):
    session.presenter = factories.MembershipFactory(group=group).person
    session.save()
    client.force_login(trainee)

    response = client.post(offer_url(session), {"kind": "volunteer"}, follow=True)

    assert "That date already has a presenter" in response.content.decode()
    assert not PresentingOffer.objects.exists()


def test_an_unknown_kind_is_refused(client, session, trainee):
    client.force_login(trainee)

    response = client.post(offer_url(session), {"kind": "reluctantly"}, follow=True)

    assert "Choose how you offer to present." in response.content.decode()
    assert not PresentingOffer.objects.exists()


def test_offering_needs_a_post(client, session, trainee):
    client.force_login(trainee)
    assert client.get(offer_url(session)).status_code == 405


# --- Withdrawing -------------------------------------------------------------------------


def withdraw_url(offer):
    return f"/offers/{offer.pk}/withdraw/"


def test_a_member_withdraws_their_offer(client, session, trainee):
    made = services.presenting_offer_make(person=trainee, session=session, kind="volunteer")
    client.force_login(trainee)

    response = client.post(withdraw_url(made), follow=True)

    assert response.redirect_chain == [("/rota/", 302)]
    assert "Offer withdrawn." in response.content.decode()
    assert not PresentingOffer.objects.exists()


@pytest.mark.parametrize("role", ["leader", "organiser", "stranger", "colleague"])
def test_no_one_else_can_withdraw_it(client, request, group, session, trainee, role):
    made = services.presenting_offer_make(person=trainee, session=session, kind="volunteer")
    if role == "colleague":
        client.force_login(factories.MembershipFactory(group=group).person)
    else:
        client.force_login(request.getfixturevalue(role))

    assert client.post(withdraw_url(made)).status_code == 404
    assert PresentingOffer.objects.exists()


def test_a_planned_date_keeps_its_offer(client, group, leader, session, trainee):
    made = services.presenting_offer_make(person=trainee, session=session, kind="volunteer")
    services.rota_assign(actor=leader, group=group)
    client.force_login(trainee)

    response = client.post(withdraw_url(made), follow=True)

    assert "The rota for that date is planned" in response.content.decode()
    assert PresentingOffer.objects.exists()


# --- The note on presenting ---------------------------------------------------------------


def test_the_note_on_presenting_is_short_and_plain(client, trainee):
    assert_sign_in_first(client, "/rota/presenting/")
    client.force_login(trainee)

    response = client.get("/rota/presenting/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1" in content and "Presenting at Balint</h1>" in content
    for point in ("A patient who stays on your mind.", "No notes.", "No identifying details."):
        assert point in content
