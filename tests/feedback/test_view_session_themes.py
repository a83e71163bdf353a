"""`/sessions/<pk>/themes/`: a leader tags a held session from the list or with a new theme."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from feedback import services
from feedback.models import SessionTheme, Theme
from tests import factories
from tests.access import GROUP_LEADERS_AND_ORGANISERS, assert_sign_in_first
from tests.factories.attendance import HeldSessionFactory
from tests.factories.feedback import ThemeFactory, tag
from tests.factories.sessions import NOW, SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def session(group):
    return HeldSessionFactory(group=group)


def url(session):
    return f"/sessions/{session.pk}/themes/"


def tags(session):
    return sorted(session.theme_tags.values_list("theme__name", flat=True))


def test_anonymous_is_sent_to_sign_in(client, session):
    assert_sign_in_first(client, url(session))


@pytest.mark.parametrize(("role", "status"), GROUP_LEADERS_AND_ORGANISERS)
def test_access_by_role(session, status, signed_in):
    assert signed_in.get(url(session)).status_code == status


def test_only_held_sessions_are_tagged(client, group, leader):
    upcoming = SessionFactory(group=group)
    client.force_login(leader)
    assert client.get(url(upcoming)).status_code == 403


def test_choose_from_the_schemes_list(client, session, leader, scheme):
    on_call, boundaries = (
        ThemeFactory(scheme=scheme, name="on-call"),
        ThemeFactory(scheme=scheme, name="boundaries"),
    )
    ThemeFactory(name="elsewhere")  # another scheme's theme is not offered
    client.force_login(leader)

    response = client.get(url(session))
    assert list(response.context["form"].fields["themes"].queryset) == [boundaries, on_call]

    response = client.post(url(session), {"themes": [on_call.pk, boundaries.pk]})
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{session.group_id}/themes/"
    assert tags(session) == ["boundaries", "on-call"]
    assert set(session.theme_tags.values_list("tagged_by", flat=True)) == {leader.pk}


def test_a_new_theme_joins_the_schemes_list(client, session, leader, scheme):
    client.force_login(leader)

    client.post(url(session), {"new_theme": "  angry   relative "})

    assert tags(session) == ["angry relative"]
    assert list(scheme.themes.values_list("name", flat=True)) == ["angry relative"]


def test_a_new_theme_that_exists_in_another_case_is_reused(client, session, leader, scheme):
    existing = ThemeFactory(scheme=scheme, name="On-call")
    client.force_login(leader)

    client.post(url(session), {"new_theme": "on-CALL"})

    assert list(session.theme_tags.values_list("theme", flat=True)) == [existing.pk]
    assert Theme.objects.filter(scheme=scheme).count() == 1


def test_saving_replaces_the_tags(client, session, leader, scheme):
    old, kept = ThemeFactory(scheme=scheme, name="old"), ThemeFactory(scheme=scheme, name="kept")
    tag(session, old, kept)
    client.force_login(leader)

    response = client.get(url(session))
    assert set(response.context["form"].initial["themes"]) == {old.pk, kept.pk}

    client.post(url(session), {"themes": [kept.pk]})
    assert tags(session) == ["kept"]


@pytest.mark.parametrize(
    "name",
    ["Mrs O'Brien", "DOB 12/03/1980", "MRN 123456", "1234567T", "x" * 41],
)
def test_a_new_theme_that_looks_like_an_identifier_is_refused(client, session, leader, name):
    client.force_login(leader)

    response = client.post(url(session), {"new_theme": name})

    assert response.status_code == 400
    assert "new_theme" in response.context["form"].errors
    assert not Theme.objects.exists()
    assert not SessionTheme.objects.exists()


def test_at_most_five_themes(client, session, leader, scheme):
    themes = [ThemeFactory(scheme=scheme) for _ in range(5)]
    client.force_login(leader)

    response = client.post(
        url(session), {"themes": [t.pk for t in themes], "new_theme": "one too many"}
    )

    assert response.status_code == 400
    assert "at most 5" in response.content.decode()
    assert not SessionTheme.objects.exists()
    assert not Theme.objects.filter(name="one too many").exists()


def test_the_service_refuses_another_schemes_theme(session, leader):
    with pytest.raises(ValidationError):
        services.session_themes_set(actor=leader, session=session, themes=[ThemeFactory()])


def test_the_service_refuses_a_trainee(session, trainee):
    with pytest.raises(PermissionDenied):
        services.session_themes_set(actor=trainee, session=session, themes=[], new_names=["x"])


def test_the_service_guard_applies_without_the_form(session, leader):
    with pytest.raises(ValidationError) as caught:
        services.session_themes_set(
            actor=leader, session=session, themes=[], new_names=["Mr Murphy"]
        )
    assert "looks like a title with a surname" in caught.value.message_dict["new_theme"][0]


def test_a_former_leader_may_not_tag(client, group, session):
    former = factories.LeaderFactory(
        group=group, start_date=NOW.date().replace(month=1), end_date=NOW.date().replace(day=1)
    ).person
    client.force_login(former)
    assert client.get(url(session)).status_code == 403
