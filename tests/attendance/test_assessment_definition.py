"""A scheme's assessment forms: the plain-text definition an organiser writes
(attendance.assessments.definition) and the services that create, start, change and
retire a form. The pages: test_view_assessment_forms.py."""

from dataclasses import replace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from attendance.assessments import services
from attendance.assessments.definition import (
    FormDefinition,
    domains_text,
    form_definition_check,
    parse_domains,
    parse_labels,
)
from attendance.assessments.starting_form import starting_form
from attendance.models import AssessmentDomain, AssessmentForm
from tests.factories.assessments import form_of, requested

pytestmark = pytest.mark.usefixtures("frozen_now")


def definition(**changes) -> FormDefinition:
    return replace(starting_form(), **changes)


def domains_of(form) -> list[tuple[str, str]]:
    return list(form.domains.values_list("name", "descriptor"))


# --- Parsing the text ------------------------------------------------------------------


def test_labels_are_one_a_line_trimmed_and_blank_lines_skipped():
    assert parse_labels("\n  Low \n\n\tHigh\n   \n") == ["Low", "High"]


def test_domains_are_a_name_and_a_descriptor_after_the_first_colon():
    text = "\nPresenting: Brings a case: any case\n\nListening\n  Reflection :  Thinks  \n"

    domains, problems = parse_domains(text)

    assert problems == []
    assert domains == [
        ("Presenting", "Brings a case: any case"),
        ("Listening", ""),
        ("Reflection", "Thinks"),
    ]


def test_a_domain_without_a_name_is_named_by_its_line_counting_blank_lines():
    domains, problems = parse_domains("Presenting: a case\n\n: no name here\nListening")

    assert domains == [("Presenting", "a case"), ("Listening", "")]
    assert problems == ["Line 3: give the domain a name before the colon."]


def test_long_names_and_descriptors_are_named_by_their_line():
    text = f"{'N' * 101}: fine\n{'N' * 100}: {'d' * 501}\n{'N' * 100}: {'d' * 500}"

    domains, problems = parse_domains(text)

    assert problems == [
        "Line 1: keep the domain’s name under 100 characters.",
        "Line 2: keep the descriptor under 500 characters.",
    ]
    assert domains == [("N" * 100, "d" * 500)]


def test_domains_text_reads_back_as_the_same_domains():
    domains = [("Presenting", "Brings a case: any case"), ("Listening", "")]

    assert parse_domains(domains_text(domains)) == (domains, [])


# --- Checking a definition -------------------------------------------------------------


def test_the_shipped_form_passes_the_check():
    assert form_definition_check(starting_form()) == {}


@pytest.mark.parametrize(
    ("field", "labels", "problem"),
    [
        ("scale", ["Only"], "Give between 2 and 7 rating labels, one a line."),
        ("scale", [f"L{i}" for i in range(8)], "Give between 2 and 7 rating labels, one a line."),
        ("scale", ["Low", "  "], "Every one of the rating labels needs words."),
        ("scale", ["Low", "high", "HIGH "], "The rating labels must all differ."),
        ("scale", ["Low", "H" * 101], "Keep each of the rating labels under 100 characters."),
        ("judgements", ["One"], "Give between 2 and 5 judgement labels, one a line."),
        ("judgements", list("abcdef"), "Give between 2 and 5 judgement labels, one a line."),
        ("judgements", ["Met", "met"], "The judgement labels must all differ."),
    ],
)
def test_labels_out_of_bounds_are_refused_on_their_field(field, labels, problem):
    assert form_definition_check(definition(**{field: labels})) == {field: [problem]}


def test_label_counts_at_the_bounds_pass():
    assert form_definition_check(definition(scale=["a", "b"], judgements=list("abcde"))) == {}
    assert form_definition_check(definition(scale=list("abcdefg"), judgements=["a", "b"])) == {}


