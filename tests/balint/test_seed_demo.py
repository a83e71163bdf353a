"""`manage.py seed_demo`: demo data for `make run`. Idempotent; refused without DEBUG."""

import io

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management import CommandError, call_command
from django.utils import timezone

from attendance.models import AttendanceChange
from balint.models import OutboundEmail
from groups import demo as groups_demo
from groups.models import BalintGroup, Membership, Scheme, SchemeOrganiser, User
from sessions.models import PresentingOffer, Session

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


def test_a_register_to_take_and_one_corrected_later_with_its_reason(seeded_demo, client, db):
    leader = User.objects.get(email="leader@example.com")
    group = Membership.objects.get(person=leader, role=Membership.Role.LEADER).group
    started = group.sessions.filter(starts_at__lte=timezone.now()).exclude(status="cancelled")
    untaken = started.order_by("-starts_at").first()
    assert untaken.status == Session.Status.SCHEDULED and not untaken.attendance.exists()

    correction = AttendanceChange.objects.exclude(reason="").select_related("attendance").get()
    session = correction.attendance.session
    assert session.group == group
    taken = correction.attendance.changes.first()
    assert taken.before == "" and taken.changed_at == session.ends_at < correction.changed_at
    client.force_login(leader)
    assert correction.reason in client.get(f"/sessions/{session.pk}/register/history/").text


def test_each_demo_home_shows_its_facts(seeded_demo, client, db):
    """The trainee's next presenting date, count and a projection that skips their leave
    and on-call dates; the leader's register to take and swap waiting; the organiser's
    trainees by status and what needs attention."""
    trainee = User.objects.get(email="trainee@example.com")
    client.force_login(trainee)
    response = client.get("/")
    mine = response.context["home"].trainee
    (progress,) = mine.progress
    assert mine.next_presentation is not None
    assert mine.swaps_to_me
    assert 0 < progress.count < progress.required and progress.projected_date
    assert {why for _, why in progress.skipped} == {"leave", "on call"}
    assert f"<strong>{progress.count}</strong> of {progress.required} sessions" in response.text
    assert "Left out as you cannot attend:" in response.text

    client.force_login(User.objects.get(email="leader@example.com"))
    (card,) = client.get("/").context["home"].groups
    assert card.next is not None and card.swaps
    # Last week's register, or today's on the card once the session has started.
    assert card.untaken or (card.is_today and not card.next.session.register_taken)

    client.force_login(User.objects.get(email="organiser@example.com"))
    response = client.get("/")
    (summary,) = response.context["home"].schemes
    counts = {status: count for status, _, count in summary.statuses}
    assert sum(counts.values()) >= 18 and counts["complete"] >= 1
    assert summary.untaken_registers >= 1
    assert summary.certificates_due == 1
    assert summary.scheme.undelivered_mail == 1
    assert "1 trainee is due a certificate" in response.text


def test_the_organisers_overview_shows_reasons_at_risk_and_not_started(seeded_demo, client, db):
    scheme = Scheme.objects.get()
    client.force_login(User.objects.get(email="organiser@example.com"))

    response = client.get(f"/schemes/{scheme.pk}/overview/")

    counts = {status: count for status, _, count in response.context["summary"]}
    assert counts["at_risk"] and counts["not_started"] and counts["on_track"]
    page = {person.status: person.status_reason for person in response.context["page"]}
    assert page["at_risk"].startswith("Needs ")
    assert page["not_started"].startswith("First session on ")
    assert page["not_started"] in response.text


def test_the_demo_certificate_has_the_schemes_mark_and_its_leaders_signature(seeded_demo, db):
    from pypdf import PdfReader

    from attendance import pdf
    from attendance.models import Certificate, Requirement
    from tests.factories.certificates import require_weasyprint

    require_weasyprint()
    design = Requirement.objects.get(scheme=Scheme.objects.get())
    assert bytes(design.certificate_mark).startswith(b"\x89PNG") and design.certificate_leader_signs

    certificate = Certificate.objects.get(trainee__email="aoife.byrne@example.com")
    (page,) = PdfReader(io.BytesIO(pdf.render_certificate(certificate))).pages
    text = " ".join(page.extract_text().split())
    assert len(page.images) == 2  # the mark and the QR code
    assert "Scheme organiser, issued" in text and "Group leader, " in text


