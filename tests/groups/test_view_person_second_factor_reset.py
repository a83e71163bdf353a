"""/schemes/<pk>/people/<person_pk>/second-factor/: a lost second factor removed by
another organiser of the scheme, or by staff, and recorded in the access log."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.sessions.models import Session

from balint.models import OutboundEmail
from groups.models import AccessLogEntry
from tests import factories


def url(scheme, person):
    return f"/schemes/{scheme.pk}/people/{person.pk}/second-factor/"


def with_second_factor(person):
    TOTP.activate(person, generate_totp_secret())
    RecoveryCodes.activate(person)
    return person


@pytest.fixture
def lost(scheme):
    """A fellow organiser who lost their phone and their recovery codes."""
    return with_second_factor(factories.OrganiserFactory(scheme=scheme).person)


def test_the_people_page_offers_it_for_people_with_a_second_factor(client, organiser, scheme, lost):
    plain = factories.OrganiserFactory(scheme=scheme).person
    client.force_login(organiser)

    body = client.get(f"/schemes/{scheme.pk}/people/").content.decode()

    assert url(scheme, lost) in body
    assert url(scheme, plain) not in body


def test_the_page_says_what_happens(client, organiser, scheme, lost):
    client.force_login(organiser)

    page = client.get(url(scheme, lost))

    assert page.status_code == 200
    assert "Remove their second factor" in page.content.decode()
    assert Authenticator.objects.filter(user=lost).count() == 2


def test_an_organiser_removes_it_logged_and_emailed(client, organiser, scheme, lost):
    client.force_login(organiser)

    done = client.post(url(scheme, lost))

    assert done.status_code == 302
    assert done["Location"] == f"/schemes/{scheme.pk}/people/"
    assert not Authenticator.objects.filter(user=lost).exists()
    entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.SECOND_FACTOR_RESET)
    assert (entry.actor, entry.subject, entry.scheme) == (organiser, lost, scheme)
    assert lost.full_name not in entry.description  # the log names no one in its text
    email = OutboundEmail.objects.get(kind="second_factor_reset")
    assert email.to == lost.email
    assert organiser.full_name in email.body_text
    assert list(email.named.all()) == [organiser]  # found if the organiser is erased


def test_their_open_sessions_end(client, organiser, scheme, lost):
    """The lost phone may be signed in, in someone else's hands."""
    from django.test import Client

    theirs = Client()
    theirs.force_login(lost)
    assert Session.objects.count() == 1
    client.force_login(organiser)

    client.post(url(scheme, lost))

    assert theirs.get("/").status_code == 302  # signed out: to the sign-in page
    assert Session.objects.count() == 1  # the organiser's own


def test_staff_remove_anyones_in_any_scheme(client, scheme, lost):
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)

    done = client.post(url(scheme, lost))

    assert done["Location"] == f"/schemes/{scheme.pk}/access-log/"
    assert not Authenticator.objects.filter(user=lost).exists()
    assert AccessLogEntry.objects.get().actor == staff


@pytest.mark.parametrize(
    "whose",
    ["own", "staff", "organiser_elsewhere"],
)
def test_refused_for_people_an_organiser_may_not_open_up(client, organiser, scheme, whose):
    if whose == "own":
        person = organiser
    elif whose == "staff":
        person = factories.OrganiserFactory(scheme=scheme, person__is_staff=True).person
    else:
        person = factories.OrganiserFactory(scheme=scheme).person
        factories.OrganiserFactory(person=person)  # and of a scheme this organiser does not run
    with_second_factor(person)
    client.force_login(organiser)

    page = client.post(url(scheme, person))

    assert page.status_code == 403
    assert Authenticator.objects.filter(user=person).count() == 2
    assert not AccessLogEntry.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_staff_cannot_remove_their_own(client, scheme):
    staff = with_second_factor(
        factories.OrganiserFactory(scheme=scheme, person__is_staff=True).person
    )
    client.force_login(staff)

    assert client.post(url(scheme, staff)).status_code == 403
    assert Authenticator.objects.filter(user=staff).exists()


@pytest.mark.parametrize("who", ["trainee", "leader", "other_scheme_organiser", "stranger"])
def test_not_found_for_everyone_else(client, request, scheme, lost, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(url(scheme, lost)).status_code == 404
    assert client.post(url(scheme, lost)).status_code == 404
    assert Authenticator.objects.filter(user=lost).count() == 2


def test_not_found_for_someone_outside_the_scheme(client, organiser, scheme):
    outsider = with_second_factor(factories.OrganiserFactory().person)
    client.force_login(organiser)

    assert client.post(url(scheme, outsider)).status_code == 404
    assert Authenticator.objects.filter(user=outsider).exists()


def test_nothing_to_remove_is_said(client, organiser, scheme):
    plain = factories.OrganiserFactory(scheme=scheme).person
    client.force_login(organiser)

    page = client.post(url(scheme, plain), follow=True)

    assert page.status_code == 409
    assert "has no second factor to remove" in page.content.decode()
    assert not AccessLogEntry.objects.exists()


def test_signing_in_again_asks_for_a_new_one(client, organiser, scheme, lost, settings):
    settings.SECOND_FACTOR_REQUIRED = True
    with_second_factor(organiser)
    client.force_login(organiser)
    client.post(url(scheme, lost))

    client.logout()
    client.post("/accounts/login/", {"login": lost.email, "password": factories.PASSWORD})

    assert client.get("/").headers["Location"] == "/accounts/2fa/"


def test_queries_do_not_grow_with_the_people_on_the_people_page(
    client, organiser, scheme, django_assert_max_num_queries
):
    client.force_login(organiser)
    for _ in range(3):
        with_second_factor(factories.OrganiserFactory(scheme=scheme).person)
    with django_assert_max_num_queries(12) as few:
        client.get(f"/schemes/{scheme.pk}/people/")
    for _ in range(10):
        with_second_factor(factories.OrganiserFactory(scheme=scheme).person)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/schemes/{scheme.pk}/people/")
