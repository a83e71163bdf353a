"""`/schemes/<pk>/privacy/`: an organiser sets the controller, contact and retention periods."""

import pytest

from groups import services
from groups.models import RetentionRun
from tests.access import ORGANISERS_ONLY


def url(scheme):
    return f"/schemes/{scheme.pk}/privacy/"


VALID = {
    "controller_name": "Training Body",
    "privacy_contact": "dpo@example.org",
    "roster_retention_days": "60",
    "account_retention_days": "365",
}


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_only_the_schemes_organisers(scheme, role, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status
    assert signed_in.post(url(scheme), VALID).status_code in (status, 302)
    scheme.refresh_from_db()
    assert (scheme.controller_name == "Training Body") == (role == "organiser")


def test_saving_the_settings(client, scheme, organiser):
    client.force_login(organiser)

    response = client.post(url(scheme), VALID)

    assert response.status_code == 302
    scheme.refresh_from_db()
    assert (
        scheme.controller_name,
        scheme.privacy_contact,
        scheme.roster_retention_days,
        scheme.account_retention_days,
    ) == ("Training Body", "dpo@example.org", 60, 365)


@pytest.mark.parametrize(
    ("field", "value"),
    [("roster_retention_days", "6"), ("account_retention_days", "29"), ("privacy_contact", "x")],
)
def test_periods_too_short_and_bad_addresses_are_refused(client, scheme, organiser, field, value):
    client.force_login(organiser)

    response = client.post(url(scheme), {**VALID, field: value})

    assert response.status_code == 400
    scheme.refresh_from_db()
    assert scheme.controller_name == ""


def test_the_page_shows_the_latest_retention_runs_and_links_the_log(client, scheme, organiser):
    services.retention_enforce()
    client.force_login(organiser)

    content = client.get(url(scheme)).content.decode()

    assert "0 accounts erased, 0 clashes, 0 emails, 0 on-call shifts removed" in content
    assert f"/schemes/{scheme.pk}/access-log/" in content
    assert RetentionRun.objects.count() == 1


def test_linked_from_the_scheme_page(client, scheme, organiser):
    client.force_login(organiser)

    assert url(scheme) in client.get(f"/schemes/{scheme.pk}/").content.decode()