@pytest.mark.parametrize("count", [0, 13])
def test_between_one_and_twelve_domains(count):
    domains = [(f"Domain {i}", "") for i in range(count)]

    assert form_definition_check(definition(domains=domains)) == {
        "domains": ["Give between 1 and 12 domains, one a line."]
    }


def test_twelve_domains_pass_but_two_of_one_name_do_not():
    twelve = [(f"Domain {i}", "") for i in range(12)]

    assert form_definition_check(definition(domains=twelve)) == {}
    assert form_definition_check(definition(domains=[("Listening", "a"), ("listening ", "b")])) == {
        "domains": ["Two domains have the same name."]
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"required_per_year": -1}, "required_per_year"),
        ({"required_per_year": 13}, "required_per_year"),
        ({"days_to_complete": 0}, "days_to_complete"),
        ({"days_to_complete": 91}, "days_to_complete"),
        ({"assessor": "anyone"}, "assessor"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_the_other_fields_out_of_bounds(changes, field):
    assert list(form_definition_check(definition(**changes))) == [field]


def test_the_bounds_themselves_pass():
    for changes in (
        {"required_per_year": 0, "days_to_complete": 1},
        {"required_per_year": 12, "days_to_complete": 90},
    ):
        assert form_definition_check(definition(**changes)) == {}


# --- Services --------------------------------------------------------------------------


def test_an_organiser_creates_a_form_with_its_domains_in_order(scheme, organiser):
    domains = [("Presenting", " Brings a case "), (" Listening ", "")]

    form = services.assessment_form_create(
        actor=organiser,
        scheme=scheme,
        definition=definition(name=" Case review ", domains=domains, scale=[" Low", "High "]),
    )

    assert form.name == "Case review"
    assert form.scale == ["Low", "High"]
    assert domains_of(form) == [("Presenting", "Brings a case"), ("Listening", "")]
    assert list(form.domains.values_list("position", flat=True)) == [1, 2]


def test_a_definition_with_problems_saves_nothing(scheme, organiser):
    with pytest.raises(ValidationError) as raised:
        services.assessment_form_create(
            actor=organiser, scheme=scheme, definition=definition(scale=["Only"], domains=[])
        )

    assert set(raised.value.message_dict) == {"scale", "domains"}
    assert not AssessmentForm.objects.exists()


def test_a_name_the_scheme_uses_is_a_field_error(scheme, organiser):
    form_of(scheme)

    with pytest.raises(ValidationError) as raised:
        services.assessment_form_create(actor=organiser, scheme=scheme, definition=definition())

    assert raised.value.message_dict == {"name": ["The scheme has a form of that name already."]}
    assert AssessmentForm.objects.count() == 1


def test_another_scheme_may_use_the_same_name(scheme, other_scheme_organiser):
    form_of(scheme)
    other = other_scheme_organiser.organiser_roles.get().scheme
    services.assessment_form_create(
        actor=other_scheme_organiser, scheme=other, definition=definition()
    )

    assert AssessmentForm.objects.filter(name=starting_form().name).count() == 2


def test_starting_twice_gives_a_second_name(scheme, organiser):
    first = services.assessment_form_start(actor=organiser, scheme=scheme)
    second = services.assessment_form_start(actor=organiser, scheme=scheme)

    assert first.name == starting_form().name
    assert second.name == f"{starting_form().name} (2)"
    assert domains_of(second) == starting_form().domains


@pytest.mark.parametrize("role", ["trainee", "leader", "other_scheme_organiser", "stranger"])
def test_only_the_schemes_organisers_write_its_forms(scheme, group, request, role):
    form = form_of(scheme)
    person = request.getfixturevalue(role)
    changed = definition(name="Renamed")

    with pytest.raises(PermissionDenied):
        services.assessment_form_create(actor=person, scheme=scheme, definition=changed)
    with pytest.raises(PermissionDenied):
        services.assessment_form_start(actor=person, scheme=scheme)
    with pytest.raises(PermissionDenied):
        services.assessment_form_update(actor=person, form=form, definition=changed)
    with pytest.raises(PermissionDenied):
        services.assessment_form_retire(actor=person, form=form)

    form.refresh_from_db()
    assert (form.name, form.retired_at) == (starting_form().name, None)
    assert AssessmentForm.objects.count() == 1


def test_an_unused_form_changes_its_wording(scheme, organiser):
    form = form_of(scheme)
    changed = definition(
        domains=[("Listening", "Hears the others.")],
        scale=["No", "Yes"],
        judgements=["Not yet", "Yes"],
    )

    services.assessment_form_update(actor=organiser, form=form, definition=changed)

    form.refresh_from_db()
    assert domains_of(form) == [("Listening", "Hears the others.")]
    assert (form.scale, form.judgements) == (["No", "Yes"], ["Not yet", "Yes"])
    assert AssessmentDomain.objects.filter(form=form).count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"domains": [("Listening", "Hears the others.")]},
        {"scale": ["No", "Yes"]},
        {"judgements": ["Not yet", "Yes"]},
    ],
)
def test_a_used_form_keeps_its_wording(scheme, group, trainee, organiser, changes):
    form = form_of(scheme)
    requested(trainee, group, form)

    with pytest.raises(ValidationError) as raised:
        services.assessment_form_update(
            actor=organiser, form=form, definition=definition(name="Renamed", **changes)
        )

    assert "domains, scale and judgements stay" in raised.value.messages[0]
    form.refresh_from_db()
    assert form.name == starting_form().name
    assert domains_of(form) == starting_form().domains
    assert form.scale == starting_form().scale


