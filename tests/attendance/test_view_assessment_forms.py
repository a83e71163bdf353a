"""The organiser's assessment form pages (issue 20): the scheme's list, a form started
from the shipped one or written new, changed and retired. The definition and the
services beneath: test_assessment_definition.py."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendance.assessments import services
from attendance.assessments.starting_form import starting_form
from attendance.models import AssessmentForm
from tests import factories
from tests.access import ORGANISERS_ONLY, access, assert_sign_in_first
from tests.factories.assessments import form_of, requested

pytestmark = pytest.mark.usefixtures("frozen_now")

SHIPPED = starting_form().name


@pytest.fixture
def form(scheme, organiser):
    return form_of(scheme)


# Through the names other pages and emails use: without them every test here fails.
def list_url(scheme):
    return reverse("assessment_forms", args=[scheme.pk])


def start_url(scheme):
    return reverse("assessment_form_start", args=[scheme.pk])


def new_url(scheme):
    return reverse("assessment_form_new", args=[scheme.pk])


def edit_url(form):
    return reverse("assessment_form_edit", args=[form.pk])


def retire_url(form):
    return reverse("assessment_form_retire", args=[form.pk])


def fields(**changes) -> dict:
    """What the page posts for a small valid form, with `changes`."""
    return {
        "name": "Case review",
        "introduction": "After a case you presented.",
        "domains": "Presenting: Brings a case that troubles them\nListening",
        "scale": "Not yet\nMet",
        "judgements": "Below\nAt\nAbove",
        "required_per_year": "2",
        "assessor": "leader",
        "days_to_complete": "21",
    } | changes


def field_errors(response, field) -> list[str]:
    return response.context["form"].errors.get(field, [])


def textarea(content: str, name: str) -> str:
    return re.search(rf'<textarea[^>]*name="{name}"[^>]*>', content).group(0)


def test_the_addresses(scheme, form):
    assert list_url(scheme) == f"/schemes/{scheme.pk}/assessment-forms/"
    assert start_url(scheme) == f"/schemes/{scheme.pk}/assessment-forms/start/"
    assert new_url(scheme) == f"/schemes/{scheme.pk}/assessment-forms/new/"
    assert edit_url(form) == f"/assessment-forms/{form.pk}/"
    assert retire_url(form) == f"/assessment-forms/{form.pk}/retire/"


# --- Who may ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [list_url, start_url, new_url, lambda scheme: edit_url(form_of(scheme))]
)
def test_anonymous_is_sent_to_sign_in(client, scheme, url):
    assert_sign_in_first(client, url(scheme))


def test_anonymous_retiring_is_sent_to_sign_in(client, form):
    assert_sign_in_first(client, retire_url(form), method="post")
    assert AssessmentForm.objects.get().retired_at is None


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_the_pages_by_role(scheme, form, group, status, signed_in):
    for url in (list_url(scheme), new_url(scheme), edit_url(form)):
        assert signed_in.get(url).status_code == status, url


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_starting_by_role(scheme, form, group, status, signed_in):
    assert signed_in.post(start_url(scheme)).status_code == status
    assert AssessmentForm.objects.count() == (2 if status == 302 else 1)


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_retiring_by_role(form, group, status, signed_in):
    assert signed_in.post(retire_url(form)).status_code == status
    assert (AssessmentForm.objects.get().retired_at is not None) == (status == 302)


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_saving_by_role(scheme, form, group, status, signed_in):
    assert signed_in.post(new_url(scheme), fields()).status_code == status
    assert signed_in.post(edit_url(form), fields(name="Renamed")).status_code == status
    names = set(AssessmentForm.objects.values_list("name", flat=True))
    assert names == ({"Renamed", "Case review"} if status == 302 else {SHIPPED})


def test_starting_and_retiring_are_posts(client, organiser, form):
    client.force_login(organiser)

    assert client.get(start_url(form.scheme)).status_code == 405
    assert client.get(retire_url(form)).status_code == 405
    assert AssessmentForm.objects.get().retired_at is None


# --- The list --------------------------------------------------------------------------


def test_an_empty_scheme_says_what_to_do(client, scheme, organiser):
    client.force_login(organiser)

    content = client.get(list_url(scheme)).content.decode()

    assert 'id="no-forms"' in content
    assert "No assessment forms yet" in content
    assert re.search(r'class="btn btn-primary"[^>]*>Start from the shipped form<', content)
    assert f'href="{new_url(scheme)}">New form<' in content
    assert f'href="/schemes/{scheme.pk}/"' in content


def test_the_list_shows_each_form_in_use_first(client, scheme, organiser, form):
    client.force_login(organiser)
    AssessmentForm.objects.filter(pk=form.pk).update(name="A retired form")
    client.post(retire_url(form))
    client.post(new_url(scheme), fields())

    response = client.get(list_url(scheme))

    content = response.content.decode()
    assert 'id="no-forms"' not in content
    rows = [
        re.sub(r"(\s*<[^>]+>\s*)+", "|", row)
        for row in re.findall(r"<tr>(.*?)</tr>", content, re.S)
    ]
    assert "|Case review|2|2|The group’s leader|In use|" in rows[1]
    assert "|A retired form|5|1|The leader or a co-leader|Retired 2 Mar 2026|" in rows[2]


def test_the_scheme_page_links_to_the_forms(client, scheme, organiser):
    client.force_login(organiser)

    content = client.get(f"/schemes/{scheme.pk}/").content.decode()

    assert f'href="{list_url(scheme)}"' in content


@pytest.mark.parametrize("count", [1, 8])
def test_the_list_takes_the_same_queries_however_many_forms(
    client, scheme, organiser, count, django_assert_max_num_queries
):
    for n in range(count):
        AssessmentForm.objects.create(scheme=scheme, name=f"Form {n}", retired_at=None)
    client.force_login(organiser)

    # The session, the user, the scheme, its forms, and whatever base.html reads.
    with django_assert_max_num_queries(5):
        response = client.get(list_url(scheme))

    assert response.content.decode().count("In use") == count


# --- Creating --------------------------------------------------------------------------


def test_a_new_form_starts_with_the_usual_scale(client, scheme, organiser):
    client.force_login(organiser)

    response = client.get(new_url(scheme))

    assert "Meets the standard expected" in response.content.decode()
    assert response.context["form"]["domains"].value() in (None, "")


def test_a_form_is_created_through_the_page(client, scheme, organiser):
    client.force_login(organiser)

    response = client.post(new_url(scheme), fields(), follow=True)

    assert response.redirect_chain == [(list_url(scheme), 302)]
    assert "“Case review” created" in response.content.decode()
    created = AssessmentForm.objects.get()
    assert list(created.domains.values_list("name", "descriptor")) == [
        ("Presenting", "Brings a case that troubles them"),
        ("Listening", ""),
    ]
    assert (created.scale, created.judgements) == (["Not yet", "Met"], ["Below", "At", "Above"])
    assert (created.required_per_year, created.days_to_complete) == (2, 21)
    assert created.assessor == AssessmentForm.Assessor.LEADER


def test_bad_lines_and_labels_are_shown_on_their_fields_and_nothing_is_saved(
    client, scheme, organiser
):
    client.force_login(organiser)

    response = client.post(
        new_url(scheme),
        fields(domains="\nPresenting: a case\n: no name", scale="Only one", days_to_complete="0"),
    )

    assert response.status_code == 400
    assert field_errors(response, "domains") == ["Line 3: give the domain a name before the colon."]
    assert field_errors(response, "scale") == ["Give between 2 and 7 rating labels, one a line."]
    assert field_errors(response, "days_to_complete") == ["Allow between 1 and 90 days."]
    assert "Line 3: give the domain a name before the colon." in response.content.decode()
    assert not AssessmentForm.objects.exists()


def test_a_name_in_use_is_shown_on_the_name(client, scheme, organiser, form):
    client.force_login(organiser)

    response = client.post(new_url(scheme), fields(name=SHIPPED))

    assert response.status_code == 400
    assert field_errors(response, "name") == ["The scheme has a form of that name already."]
    assert AssessmentForm.objects.count() == 1


def test_starting_opens_the_new_form_and_a_second_gets_its_own_name(client, scheme, organiser):
    client.force_login(organiser)

    first = client.post(start_url(scheme), follow=True)
    client.post(start_url(scheme))

    made = AssessmentForm.objects.get(name=SHIPPED)
    assert first.redirect_chain == [(edit_url(made), 302)]
    assert "started from the shipped form" in first.content.decode()
    assert AssessmentForm.objects.filter(name=f"{SHIPPED} (2)").exists()


def test_a_start_that_loses_the_name_to_another_says_so(client, scheme, organiser, monkeypatch):
    client.force_login(organiser)
    taken = ValidationError({"name": ["The scheme has a form of that name already."]})

    def start(**kwargs):  # two presses at once: the other took the name first
        raise taken

    monkeypatch.setattr(services, "assessment_form_start", start)

    response = client.post(start_url(scheme), follow=True)

    assert response.redirect_chain == [(list_url(scheme), 302)]
    assert "The scheme has a form of that name already." in response.content.decode()


# --- Changing and retiring -------------------------------------------------------------


def test_the_edit_page_shows_the_form_as_text(client, organiser, form):
    client.force_login(organiser)

    response = client.get(edit_url(form))

    domains = response.context["form"]["domains"].value()
    assert domains.splitlines()[1] == (
        "Presenting a case: Brings a case that troubles them and tells it so the group can "
        "work with it."
    )
    content = response.content.decode()
    assert "disabled" not in textarea(content, "domains")
    assert 'id="fixed"' not in content
    assert f'action="{retire_url(form)}"' in content


def test_an_unused_form_changes_its_wording_through_the_page(client, organiser, form):
    client.force_login(organiser)

    response = client.post(edit_url(form), fields(name="Renamed"))

    assert response.status_code == 302
    form.refresh_from_db()
    assert form.name == "Renamed"
    assert form.scale == ["Not yet", "Met"]
    assert form.domains.count() == 2


def test_a_used_form_shows_its_wording_fixed_and_keeps_it(client, organiser, group, trainee, form):
    requested(trainee, group, form)
    client.force_login(organiser)

    content = client.get(edit_url(form)).content.decode()
    saved = client.post(edit_url(form), fields(name="Renamed"))

    assert 'id="fixed"' in content
    for name in ("domains", "scale", "judgements"):
        assert "disabled" in textarea(content, name)
    assert "disabled" not in textarea(content, "introduction")
    assert saved.status_code == 302
    form.refresh_from_db()
    assert (form.name, form.required_per_year) == ("Renamed", 2)
    assert form.scale == starting_form().scale
    assert list(form.domains.values_list("name", "descriptor")) == starting_form().domains


def test_a_form_used_while_the_page_was_open_refuses_the_new_wording(
    client, organiser, group, trainee, form, monkeypatch
):
    client.force_login(organiser)
    page = client.get(edit_url(form))
    update = services.assessment_form_update

    def used_meanwhile(**kwargs):  # a trainee asks between the page's check and the save
        requested(trainee, group, form)
        return update(**kwargs)

    monkeypatch.setattr(services, "assessment_form_update", used_meanwhile)

    response = client.post(edit_url(form), fields(name="Renamed"))

    assert "disabled" not in textarea(page.content.decode(), "domains")
    assert response.status_code == 400
    assert "domains, scale and judgements stay" in response.context["form"].non_field_errors()[0]
    form.refresh_from_db()
    assert form.name == SHIPPED


def test_retiring_through_the_page(client, scheme, organiser, form):
    client.force_login(organiser)

    response = client.post(retire_url(form), follow=True)

    assert response.redirect_chain == [(list_url(scheme), 302)]
    assert "retired: trainees can no longer ask for it" in response.content.decode()
    form.refresh_from_db()
    assert form.retired_at is not None
    edit = client.get(edit_url(form)).content.decode()
    assert 'id="retired"' in edit
    assert f'action="{retire_url(form)}"' not in edit


def test_another_schemes_form_is_not_found(client, form):
    other = factories.OrganiserFactory().person
    client.force_login(other)

    assert client.get(edit_url(form)).status_code == 404
    assert client.post(retire_url(form)).status_code == 404
    assert AssessmentForm.objects.get().retired_at is None
