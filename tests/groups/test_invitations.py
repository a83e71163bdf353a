"""Invitation end to end: invite -> email -> link -> set password -> signed in, in the group."""

import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import signing
from django.utils import timezone

from balint.models import OutboundEmail
from balint.outbox import outbox_send_due
from groups import services
from groups.models import Invitation, Membership, SchemeOrganiser, User
from tests import factories

PASSWORD = "a-quiet-room-on-wednesdays"
LINK = re.compile(r"https?://[^/\s]+(/invitations/[^/\s]+/)")


def invite(client, organiser, scheme, captured, **fields):
    """The organiser fills in the invitation form; returns the path of the emailed link."""
    data = {
        "full_name": "Aoife Byrne",
        "email": "aoife@example.org",
        "role": "member",
        "group": "",
        "track": "general_practice",
        "start_date": "2026-08-01",
        "end_date": "2026-11-30",
        **fields,
    }
    client.force_login(organiser)
    with captured(execute=True):
        response = client.post(f"/schemes/{scheme.pk}/invitations/new/", data)
    assert response.status_code == 302, response.content.decode()
    client.logout()


def link_in(message) -> str:
    (path,) = LINK.findall(message.body)
    return path


def signed_in_as(client) -> int | None:
    value = client.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def test_invited_member_sets_a_password_and_lands_in_the_group(
    client, scheme, group, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, organiser, scheme, django_capture_on_commit_callbacks, group=group.name)

    (message,) = mailoutbox
    assert message.to == ["aoife@example.org"]
    assert scheme.name in message.subject or scheme.name in message.body
    assert group.name in message.body
    assert "Aoife Byrne" in message.body
    assert list(OutboundEmail.objects.get(kind="invitation").named.all()) == [organiser]
    path = link_in(message)
    # The HTML part carries the same link.
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert path in html

    page = client.get(path)
    assert page.status_code == 200
    assert "password1" in page.context["form"].fields

    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == f"/groups/{group.pk}/"
    person = User.objects.get(email="aoife@example.org")
    assert person.full_name == "Aoife Byrne"
    assert person.check_password(PASSWORD)
    assert signed_in_as(client) == person.pk
    membership = Membership.objects.get(person=person)
    assert membership.group == group
    assert membership.role == Membership.Role.MEMBER
    assert membership.track == Membership.Track.GENERAL_PRACTICE
    assert (membership.start_date, membership.end_date) == (date(2026, 8, 1), date(2026, 11, 30))
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == person
    assert invitation.accepted_at is not None
    assert client.get(f"/groups/{group.pk}/").status_code == 200


