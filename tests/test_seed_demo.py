"""`manage.py seed_demo`: demo data for `make run`. Idempotent; refused without DEBUG."""

import io

import pytest
from django.core.management import CommandError, call_command

from groups.models import BalintGroup, Membership, Scheme, SchemeOrganiser, User

DEMO_SIGN_INS = ["organiser@example.com", "leader@example.com", "trainee@example.com"]


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def test_refused_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert not User.objects.exists()
    assert not Scheme.objects.exists()


def test_creates_one_scheme_with_three_groups(db, settings):
    settings.DEBUG = True
    seed()

    scheme = Scheme.objects.get()
    assert scheme.groups.count() == 3
    assert set(BalintGroup.objects.values_list("frequency", flat=True)) == {
        "weekly",
        "fortnightly",
    }
    for group in scheme.groups.all():
        assert group.memberships.filter(role=Membership.Role.LEADER).count() == 1


@pytest.mark.parametrize("email", DEMO_SIGN_INS)
def test_demo_sign_ins_work_with_the_demo_password(client, db, settings, email):
    settings.DEBUG = True
    seed()

    response = client.post("/accounts/login/", {"login": email, "password": "balint-demo"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_each_demo_sign_in_holds_its_role(db, settings):
    settings.DEBUG = True
    seed()
    scheme = Scheme.objects.get()

    organiser = User.objects.get(email="organiser@example.com")
    leader = User.objects.get(email="leader@example.com")
    trainee = User.objects.get(email="trainee@example.com")
    assert SchemeOrganiser.objects.filter(scheme=scheme, person=organiser).exists()
    assert Membership.objects.current().filter(person=leader, role=Membership.Role.LEADER).exists()
    assert Membership.objects.current().filter(person=trainee, role=Membership.Role.MEMBER).exists()


def test_about_twenty_trainees_of_both_tracks(db, settings):
    settings.DEBUG = True
    seed()

    trainees = Membership.objects.filter(role=Membership.Role.MEMBER)
    assert 18 <= trainees.values("person").distinct().count() <= 24
    tracks = set(trainees.values_list("track", flat=True))
    assert {Membership.Track.PSYCHIATRY, Membership.Track.GENERAL_PRACTICE} <= tracks
    # GP trainees rotate: their memberships end by themselves.
    gp = trainees.filter(track=Membership.Track.GENERAL_PRACTICE)
    assert gp.exists()
    assert not gp.filter(end_date__isnull=True).exists()


def test_running_twice_creates_no_duplicates(db, settings):
    settings.DEBUG = True
    seed()
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


def test_prints_the_sign_ins(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    for email in DEMO_SIGN_INS:
        assert email in out
    assert "balint-demo" in out
