"""Issuing, superseding and revoking certificates through attendance/services.py."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from attendance import certificate_selectors as selectors
from attendance import services
from attendance.models import CODE_ALPHABET, CODE_LENGTH, Certificate, new_verification_code
from tests import factories
from tests.factories.attendance import attend, held_sessions, past_wednesdays
from tests.factories.certificates import REQUIRED, CertificateFactory, led_by, trainee_with_sessions
from tests.factories.sessions import NOW

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def scheme(db):
    return factories.SchemeFactory(sessions_required=REQUIRED)


@pytest.fixture
def sessions(group):
    """Four held sessions, one more than the requirement."""
    return held_sessions(group, past_wednesdays(REQUIRED + 1))


def issue(organiser, scheme, trainee) -> Certificate:
    return services.certificate_issue(actor=organiser, scheme=scheme, trainee=trainee)


def current_certificates(scheme, trainee):
    return Certificate.objects.filter(
        scheme=scheme, trainee=trainee, revoked_at__isnull=True, superseded_at__isnull=True
    )


# --- Eligibility ----------------------------------------------------------------------------


def test_eligible_at_and_above_the_requirement_but_not_below(scheme, group, sessions):
    below = trainee_with_sessions(group, sessions, REQUIRED - 1)
    at = trainee_with_sessions(group, sessions, REQUIRED)
    above = trainee_with_sessions(group, sessions, REQUIRED + 1)

    candidates = {row.person.pk: row.counted for row in selectors.certificate_candidates(scheme)}

    assert candidates == {at.pk: REQUIRED, above.pk: REQUIRED + 1}
    assert below not in candidates


def test_issuing_below_the_requirement_is_refused(scheme, group, organiser, sessions):
    below = trainee_with_sessions(group, sessions, REQUIRED - 1)

    with pytest.raises(ValidationError, match="not yet eligible"):
        issue(organiser, scheme, below)

    assert not Certificate.objects.exists()


def test_absences_and_apologies_do_not_count(scheme, group, organiser, sessions):
    trainee = factories.MembershipFactory(group=group).person
    attend(trainee, sessions, ["present", "present", "absent", "apologies"])

    with pytest.raises(ValidationError, match="2 of 3 sessions"):
        issue(organiser, scheme, trainee)


@pytest.mark.parametrize("count", [REQUIRED, REQUIRED + 1])
def test_issuing_at_or_above_the_requirement_counts_every_session(
    scheme, group, organiser, sessions, count
):
    trainee = trainee_with_sessions(group, sessions, count)

    certificate = issue(organiser, scheme, trainee)

    assert certificate.sessions_counted == count
    assert certificate.sessions_required == REQUIRED
    assert certificate.is_current


def test_only_the_schemes_organisers_issue(scheme, group, sessions, leader, other_scheme_organiser):
    trainee = trainee_with_sessions(group, sessions, REQUIRED)

    for actor in (leader, trainee, other_scheme_organiser):
        with pytest.raises(PermissionDenied):
            issue(actor, scheme, trainee)
    assert not Certificate.objects.exists()


# --- Supersede ------------------------------------------------------------------------------


def test_issuing_again_after_more_sessions_supersedes_the_old_one(
    scheme, group, organiser, sessions
):
    trainee = trainee_with_sessions(group, sessions, REQUIRED)
    old = issue(organiser, scheme, trainee)
    attend(trainee, sessions[REQUIRED:], ["present"])

    new = issue(organiser, scheme, trainee)

    old.refresh_from_db()
    assert old.superseded_at == NOW
    assert old.superseded_by == new
    assert not old.is_current
    assert new.is_current
    assert new.sessions_counted == REQUIRED + 1
    assert new.code != old.code
    assert list(current_certificates(scheme, trainee)) == [new]


def test_issuing_again_with_no_new_sessions_is_refused(scheme, group, organiser, sessions):
    trainee = trainee_with_sessions(group, sessions, REQUIRED)
    first = issue(organiser, scheme, trainee)

    with pytest.raises(ValidationError, match="already holds an up-to-date certificate"):
        issue(organiser, scheme, trainee)

    first.refresh_from_db()
    assert first.is_current
    assert Certificate.objects.count() == 1


def test_the_database_allows_one_current_certificate_per_trainee_and_scheme(scheme):
    first = CertificateFactory(scheme=scheme)

    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(scheme=scheme, trainee=first.trainee)


def test_the_database_allows_a_new_one_beside_superseded_and_revoked_ones(scheme):
    first = CertificateFactory(scheme=scheme, superseded_at=NOW)
    CertificateFactory(scheme=scheme, trainee=first.trainee, revoked_at=NOW, revoke_reason="Error")

    CertificateFactory(scheme=scheme, trainee=first.trainee)

    assert Certificate.objects.filter(trainee=first.trainee).count() == 3


def test_the_database_refuses_a_certificate_below_the_requirement(scheme):
    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(scheme=scheme, sessions_counted=REQUIRED - 1)


# --- Revoke ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoking_needs_a_reason(organiser, scheme, reason):
    certificate = CertificateFactory(scheme=scheme)

    with pytest.raises(ValidationError, match="Give a reason"):
        services.certificate_revoke(actor=organiser, certificate=certificate, reason=reason)

    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_revoking_records_when_who_and_why(organiser, scheme):
    certificate = CertificateFactory(scheme=scheme)

    services.certificate_revoke(
        actor=organiser, certificate=certificate, reason="  Issued in error  "
    )

    certificate.refresh_from_db()
    assert certificate.revoked_at == NOW
    assert certificate.revoked_by == organiser
    assert certificate.revoke_reason == "Issued in error"
    assert not certificate.is_current


def test_revoking_twice_is_refused(organiser, scheme):
    certificate = CertificateFactory(scheme=scheme)
    services.certificate_revoke(actor=organiser, certificate=certificate, reason="Error")

    with pytest.raises(ValidationError, match="already revoked"):
        services.certificate_revoke(actor=organiser, certificate=certificate, reason="Again")


def test_only_the_schemes_organisers_revoke(scheme, other_scheme_organiser):
    certificate = CertificateFactory(scheme=scheme)

    for actor in (other_scheme_organiser, certificate.trainee):
        with pytest.raises(PermissionDenied):
            services.certificate_revoke(actor=actor, certificate=certificate, reason="No")
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_after_revoking_a_fresh_certificate_can_be_issued(scheme, group, organiser, sessions):
    trainee = trainee_with_sessions(group, sessions, REQUIRED)
    revoked = issue(organiser, scheme, trainee)
    services.certificate_revoke(actor=organiser, certificate=revoked, reason="Wrong name")

    fresh = issue(organiser, scheme, trainee)

    assert fresh.is_current
    assert list(current_certificates(scheme, trainee)) == [fresh]


# --- Issue for everyone eligible -----------------------------------------------------------


def test_issue_all_eligible_issues_only_for_those_who_need_one(scheme, group, organiser, sessions):
    trainee_with_sessions(group, sessions, REQUIRED - 1)  # not eligible
    newcomer = trainee_with_sessions(group, sessions, REQUIRED)
    up_to_date = trainee_with_sessions(group, sessions, REQUIRED)
    outdated = trainee_with_sessions(group, sessions, REQUIRED)
    kept = issue(organiser, scheme, up_to_date)
    older = issue(organiser, scheme, outdated)
    attend(outdated, sessions[REQUIRED:], ["present"])

    issued = services.certificates_issue_eligible(actor=organiser, scheme=scheme)

    assert {(c.trainee, c.sessions_counted) for c in issued} == {
        (newcomer, REQUIRED),
        (outdated, REQUIRED + 1),
    }
    kept.refresh_from_db()
    older.refresh_from_db()
    assert kept.is_current
    assert older.superseded_by in issued
    assert Certificate.objects.count() == 4


def test_issue_all_eligible_twice_issues_nothing_the_second_time(
    scheme, group, organiser, sessions
):
    trainee_with_sessions(group, sessions, REQUIRED)
    services.certificates_issue_eligible(actor=organiser, scheme=scheme)

    assert services.certificates_issue_eligible(actor=organiser, scheme=scheme) == []
    assert Certificate.objects.count() == 1


def test_issue_all_eligible_is_for_organisers_only(scheme, leader):
    with pytest.raises(PermissionDenied):
        services.certificates_issue_eligible(actor=leader, scheme=scheme)


# --- What the certificate states -----------------------------------------------------------


def test_the_snapshot_names_the_sessions_groups_leaders_and_issuer(
    scheme, group, other_group, organiser
):
    """Counted sessions in two groups; an earlier absence and a later one lie outside the period."""
    group.name, other_group.name = "Wednesday group", "Thursday group"
    group.save()
    other_group.save()
    days = past_wednesdays(5)  # 28 Jan, 4, 11, 18, 25 Feb 2026
    here = held_sessions(group, days[:3])
    there = held_sessions(other_group, days[3:])
    trainee = factories.MembershipFactory(
        group=group,
        person__full_name="Aoife Byrne",
        person__registration_number="IMC 424242",
    ).person
    factories.MembershipFactory(group=other_group, person=trainee)
    attend(trainee, here, ["absent", "present", "late"])
    attend(trainee, there, ["present", "absent"])
    leader = factories.UserFactory(full_name="Dr Máire Leader")
    co_leader = factories.UserFactory(full_name="Dr Colm Coleader")
    missed_leader = factories.UserFactory(full_name="Dr Only Absent Sessions")
    absent_leader = factories.UserFactory(full_name="Dr Stayed Away")
    led_by(leader, here[1:])
    led_by(co_leader, there[:1], role="co_leader")
    led_by(missed_leader, [here[0], there[1]])
    attend(absent_leader, here[1:2], ["absent"], role="leader")

    certificate = issue(organiser, scheme, trainee)

    assert certificate.holder_name == "Aoife Byrne"
    assert certificate.registration_number == "IMC 424242"
    assert certificate.sessions_counted == 3
    assert certificate.period_start == date(2026, 2, 4)
    assert certificate.period_end == date(2026, 2, 18)
    assert certificate.groups == "Thursday group; Wednesday group"
    assert certificate.leaders == "Dr Colm Coleader; Dr Máire Leader"
    assert certificate.issued_by == organiser
    assert certificate.issued_by_name == organiser.full_name
    assert certificate.issued_at == NOW


def test_the_snapshot_does_not_change_with_the_records(scheme, group, organiser, sessions):
    trainee = trainee_with_sessions(group, sessions, REQUIRED, full_name="Aoife Byrne")
    certificate = issue(organiser, scheme, trainee)

    trainee.full_name = "Aoife Byrne-Walsh"
    trainee.save()
    trainee.attendance.update(status="absent")

    certificate.refresh_from_db()
    assert certificate.holder_name == "Aoife Byrne"
    assert certificate.sessions_counted == REQUIRED


# --- Codes ----------------------------------------------------------------------------------


def test_the_code_alphabet_has_no_look_alikes():
    assert set(CODE_ALPHABET).isdisjoint("01OIL")
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET)


def test_codes_use_only_the_alphabet_and_do_not_repeat():
    codes = [new_verification_code() for _ in range(2000)]

    assert all(len(code) == CODE_LENGTH for code in codes)
    assert set("".join(codes)) <= set(CODE_ALPHABET)
    assert len(set(codes)) == len(codes)


def test_issued_certificates_get_distinct_codes_from_the_alphabet(
    scheme, group, organiser, sessions
):
    for _ in range(5):
        trainee_with_sessions(group, sessions, REQUIRED)

    issued = services.certificates_issue_eligible(actor=organiser, scheme=scheme)

    codes = [c.code for c in issued]
    assert len(codes) == 5
    assert len(set(codes)) == 5
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert all(c.display_code == f"{c.code[:4]}-{c.code[4:8]}-{c.code[8:]}" for c in issued)


def test_the_database_refuses_a_repeated_code(scheme):
    first = CertificateFactory(scheme=scheme)

    with pytest.raises(IntegrityError), transaction.atomic():
        CertificateFactory(code=first.code)