def test_a_used_form_changes_its_name_numbers_and_assessor(scheme, group, trainee, organiser):
    form = form_of(scheme)
    requested(trainee, group, form)
    domain_pks = list(form.domains.values_list("pk", flat=True))

    services.assessment_form_update(
        actor=organiser,
        form=form,
        definition=definition(
            name="CBDGA",
            introduction="Ours.",
            required_per_year=2,
            days_to_complete=21,
            assessor=AssessmentForm.Assessor.LEADER,
        ),
    )

    form.refresh_from_db()
    assert (form.name, form.introduction) == ("CBDGA", "Ours.")
    assert (form.required_per_year, form.days_to_complete) == (2, 21)
    assert form.assessor == AssessmentForm.Assessor.LEADER
    # The domains the request's ratings will point at are the same rows.
    assert list(form.domains.values_list("pk", flat=True)) == domain_pks


def test_a_used_form_compares_its_wording_without_surrounding_spaces(
    scheme, group, trainee, organiser
):
    form = form_of(scheme)
    requested(trainee, group, form)
    shipped = starting_form()
    spaced = replace(
        shipped,
        name="Spaced",
        domains=[(f" {name} ", f"{text}  ") for name, text in shipped.domains],
        scale=[f"{label} " for label in shipped.scale],
        judgements=[f" {label}" for label in shipped.judgements],
    )
    services.assessment_form_update(actor=organiser, form=form, definition=spaced)
    form.refresh_from_db()
    assert form.name == "Spaced"


def test_renaming_to_a_name_in_use_is_a_field_error(scheme, organiser):
    form_of(scheme)
    other = services.assessment_form_create(
        actor=organiser, scheme=scheme, definition=definition(name="Second")
    )

    with pytest.raises(ValidationError) as raised:
        services.assessment_form_update(actor=organiser, form=other, definition=definition())

    assert list(raised.value.message_dict) == ["name"]
    other.refresh_from_db()
    assert other.name == "Second"


def test_retiring_keeps_the_first_time(scheme, organiser, frozen_now):
    form = form_of(scheme)

    services.assessment_form_retire(actor=organiser, form=form)
    first = AssessmentForm.objects.get().retired_at
    frozen_now.shift(3600)
    services.assessment_form_retire(actor=organiser, form=AssessmentForm.objects.get())

    assert first is not None
    assert AssessmentForm.objects.get().retired_at == first
