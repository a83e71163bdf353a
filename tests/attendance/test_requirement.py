"""A scheme's requirement (sessions required, statuses that count) lives in attendance
(attendance.Requirement), not on groups.Scheme: every scheme has one from creation, the
database refuses a requirement of nothing, and the pages read it without a query more."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from attendance.models import Requirement
from groups.models import Scheme
from tests import factories


def test_a_new_scheme_has_the_default_requirement(db):
    scheme = Scheme.objects.create(name="Defaults")

    requirement = Requirement.objects.get(scheme=scheme)
    assert requirement.sessions_required == 30
    assert requirement.counted_statuses == ["present", "late"]


def test_the_database_refuses_a_requirement_of_nothing(db):
    scheme = factories.SchemeFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Requirement.objects.filter(scheme=scheme).update(sessions_required=0)


@pytest.mark.parametrize("statuses", [[], ["present", "sick"], "present"])
def test_counted_statuses_must_be_a_list_of_known_statuses(db, statuses):
    requirement = factories.SchemeFactory().requirement
    requirement.counted_statuses = statuses
    with pytest.raises(ValidationError):
        requirement.full_clean()


def test_a_scheme_without_a_row_reads_the_defaults(db):
    scheme = factories.SchemeFactory()
    Requirement.objects.filter(scheme=scheme).delete()

    requirement = Requirement.for_scheme(Scheme.objects.get(pk=scheme.pk))

    assert (requirement.sessions_required, requirement.pk) == (30, scheme.pk)
    assert not Requirement.objects.filter(scheme=scheme).exists()


def test_the_factory_sets_the_requirement(db):
    scheme = factories.SchemeFactory(sessions_required=12)
    assert Requirement.objects.get(scheme=scheme).sessions_required == 12


def test_scheme_holds_no_requirement_fields():
    names = {field.name for field in Scheme._meta.get_fields()}
    assert not names & {"sessions_required", "counted_statuses"}
