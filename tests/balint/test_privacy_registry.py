"""balint.privacy: every link to a person is covered by some app's personal-data part."""

import json

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from balint import privacy
from tests import factories


def test_every_link_to_a_person_is_covered_by_a_part():
    """Fails when a model gains a ForeignKey or OneToOneField to the user model and no
    app's `<app>/privacy.py` says how it is exported and erased."""
    missing = privacy.links_to_people() - privacy.covered_links()

    assert not missing, "Not covered by any personal-data part: " + ", ".join(
        sorted(f"{model._meta.label}.{name}" for model, name in missing)
    )


def test_the_walk_sees_every_kind_of_link():
    """The coverage test is only as good as its walk: it finds links of third-party and
    auto-created models too."""
    labels = {f"{model._meta.label}.{name}" for model, name in privacy.links_to_people()}

    assert {
        "account.EmailAddress.user",  # allauth
        "admin.LogEntry.user",  # django.contrib.admin
        "groups.User_groups.user",  # an auto-created many-to-many table
        "balint_sessions.CalendarToken.person",  # a OneToOneField
        "attendance.Certificate.revoked_by",  # an audit link
    } <= labels


def test_no_many_to_many_to_a_person_escapes_the_walk():
    """A many-to-many to the user model shows up as its through model's foreign keys."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ManyToManyField) and field.remote_field.model is user_model:
                through = field.remote_field.through
                assert any(m is through for m, _ in privacy.links_to_people())


def test_parts_cover_only_real_links():
    """A stale entry (a renamed or removed field) would hide a real gap."""
    stale = privacy.covered_links() - privacy.links_to_people()

    assert not stale, sorted(f"{m._meta.label}.{n}" for m, n in stale)


def test_no_link_is_claimed_by_two_parts():
    seen = {}
    for part in privacy.parts():
        for link in part.covers:
            assert link not in seen, f"{link} is in {seen.get(link)} and {part.name}"
            seen[link] = part.name


def test_one_part_per_app_that_holds_personal_data_in_dependency_order():
    assert [part.name for part in privacy.parts()] == [
        "account",
        "sessions",
        "attendance",
        "feedback",
    ]


def test_each_part_says_what_it_holds_for_the_privacy_notice():
    for part in privacy.parts():
        assert part.held, part.name
        assert all(line.endswith(".") for line in part.held)


@pytest.mark.django_db
def test_a_new_persons_export_is_json_lists_of_flat_rows():
    person = factories.UserFactory()

    for part in privacy.parts():
        exported = part.export(person)
        assert isinstance(exported, dict) and exported, part.name
        for stem, rows in exported.items():
            assert stem.isidentifier(), stem
            assert isinstance(rows, list)
            for row in rows:
                assert all(not isinstance(v, dict | list) for v in row.values())
        json.dumps(exported)  # JSON-able as it stands: no default= needed


@pytest.mark.django_db
def test_scrub_replaces_whole_words_only_ignoring_case():
    entry = factories.InvitationFactory(full_name="Ann Annabel, ann and ANN.")

    privacy.scrub_mentions(type(entry).objects.all(), "full_name", ["Annabel", "ann and"])

    entry.refresh_from_db()
    assert entry.full_name == "Ann [erased], [erased] ANN."


def test_short_words_are_not_mentions():
    class Person:
        full_name, email, registration_number = "Al", "al@x.ie", ""

    assert privacy.mentions(Person()) == ["al@x.ie"]