def test_invited_person_can_then_sign_in_with_the_password(
    client, scheme, group, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, organiser, scheme, django_capture_on_commit_callbacks, group=group.name)
    path = link_in(mailoutbox[0])
    client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    client.logout()

    response = client.post("/accounts/login/", {"login": "aoife@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert signed_in_as(client) == User.objects.get(email="aoife@example.org").pk


def test_invited_leader_gets_the_leader_role(
    client, scheme, group, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    invite(
        client,
        organiser,
        scheme,
        django_capture_on_commit_callbacks,
        role="co_leader",
        group=group.name,
        track="other",
        end_date="",
    )
    client.post(link_in(mailoutbox[0]), {"password1": PASSWORD, "password2": PASSWORD})

    membership = Membership.objects.get(person__email="aoife@example.org")
    assert membership.role == Membership.Role.CO_LEADER
    assert membership.end_date is None


def test_the_same_link_works_only_once(
    client, scheme, group, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    invite(client, organiser, scheme, django_capture_on_commit_callbacks, group=group.name)
    path = link_in(mailoutbox[0])
    client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    client.logout()

    again = client.get(path)
    assert again.status_code == 404
    assert again.context["reason"] == (
        "This invitation has already been used. Please sign in instead."
    )
    posted = client.post(
        path, {"password1": "another-pass-phrase", "password2": "another-pass-phrase"}
    )
    assert posted.status_code == 404
    assert User.objects.get(email="aoife@example.org").check_password(PASSWORD)
    assert Membership.objects.filter(person__email="aoife@example.org").count() == 1
    assert signed_in_as(client) is None


def test_organiser_invitation_grants_the_organiser_role(
    client, scheme, organiser, mailoutbox, django_capture_on_commit_callbacks
):
    invite(
        client,
        organiser,
        scheme,
        django_capture_on_commit_callbacks,
        role="organiser",
        start_date="",
        end_date="",
    )
    response = client.post(link_in(mailoutbox[0]), {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    person = User.objects.get(email="aoife@example.org")
    assert SchemeOrganiser.objects.filter(scheme=scheme, person=person).exists()
    assert not Membership.objects.filter(person=person).exists()
    assert client.get(f"/schemes/{scheme.pk}/").status_code == 200


def test_mismatched_passwords_create_nothing(client, scheme, group):
    invitation = factories.InvitationFactory(scheme=scheme, group=group)
    path = f"/invitations/{services.invitation_token(invitation)}/"

    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD + "x"})

    assert response.context["form"].errors["password2"] == ["The two passwords differ."]
    assert not User.objects.filter(email=invitation.email).exists()
    assert signed_in_as(client) is None
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_weak_password_is_refused(client, scheme, group):
    invitation = factories.InvitationFactory(scheme=scheme, group=group)
    path = f"/invitations/{services.invitation_token(invitation)}/"

    response = client.post(path, {"password1": "12345678", "password2": "12345678"})

    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email=invitation.email).exists()


def test_expired_link_is_refused(client, scheme, group):
    invitation = factories.InvitationFactory(
        scheme=scheme, group=group, expires_at=timezone.now() - timedelta(seconds=1)
    )
    path = f"/invitations/{services.invitation_token(invitation)}/"

    assert client.get(path).context["reason"].startswith("This invitation has expired.")
    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 404
    assert not User.objects.filter(email=invitation.email).exists()


def test_revoked_link_is_refused(client, scheme, group):
    invitation = factories.InvitationFactory(scheme=scheme, group=group, revoked_at=timezone.now())
    path = f"/invitations/{services.invitation_token(invitation)}/"

    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 404
    assert response.context["reason"] == "This invitation was withdrawn by the scheme organiser."
    assert not User.objects.filter(email=invitation.email).exists()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # signature changed
        lambda token: "x" + token,  # payload changed
        lambda token: signing.dumps(int(signing.loads(token, salt="balint.invitation")) + 1),
    ],
    ids=["signature", "payload", "unsalted"],
)
def test_tampered_link_is_refused(client, scheme, group, tamper):
    invitation = factories.InvitationFactory(scheme=scheme, group=group)
    token = tamper(services.invitation_token(invitation))

    response = client.post(f"/invitations/{token}/", {"password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 404
    assert response.context["reason"] == "This invitation link is not valid."
    assert not User.objects.filter(email=invitation.email).exists()


def test_link_to_a_deleted_invitation_is_refused(client, scheme, group):
    invitation = factories.InvitationFactory(scheme=scheme, group=group)
    token = services.invitation_token(invitation)
    invitation.delete()

    response = client.get(f"/invitations/{token}/")

    assert response.status_code == 404
    assert response.context["reason"] == "This invitation link is not valid."


def test_existing_account_must_sign_in_first(client, scheme, group, other_group_leader):
    invitation = factories.InvitationFactory(
        scheme=scheme, group=group, email=other_group_leader.email
    )
    path = f"/invitations/{services.invitation_token(invitation)}/"

    page = client.get(path)
    assert page.status_code == 200
    assert page.context["has_account"] is True
    assert page.context["form"] is None
    sign_in_link = f'href="/accounts/login/?next={quote(path, safe="/")}"'
    assert sign_in_link in page.content.decode()

    refused = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert refused.status_code == 403
    assert not group.memberships.filter(person=other_group_leader).exists()
    assert not other_group_leader.check_password(PASSWORD)

    signed_in = client.post(
        f"/accounts/login/?next={quote(path, safe='/')}",
        {"login": other_group_leader.email, "password": factories.PASSWORD},
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == path
    assert "Accept the invitation" in client.get(path).content.decode()
    accepted = client.post(path)
    assert accepted.status_code == 302
    assert group.memberships.filter(person=other_group_leader).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == other_group_leader


@pytest.mark.parametrize(
    "stored_address",
    [
        lambda person: person.email.upper(),  # the same address in other letters
        lambda person: "old." + person.email,  # an address since changed in the admin
    ],
    ids=["case", "changed"],
)
def test_existing_account_with_a_differently_stored_address_can_accept(
    client, scheme, group, stored_address
):
    from allauth.account.models import EmailAddress

    person = factories.UserFactory()
    EmailAddress.objects.filter(user=person).update(email=stored_address(person))
    invitation = factories.InvitationFactory(scheme=scheme, group=group, email=person.email)

    client.force_login(person)
    response = client.post(f"/invitations/{services.invitation_token(invitation)}/")

    assert response.status_code == 302
    assert group.memberships.filter(person=person).exists()
    primary = EmailAddress.objects.get(user=person, primary=True)
    assert primary.email.lower() == person.email
    assert primary.verified


def test_someone_else_signed_in_cannot_take_an_existing_persons_invitation(
    client, scheme, group, other_group_leader, stranger
):
    invitation = factories.InvitationFactory(
        scheme=scheme, group=group, email=other_group_leader.email
    )
    client.force_login(stranger)

    response = client.post(f"/invitations/{services.invitation_token(invitation)}/")

    assert response.status_code == 403
    assert not group.memberships.exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_the_email_is_not_sent_for_an_invitation_withdrawn_before_delivery(
    scheme, group, organiser, mailoutbox
):
    data = services.InvitationData(
        email="late@example.org",
        full_name="Late Withdrawal",
        role="member",
        group=group,
        start_date=timezone.localdate(),
    )
    # Queued, not sent yet (the worker has not run: no on-commit callbacks here).
    invitation = services.invitation_create(actor=organiser, scheme=scheme, data=data)

    services.invitation_revoke(actor=organiser, invitation=invitation)
    outbox_send_due()

    assert mailoutbox == []
    email = OutboundEmail.objects.get(object_key=f"invitation:{invitation.pk}")
    assert email.state == OutboundEmail.State.CANCELLED


def test_invitation_link_uses_the_site_url(scheme, group, settings):
    settings.SITE_URL = "https://balint.example.org"
    invitation = factories.InvitationFactory(scheme=scheme, group=group)

    url = services.invitation_url(invitation)

    assert url.startswith("https://balint.example.org/invitations/")
    assert services.invitation_from_token(url.rsplit("/", 2)[1]) == invitation
