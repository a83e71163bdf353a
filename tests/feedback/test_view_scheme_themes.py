"""`/schemes/<pk>/themes/`: the organiser's list of themes, and adding to it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from feedback import services
from feedback.models import Theme
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.attendance import HeldSessionFactory
from tests.factories.feedback import ThemeFactory, tag


def url(scheme):
    return f"/schemes/{scheme.pk}/themes/"


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status
    assert signed_in.post(url(scheme), {"name": "on-call"}).status_code in (status, 302)
    assert Theme.objects.exists() == (status == 200)


def test_lists_the_schemes_themes_alphabetically_with_their_use(client, scheme, group, organiser):
    boundaries = ThemeFactory(scheme=scheme, name="boundaries")
    ThemeFactory(scheme=scheme, name="Angry relative")
    ThemeFactory(name="elsewhere")
    tag(HeldSessionFactory(group=group), boundaries)
    client.force_login(organiser)

    response = client.get(url(scheme))

    listed = [(t.name, t.sessions) for t in response.context["themes"]]
    assert listed == [("Angry relative", 0), ("boundaries", 1)]


def test_adding_a_theme(client, scheme, organiser):
    client.force_login(organiser)

    response = client.post(url(scheme), {"name": " frequent  attender "}, follow=True)

    assert list(scheme.themes.values_list("name", flat=True)) == ["frequent attender"]
    assert "“frequent attender” added to the list." in response.content.decode()


def test_a_name_already_in_the_list_in_any_case_is_refused(client, scheme, organiser):
    ThemeFactory(scheme=scheme, name="On-call")
    client.force_login(organiser)

    response = client.post(url(scheme), {"name": "on-call"})

    assert response.status_code == 400
    assert "“on-call” is already in the list." in response.content.decode()
    assert scheme.themes.count() == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Mr Murphy", "“Mr Murphy” looks like a title with a surname"),
        ("seen 12/03/1980", "“12/03/1980” looks like a date"),
        ("H1234567", "“H1234567” looks like a medical record number"),
        ("x" * 41, "at most 40 characters"),
        ("   ", "This field is required."),
    ],
)
def test_the_guard_refuses_identifiers_with_a_clear_message(
    client, scheme, organiser, name, message
):
    client.force_login(organiser)

    response = client.post(url(scheme), {"name": name})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Theme.objects.exists()


@pytest.mark.parametrize("name", ["on-call", "frequent attender", "death of a patient"])
def test_ordinary_themes_are_added(client, scheme, organiser, name):
    client.force_login(organiser)
    client.post(url(scheme), {"name": name})
    assert list(scheme.themes.values_list("name", flat=True)) == [name]


def test_the_service_checks_the_guard_and_permission(scheme, organiser, leader):
    with pytest.raises(ValidationError):
        services.theme_create(actor=organiser, scheme=scheme, name="Mrs O'Brien")
    with pytest.raises(PermissionDenied):
        services.theme_create(actor=leader, scheme=scheme, name="on-call")
    assert not Theme.objects.exists()
