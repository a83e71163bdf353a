"""`/privacy/`: the public privacy notice, generated from the schemes' settings."""

import pytest

from balint import privacy
from tests import factories


@pytest.fixture
def schemes(db):
    return [
        factories.SchemeFactory(
            name="North Scheme",
            controller_name="North Training Body",
            privacy_contact="dpo@north.example",
            roster_retention_days=60,
            account_retention_days=365,
        ),
        factories.SchemeFactory(name="South Scheme"),
    ]


def test_public_and_generated_from_each_schemes_settings(client, schemes):
    response = client.get("/privacy/")

    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "North Training Body",
        'href="mailto:dpo@north.example"',
        "60 days after they end",
        "365 days after your last membership ends",
        "The organisers of South Scheme",  # no controller named yet
        "90 days after they end",  # South's defaults
        "730 days after your last membership ends",
    ):
        assert text in content


def test_it_lists_what_every_part_holds(client, db):
    content = client.get("/privacy/").content.decode()

    for part in privacy.parts():
        for line in part.held:
            assert line.replace("'", "&#x27;") in content


def test_linked_from_every_pages_footer_and_the_sign_in_page(client, db):
    assert 'href="/privacy/"' in client.get("/accounts/login/").content.decode()
    client.force_login(factories.UserFactory())
    assert 'href="/privacy/"' in client.get("/").content.decode()


def test_it_promises_no_clinical_content_and_says_how_to_get_a_copy(client, db):
    content = client.get("/privacy/").content.decode()

    assert "never asks for or stores clinical content" in content
    assert 'href="/my-data/"' in content


def test_says_when_and_to_whom_feedback_results_are_shown(client, schemes):
    content = client.get("/privacy/").content.decode()
    assert "only after answering has closed" in content
    assert "only if at least three people answered" in content
    assert "so a summary never changes once shown" in content