def test_a_former_member_keeps_their_history_but_not_the_group(seeded_demo, client, db):
    """Membership-bounded access: the demo's trainee who left a month ago."""
    former = User.objects.get(email="former@example.com")
    (membership,) = former.memberships.all()
    assert membership.end_date < timezone.localdate()
    group = membership.group
    client.force_login(former)

    page = client.get(f"/groups/{group.pk}/").text
    assert f"Your membership of {group.name} ended on" in page
    assert "Current members" not in page
    (progress,) = client.get("/progress/").context["progress"]
    assert progress.count > 0  # their attendance stays theirs
    later = group.sessions.filter(slot_date__gt=membership.end_date).first()
    assert client.get(f"/sessions/{later.pk}.ics").status_code == 404


def test_a_volunteer_and_a_case_on_the_rota(seeded_demo, client, db):
    """The demo trainee volunteered for an open date and a fellow member has a case for
    the next session: the trainee sees their offer, the leader both on the rota page."""
    trainee = User.objects.get(email="trainee@example.com")
    volunteered = PresentingOffer.objects.select_related("session").get(
        person=trainee, kind=PresentingOffer.Kind.VOLUNTEER
    )
    assert volunteered.session.presenter is None
    case = PresentingOffer.objects.get(kind=PresentingOffer.Kind.HAVE_A_CASE)
    assert case.session.group == volunteered.session.group
    client.force_login(trainee)
    assert "You volunteered" in client.get("/rota/").text

    client.force_login(User.objects.get(email="leader@example.com"))
    page = client.get(f"/groups/{case.session.group_id}/rota/").text
    offers = page.split('id="offers"', 1)[1]
    assert f"{trainee.full_name} · Volunteered" in offers
    assert f"{case.person.full_name} · Has a case" in offers


def test_a_guest_visit_a_request_to_visit_and_a_combined_session(seeded_demo, client, db):
    """The demo trainee was a guest of another group (on its register, counted), asks to
    visit its next session, and the third group meets with the second one day."""
    from attendance.models import Attendance
    from sessions.models import GuestRequest

    trainee = User.objects.get(email="trainee@example.com")
    guest = Attendance.objects.select_related("session__group").get(person=trainee, role="guest")
    assert guest.status == "present"
    waiting = GuestRequest.objects.get(person=trainee, status=GuestRequest.Status.PENDING)
    assert waiting.session.group == guest.session.group
    client.force_login(trainee)
    page = client.get("/visit/").text
    assert "Waiting for the leader" in page and "Accepted" in page

    combined = Session.objects.select_related("group", "combined_into__group").get(
        combined_into__isnull=False
    )
    assert combined.combined_into.group == guest.session.group
    assert combined.slot_date == combined.combined_into.slot_date


# --- Whom each email names (OutboundEmail.named, tests/balint/test_email_names.py) ----


def test_the_demo_names_in_each_email_only_its_recipient_and_the_people_it_lists(seeded_demo, db):
    people = list(User.objects.exclude(full_name=""))
    emails = OutboundEmail.objects.prefetch_related("named")
    # Among them every kind of email the demo sends that names someone else.
    kinds = set(emails.values_list("kind", flat=True))
    assert kinds >= {
        "assessment_requested",
        "assessment_completed",
        "below_minimum",
        "guest_request",
        "reminder_day_before",
        "swap",
    }
    unlisted = [
        f"{email.kind} to {email.to} names {person.full_name}"
        for email in emails
        for person in people
        if person.full_name in email.subject + email.body_text
        and person.pk != email.person_id
        and person not in email.named.all()
    ]
    assert unlisted == []
    assert OutboundEmail.named.through.objects.exists()
