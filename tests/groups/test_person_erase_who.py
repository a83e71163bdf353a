"""groups.services.person_erase: who may erase whom, and the pages after an erasure.
What an erasure removes and keeps is in test_person_erase.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from attendance import services as attendance_services
from attendance.models import Certificate, CertificateExport
from groups import services
from groups.models import (
    Membership,
    PersonErasure,
)
from tests import factories
from tests.factories.privacy import (
    MEMBERSHIP_END,
    MEMBERSHIP_START,
    ZEB,
    erase,
)
from tests.factories.sessions import NOW

pytestmark = pytest.mark.usefixtures("frozen_now")


# --- Who may erase whom ----------------------------------------------------------------


def test_nobody_erases_themselves(scene):
    with pytest.raises(PermissionDenied):
        services.person_erase(actor=scene.organiser, person=scene.organiser, scheme=scene.scheme)
    staff = factories.UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        services.person_erase(actor=staff, person=staff)


def test_a_current_member_is_not_erased_until_their_membership_ends(scene):
    factories.MembershipFactory(person=scene.zeb, group=scene.group, start_date=NOW.date())

    with pytest.raises(ValidationError, match="end that membership"):
        erase(scene)
    scene.zeb.refresh_from_db()
    assert scene.zeb.full_name == ZEB["full_name"]
    assert not PersonErasure.objects.exists()


def test_a_membership_ending_today_is_still_current(scene):
    Membership.objects.filter(person=scene.zeb).update(end_date=NOW.date())

    with pytest.raises(ValidationError):
        erase(scene)


def test_an_organiser_of_another_scheme_may_not(scene):
    outsider = factories.OrganiserFactory().person

    with pytest.raises(PermissionDenied):
        services.person_erase(actor=outsider, person=scene.zeb, scheme=scene.scheme)
    with pytest.raises(PermissionDenied):
        services.person_erase(
            actor=outsider, person=scene.zeb, scheme=outsider.organiser_roles.get().scheme
        )


@pytest.mark.parametrize("role", ["leader", "zeb", "otto"])
def test_leaders_and_trainees_may_not(scene, role):
    actor = scene.leader if role == "leader" else scene.people[role]
    target = scene.otto if role != "otto" else scene.zeb

    with pytest.raises(PermissionDenied):
        services.person_erase(actor=actor, person=target, scheme=scene.scheme)


def test_someone_with_a_role_in_another_scheme_is_for_staff(scene):
    elsewhere = factories.GroupFactory()
    factories.MembershipFactory(
        person=scene.zeb, group=elsewhere, start_date=MEMBERSHIP_START, end_date=MEMBERSHIP_END
    )

    with pytest.raises(PermissionDenied, match="staff"):
        erase(scene)
    staff = factories.UserFactory(is_staff=True)
    erasure = services.person_erase(actor=staff, person=scene.zeb)
    assert (erasure.reason, erasure.scheme, erasure.erased_by) == ("staff", None, staff)


def test_a_staff_account_is_for_staff(scene):
    scene.zeb.is_staff = True
    scene.zeb.save()

    with pytest.raises(PermissionDenied):
        erase(scene)


def test_the_retention_task_erases_without_an_actor(scene):
    erasure = services.person_erase(actor=None, person=scene.zeb, scheme=scene.scheme)

    assert (erasure.reason, erasure.erased_by) == (PersonErasure.Reason.RETENTION, None)


def test_issuing_to_everyone_eligible_leaves_an_erased_person_out(scene):
    scene.certificates["zeb"].delete()
    erase(scene)

    issued = attendance_services.certificates_issue_eligible(
        actor=scene.organiser, scheme=scene.scheme
    )

    assert issued == []
    assert not Certificate.objects.filter(trainee=scene.zeb).exists()


# --- Pages after an erasure ------------------------------------------------------------------


def test_the_organisers_certificate_list_says_erased_and_offers_no_pdf(client, scene):
    certificate = scene.certificates["zeb"]
    erase(scene)
    client.force_login(scene.organiser)

    content = client.get(f"/schemes/{scene.scheme.pk}/certificates/").content.decode()

    assert "Record erased 2 Mar 2026" in content
    assert f"/certificates/{certificate.pk}.pdf" not in content
    assert client.get(f"/certificates/{certificate.pk}.pdf").status_code == 404


def test_a_bulk_export_leaves_erased_holders_out(client, scene):
    erase(scene)
    client.force_login(scene.organiser)

    client.post(f"/schemes/{scene.scheme.pk}/certificates/export/", {"scope": "current"})

    export = CertificateExport.objects.get()
    assert list(export.certificates.all()) == [scene.certificates["otto"]]
