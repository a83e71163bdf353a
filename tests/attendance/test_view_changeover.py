"""`/schemes/<pk>/changeover/`: the organiser's rotation changeover page (issue 19), with
its rotation dates. The plan and its apply: test_changeover.py; the CSV:
test_changeover_csv.py."""

import re

import pytest

from attendance.models import RotationDate
from groups.models import Invitation, Membership
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.attendance.changeover import DAY, EVE, GP, build, csv_bytes, places
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory, past_wednesdays

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def world(scheme, group):
    return build(scheme, a=group)


def url(scheme, day=DAY):
    return f"/schemes/{scheme.pk}/changeover/" + (f"?day={day}" if day else "")


def post(client, scheme, **data):
    return client.post(url(scheme, day=None), {"day": DAY.isoformat(), **data})


def upload(raw: bytes, name="cohort.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, raw, content_type="text/csv")


def test_anonymous_is_sent_to_sign_in(client, world):
    assert_sign_in_first(client, url(world.scheme, day=None))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(world, status, signed_in):
    assert signed_in.get(url(world.scheme)).status_code == status


@pytest.mark.parametrize("role", ["trainee", "leader", "other_scheme_organiser"])
def test_nobody_else_applies_a_changeover_or_keeps_the_dates(world, client, request, role):
    client.force_login(request.getfixturevalue(role))
    before = places(world.scheme)
    rotation = RotationDate.objects.get()

    assert post(client, world.scheme, action="apply").status_code == 404
    dates = f"/schemes/{world.scheme.pk}/changeover/rotation-dates/"
    assert client.post(dates, {"track": GP, "first": "2026-08-05", "count": 1}).status_code == 404
    assert client.post(f"{dates}{rotation.pk}/delete/").status_code == 404
    assert places(world.scheme) == before
    assert RotationDate.objects.count() == 1


def test_the_page_starts_from_the_next_rotation_day(client, world, organiser):
    client.force_login(organiser)

    response = client.get(url(world.scheme, day=None))

    assert response.context["plan"].day == DAY
    content = response.content.decode()
    assert 'value="2026-04-01"' in content
    for person in (world.gp1, world.gp2):
        assert person.full_name in content
    assert world.psychiatry.full_name not in content
    assert "2 of 3 sessions counted" in content
    assert content.count("Leaves before reaching 3") == 2
    assert "Below the minimum of 2." in content


def test_people_of_the_scheme_are_picked_and_applied(client, world, organiser):
    client.force_login(organiser)

    picked = post(
        client, world.scheme, action="add", emails=world.returning.email, group=world.b.name
    )

    assert picked.status_code == 200
    plan = picked.context["plan"]
    assert [(r.person, r.group, r.how) for r in plan.joiners] == [
        (world.returning, world.b, "member")
    ]
    picks = re.findall(r'name="pick" value="([^"]+)"', picked.content.decode())
    assert picks == [f"{world.returning.pk}:{world.b.pk}:psychiatry"]

    applied = post(client, world.scheme, action="apply", pick=picks, digest=plan.digest)

    assert applied.status_code == 302
    assert applied["Location"] == url(world.scheme)
    assert Membership.objects.get(person=world.returning, start_date=DAY).group == world.b
    assert Membership.objects.filter(end_date=EVE).count() == 2


def test_a_pick_is_removed_and_a_leaver_kept(client, world, organiser):
    client.force_login(organiser)
    keep = Membership.objects.get(person=world.gp2)
    picks = [f"{world.returning.pk}:{world.b.pk}:psychiatry", f"{world.gp1.pk}:{world.b.pk}:{GP}"]

    response = post(client, world.scheme, pick=picks, drop="0", keep=[keep.pk])

    plan = response.context["plan"]
    assert [r.person for r in plan.joiners] == [world.gp1]
    assert [r.membership.person for r in plan.to_end] == [world.gp1]


def test_an_address_no_one_in_the_scheme_has_is_refused(client, world, organiser):
    client.force_login(organiser)

    response = post(
        client, world.scheme, action="add", emails="nobody@example.org", group=world.b.name
    )

    assert response.status_code == 400
    assert "No one in this scheme has nobody@example.org" in response.content.decode()
    assert response.context["plan"].joiners == []


def test_a_plan_other_than_the_one_seen_is_not_applied(client, world, organiser):
    client.force_login(organiser)

    response = post(client, world.scheme, action="apply", digest="what the page showed before")

    assert response.status_code == 400
    assert "reads differently now" in response.content.decode()
    assert not Membership.objects.filter(end_date=EVE).exists()


def test_a_cohort_file_is_previewed_carried_and_applied(client, world, organiser):
    client.force_login(organiser)
    raw = csv_bytes(f"Dr New,new@example.org,{world.a.name},gp", bom=True, crlf=True)

    previewed = post(client, world.scheme, action="preview", cohort=upload(raw))

    assert previewed.status_code == 200
    plan = previewed.context["plan"]
    assert [(r.email, r.how, r.line) for r in plan.joiners] == [
        ("new@example.org", "invitation", 2)
    ]
    carried = previewed.context["form"].cohort_data
    applied = post(
        client,
        world.scheme,
        action="apply",
        cohort_data=carried,
        cohort_name="cohort.csv",
        digest=plan.digest,
    )
    assert applied.status_code == 302
    assert Invitation.objects.get().email == "new@example.org"


def test_a_cohort_file_with_bad_rows_is_refused_by_line_and_nothing_applied(
    client, world, organiser
):
    client.force_login(organiser)
    before = places(world.scheme)
    raw = csv_bytes(
        f"Dr New,new@example.org,{world.a.name},gp",
        "Dr Lost,lost@example.org,No such group,gp",
        "Dr Typo,not-an-email,Nowhere,gp",
        crlf=True,
        bom=True,
    )

    response = post(client, world.scheme, action="apply", cohort=upload(raw))

    assert response.status_code == 400
    content = response.content.decode()
    assert "cohort.csv, line 3, field &#x27;group&#x27;" in content
    assert "cohort.csv, line 4, field &#x27;email&#x27;" in content
    assert re.search(r'value="apply"\s+disabled', content)
    assert places(world.scheme) == before
    assert not Invitation.objects.exists()


def test_rotation_dates_are_added_and_deleted(client, world, organiser):
    client.force_login(organiser)
    dates = f"/schemes/{world.scheme.pk}/changeover/rotation-dates/"

    added = client.post(
        dates, {"track": GP, "first": "2026-08-05", "every_months": "4", "count": "2"}
    )

    assert added.status_code == 302
    assert added["Location"] == url(world.scheme, day="2026-08-05")
    assert list(RotationDate.objects.values_list("day", flat=True)) == [
        DAY,
        DAY.replace(month=8, day=5),
        DAY.replace(month=12, day=5),
    ]
    first = RotationDate.objects.get(day=DAY)
    deleted = client.post(f"{dates}{first.pk}/delete/")
    assert deleted.status_code == 302
    assert not RotationDate.objects.filter(pk=first.pk).exists()


def test_a_rotation_date_with_errors_is_shown_again(client, world, organiser):
    client.force_login(organiser)
    dates = f"/schemes/{world.scheme.pk}/changeover/rotation-dates/"

    response = client.post(dates, {"track": GP, "first": "2026-08-05", "count": "3"})

    assert response.status_code == 400
    assert "Say how many months apart" in response.content.decode()
    assert RotationDate.objects.count() == 1


def test_another_schemes_rotation_date_is_not_found(client, world, other_scheme_organiser):
    other = other_scheme_organiser.organiser_roles.get().scheme
    rotation = RotationDate.objects.get()
    client.force_login(other_scheme_organiser)

    response = client.post(f"/schemes/{other.pk}/changeover/rotation-dates/{rotation.pk}/delete/")

    assert response.status_code == 404
    assert RotationDate.objects.filter(pk=rotation.pk).exists()


def test_the_organisers_home_links_to_it(client, world, organiser):
    client.force_login(organiser)
    assert f'href="/schemes/{world.scheme.pk}/changeover/"' in client.get("/").content.decode()


@pytest.mark.parametrize("leavers", [1, 6])
def test_the_page_runs_the_same_queries_at_any_size(
    client, world, organiser, leavers, django_assert_num_queries
):
    for day in past_wednesdays(leavers):
        person = factories.MembershipFactory(group=world.b, track=GP).person
        session = HeldSessionFactory(group=world.b, slot_date=day)
        AttendanceFactory(session=session, person=person)
    client.force_login(organiser)

    with django_assert_num_queries(12):
        assert client.get(url(world.scheme)).status_code == 200
