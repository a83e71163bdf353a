"""`manage.py seed_demo`: demo data for `make run`. Idempotent; refused without DEBUG."""

import io

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management import CommandError, call_command

from groups import demo as groups_demo
from groups.models import BalintGroup, Membership, Scheme, SchemeOrganiser, User

DEMO_SIGN_INS = ["organiser@example.com", "leader@example.com", "trainee@example.com"]


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def test_refused_when_debug_is_off(db, settings):
    # Other tests here may have seeded this process's database already (seeded_demo).
    before = (User.objects.count(), Scheme.objects.count(), Membership.objects.count())
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert (User.objects.count(), Scheme.objects.count(), Membership.objects.count()) == before


def test_creates_one_scheme_with_three_groups(seeded_demo, db):
    scheme = Scheme.objects.get()
    assert scheme.groups.count() == 3
    assert set(BalintGroup.objects.values_list("frequency", flat=True)) == {
        "weekly",
        "fortnightly",
    }
    for group in scheme.groups.all():
        assert group.memberships.filter(role=Membership.Role.LEADER).count() == 1


@pytest.mark.parametrize("email", ["leader@example.com", "trainee@example.com"])
def test_demo_sign_ins_work_with_the_demo_password(seeded_demo, client, db, email):
    response = client.post("/accounts/login/", {"login": email, "password": "balint-demo"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_each_demo_sign_in_holds_its_role(seeded_demo, db):
    scheme = Scheme.objects.get()

    organiser = User.objects.get(email="organiser@example.com")
    leader = User.objects.get(email="leader@example.com")
    trainee = User.objects.get(email="trainee@example.com")
    assert SchemeOrganiser.objects.filter(scheme=scheme, person=organiser).exists()
    assert Membership.objects.current().filter(person=leader, role=Membership.Role.LEADER).exists()
    assert Membership.objects.current().filter(person=trainee, role=Membership.Role.MEMBER).exists()


def test_about_twenty_trainees_of_both_tracks(seeded_demo, db):
    trainees = Membership.objects.filter(role=Membership.Role.MEMBER)
    assert 18 <= trainees.values("person").distinct().count() <= 24
    tracks = set(trainees.values_list("track", flat=True))
    assert {Membership.Track.PSYCHIATRY, Membership.Track.GENERAL_PRACTICE} <= tracks
    # GP trainees rotate: their memberships end by themselves.
    gp = trainees.filter(track=Membership.Track.GENERAL_PRACTICE)
    assert gp.exists()
    assert not gp.filter(end_date__isnull=True).exists()


def test_running_twice_creates_no_duplicates(seeded_demo, db, settings):
    settings.DEBUG = True
    counts = (
        User.objects.count(),
        Scheme.objects.count(),
        BalintGroup.objects.count(),
        Membership.objects.count(),
        SchemeOrganiser.objects.count(),
    )

    seed()

    assert (
        User.objects.count(),
        Scheme.objects.count(),
        BalintGroup.objects.count(),
        Membership.objects.count(),
        SchemeOrganiser.objects.count(),
    ) == counts


def test_prints_the_sign_ins(seeded_demo):
    for email in DEMO_SIGN_INS:
        assert email in seeded_demo
    assert "balint-demo" in seeded_demo


def test_the_demo_organiser_signs_in_with_a_printed_recovery_code(
    seeded_demo, client, db, settings, capsys
):
    settings.DEBUG = True
    settings.SECOND_FACTOR_REQUIRED = True
    printed = seeded_demo.rsplit("(each works once): ", 1)[1].split()
    assert len(printed) == 10

    asked = client.post(
        "/accounts/login/", {"login": "organiser@example.com", "password": "balint-demo"}
    )
    assert asked["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": printed[0]})

    assert client.get("/").status_code == 200
    call_command("seed_demo")  # run again: the code used is not printed again
    assert printed[0] not in capsys.readouterr().out


@pytest.mark.parametrize("email", ["organiser@example.com", "admin@example.com"])
def test_demo_second_factor_takes_codes_from_the_printed_key(
    seeded_demo, client, db, settings, email
):
    settings.SECOND_FACTOR_REQUIRED = True

    client.post("/accounts/login/", {"login": email, "password": "balint-demo"})
    counter = next(yield_hotp_counters_from_time())
    code = format_hotp_value(hotp_value(groups_demo.DEMO_TOTP_SECRET, counter))
    client.post("/accounts/2fa/authenticate/", {"code": code})

    assert client.get("/").status_code == 200
