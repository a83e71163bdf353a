"""`/themes/<pk>/delete/`: an organiser removes a theme, and with it its tags."""

import pytest

from feedback.models import SessionTheme, Theme
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.attendance import HeldSessionFactory
from tests.factories.feedback import ThemeFactory, tag


@pytest.fixture
def theme(scheme):
    return ThemeFactory(scheme=scheme, name="on-call")


def url(theme):
    return f"/themes/{theme.pk}/delete/"


def test_anonymous_is_sent_to_sign_in(client, theme):
    assert_sign_in_first(client, url(theme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(theme, status, signed_in):
    assert signed_in.get(url(theme)).status_code == status
    if status == 404:
        assert signed_in.post(url(theme)).status_code == 404
        assert Theme.objects.filter(pk=theme.pk).exists()


def test_confirm_then_remove_with_its_tags(client, theme, group, organiser):
    kept = ThemeFactory(scheme=theme.scheme)
    session = HeldSessionFactory(group=group)
    tag(session, theme, kept)
    client.force_login(organiser)

    assert "It tags 1 session" in client.get(url(theme)).content.decode()
    response = client.post(url(theme), follow=True)

    assert not Theme.objects.filter(pk=theme.pk).exists()
    assert list(SessionTheme.objects.values_list("theme", flat=True)) == [kept.pk]
    assert "“on-call” removed from the list and from 1 session." in response.content.decode()
