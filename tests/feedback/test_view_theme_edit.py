"""`/themes/<pk>/edit/`: an organiser renames a theme of their scheme."""

import pytest

from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.feedback import ThemeFactory


@pytest.fixture
def theme(scheme):
    return ThemeFactory(scheme=scheme, name="on call")


def url(theme):
    return f"/themes/{theme.pk}/edit/"


def test_anonymous_is_sent_to_sign_in(client, theme):
    assert_sign_in_first(client, url(theme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(theme, status, signed_in):
    assert signed_in.get(url(theme)).status_code == status


def test_renaming(client, theme, organiser):
    client.force_login(organiser)

    response = client.post(url(theme), {"name": "on-call"})

    assert response.status_code == 302
    assert response["Location"] == f"/schemes/{theme.scheme_id}/themes/"
    theme.refresh_from_db()
    assert theme.name == "on-call"


def test_changing_only_the_case_is_allowed(client, theme, organiser):
    client.force_login(organiser)
    client.post(url(theme), {"name": "On Call"})
    theme.refresh_from_db()
    assert theme.name == "On Call"


def test_a_name_taken_by_another_theme_is_refused(client, theme, organiser):
    ThemeFactory(scheme=theme.scheme, name="boundaries")
    client.force_login(organiser)

    response = client.post(url(theme), {"name": "Boundaries"})

    assert response.status_code == 400
    assert "already in the list" in response.content.decode()
    theme.refresh_from_db()
    assert theme.name == "on call"


def test_the_guard_refuses_an_identifier(client, theme, organiser):
    client.force_login(organiser)
    response = client.post(url(theme), {"name": "Miss Smith"})
    assert response.status_code == 400
    assert "looks like a title with a surname" in response.content.decode()
    theme.refresh_from_db()
    assert theme.name == "on call"
