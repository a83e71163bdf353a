"""groups.services.person_erase: a person's record erased everywhere, every figure kept."""

import json
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session as DjangoSession
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import Count
from django.utils.html import escape

from attendance import progress as attendance_progress
from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.models import Attendance, Certificate, CertificateExport, StatementExport
from balint.models import OutboundEmail
from feedback import selectors as feedback_selectors
from feedback.models import EvaluationAnswer, EvaluationReceipt, SessionFeedback
from groups import selectors as group_selectors
from groups import services
from groups.models import (
    ERASED_NAME,
    BalintGroup,
    Invitation,
    Membership,
    PersonErasure,
    SchemeOrganiser,
    User,
)
from sessions.models import (
    CalendarToken,
    Clash,
    Leave,
    OnCallShift,
    ReminderPreference,
    RosterSource,
    RosterUpload,
    Session,
    SwapRequest,
)
from tests import factories
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory
from tests.factories.privacy import (
    MEMBERSHIP_END,
    MEMBERSHIP_START,
    OTTO,
    ZEB,
    erase,
)
from tests.factories.rosters import OnCallShiftFactory, SchemeRosterFactory
from tests.factories.sessions import NOW, SessionFactory

NEEDLES = [ZEB["full_name"], ZEB["email"], ZEB["registration_number"]]


pytestmark = pytest.mark.usefixtures("frozen_now")


def where_found(needles) -> list[str]:
    """Every (model, field) whose stored text holds one of the needles, in every model."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        rows = model._base_manager.all()
        for field in model._meta.concrete_fields:
            for needle in needles:
                if isinstance(field, models.CharField | models.TextField):
                    hit = rows.filter(**{f"{field.name}__icontains": needle}).exists()
                elif isinstance(field, models.BinaryField):
                    hit = any(
                        needle.lower().encode() in bytes(v).lower()
                        for v in rows.values_list(field.name, flat=True)
                    )
                elif isinstance(field, models.JSONField):
                    hit = any(
                        needle.lower() in json.dumps(v).lower()
                        for v in rows.values_list(field.name, flat=True)
                    )
                else:
                    continue
                if hit:
                    found.append(f"{model._meta.label}.{field.name} ({needle})")
    return found


def add_mentions(scene):
    """Places where other people wrote Zeb's name or address, and Zeb as a co-leader."""
    zeb = scene.zeb
    other_group = factories.GroupFactory(scheme=scene.scheme, name="Friday Ring")
    factories.MembershipFactory(
        person=zeb,
        group=other_group,
        role=Membership.Role.CO_LEADER,
        start_date=MEMBERSHIP_START,
        end_date=MEMBERSHIP_END,
    )
    led = HeldSessionFactory(group=other_group)
    AttendanceFactory(session=led, person=zeb, role=Attendance.Role.CO_LEADER)
    otto_certificate = scene.certificates["otto"]
    otto_certificate.leaders = f"{scene.leader.full_name}; {zeb.full_name}"
    otto_certificate.save()
    SessionFactory(
        group=scene.group,
        status=Session.Status.CANCELLED,
        cancel_reason=f"{zeb.full_name} is away",
    )
    otto_feedback = SessionFeedback.objects.get(person=scene.otto)
    otto_feedback.comment = f"Good to hear {zeb.full_name.upper()} present"
    otto_feedback.save()
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.create(
        user=scene.organiser,
        content_type=user_type,
        object_id=str(zeb.pk),
        object_repr=str(zeb),
        action_flag=CHANGE,
        change_message="[]",
    )
    membership = Membership.objects.filter(person=zeb).first()
    LogEntry.objects.create(
        user=scene.organiser,
        content_type=ContentType.objects.get_for_model(Membership),
        object_id=str(membership.pk),
        object_repr=str(membership),
        action_flag=CHANGE,
        change_message="[]",
    )
    RosterUpload.objects.create(
        scheme=scene.scheme,
        uploaded_by=scene.organiser,
        filename="march.csv",
        content=f"email,start,end\n{zeb.email},2026-03-04 08:00,2026-03-04 20:00\n".encode(),
    )
    scheme_roster = SchemeRosterFactory(scheme=scene.scheme, created_by=scene.organiser)
    OnCallShiftFactory(source=scheme_roster, person=zeb)
    OnCallShiftFactory(source=scheme_roster, person=scene.otto)
    asked(scene.leader, zeb, state=OutboundEmail.State.SENT)


def asked(recipient, named, state):
    """An email to someone else that names `named`, as a guest request's does."""
    email = factories.OutboundEmailFactory(
        person=recipient,
        state=state,
        subject=f"{named.full_name} asks to visit",
        body_text=f"{named.full_name} ({named.email}) asks to visit on Wednesday.",
        body_html=f"<p>{escape(named.full_name)} asks to visit on Wednesday.</p>",
    )
    email.named.set([named])
    return email


def figures(scene) -> dict:
    """Everything a group or scheme page counts."""
    overview = attendance_progress.scheme_overview(scene.scheme)
    groups = group_selectors.with_member_counts(BalintGroup.objects.filter(scheme=scene.scheme))
    return {
        "overview": sorted((r.pk, r.counted, r.recorded, r.status) for r in overview),
        "attendance": list(
            Attendance.objects.values("session", "status")
            .annotate(n=Count("pk"))
            .order_by("session", "status")
        ),
        "members": sorted((g.pk, g.member_count) for g in groups),
        "memberships": Membership.objects.count(),
        "leading": len(list(attendance_selectors.leading_log(scene.scheme))),
        "progress": attendance_progress.progress_for(scene.zeb, scene.scheme).count,
        "feedback": [
            (s.answers, [a.value for a in s.averages])
            for s in map(feedback_selectors.feedback_summary, scene.sessions)
        ],
        "evaluation_answers": EvaluationAnswer.objects.count(),
        "certificates": Certificate.objects.count(),
    }


def test_no_personal_field_of_the_person_remains_anywhere(scene):
    add_mentions(scene)
    before = where_found(NEEDLES)
    # The search finds what it should: names, addresses and numbers all over the place.
    for place in [
        "groups.User.full_name",
        "groups.User.email",
        "groups.User.registration_number",
        "account.EmailAddress.email",
        "groups.Invitation.email",
        "groups.Invitation.full_name",
        "attendance.Certificate.holder_name",
        "attendance.Certificate.registration_number",
        "attendance.Certificate.leaders",
        "balint_sessions.Session.cancel_reason",
        "balint_sessions.RosterSource.name",
        "balint_sessions.RosterUpload.content",
        "feedback.SessionFeedback.comment",
        "admin.LogEntry.object_repr",
        "balint.OutboundEmail.body_html",
    ]:
        assert any(hit.startswith(place + " ") for hit in before), place

    erase(scene)

    assert where_found(NEEDLES) == []
    # Otto is untouched.
    assert len(where_found([OTTO["full_name"], OTTO["email"]])) >= 5


def test_mail_to_others_naming_the_person_waits_no_more_and_keeps_no_mention(scene):
    waiting = asked(scene.leader, scene.zeb, state=OutboundEmail.State.PENDING)
    about_otto = asked(scene.leader, scene.otto, state=OutboundEmail.State.PENDING)
    dara = factories.UserFactory(full_name="Dara O'Brien-Nolan", email="dara.obn@example.org")
    factories.MembershipFactory(
        person=dara, group=scene.group, start_date=MEMBERSHIP_START, end_date=MEMBERSHIP_END
    )
    sent = asked(scene.leader, dara, state=OutboundEmail.State.SENT)
    assert "O&#x27;Brien" in sent.body_html

    erase(scene)
    erase(scene, person=dara)

    waiting.refresh_from_db()
    assert waiting.state == OutboundEmail.State.CANCELLED
    assert waiting.subject == "[erased] asks to visit"
    about_otto.refresh_from_db()
    assert about_otto.state == OutboundEmail.State.PENDING
    assert about_otto.subject == f"{scene.otto.full_name} asks to visit"
    sent.refresh_from_db()
    assert sent.state == OutboundEmail.State.SENT
    assert sent.body_html == "<p>[erased] asks to visit on Wednesday.</p>"
    assert sent.body_text == "[erased] ([erased]) asks to visit on Wednesday."
    assert list(about_otto.named.all()) == [scene.otto]
    assert not sent.named.exists() and not waiting.named.exists()


def test_what_stays_and_what_goes(scene):
    zeb = scene.zeb
    erase(scene)
    zeb.refresh_from_db()

    assert zeb.full_name == ERASED_NAME
    assert zeb.email == f"erased-{zeb.pk}@invalid.example"
    assert zeb.registration_number == ""
    assert not zeb.has_usable_password()
    assert not zeb.is_active
    gone = [
        EmailAddress.objects.filter(user=zeb),
        Leave.objects.filter(person=zeb),
        RosterSource.objects.filter(person=zeb),
        OnCallShift.objects.filter(person=zeb),
        Clash.objects.filter(person=zeb),
        OutboundEmail.objects.filter(person=zeb),
        ReminderPreference.objects.filter(person=zeb),
        CalendarToken.objects.filter(person=zeb),
        SessionFeedback.objects.filter(person=zeb),
        EvaluationReceipt.objects.filter(person=zeb),
    ]
    assert [q.model.__name__ for q in gone if q.exists()] == []
    kept = {
        "memberships": Membership.objects.filter(person=zeb).count(),
        "attendance": Attendance.objects.filter(person=zeb).count(),
        "presented": Session.objects.filter(presenter=zeb).count(),
        "certificates": Certificate.objects.filter(trainee=zeb).count(),
        "swaps": SwapRequest.objects.filter(requester=zeb).count(),
    }
    assert kept == {
        "memberships": 1,
        "attendance": 3,
        "presented": 1,
        "certificates": 1,
        "swaps": 1,
    }
    # Otto keeps everything.
    assert EmailAddress.objects.filter(user=scene.otto).exists()
    assert OnCallShift.objects.filter(person=scene.otto).count() == 2
    assert EvaluationReceipt.objects.filter(person=scene.otto).exists()


def test_group_and_scheme_figures_do_not_change(scene):
    add_mentions(scene)
    before = figures(scene)

    erase(scene)

    assert figures(scene) == before


def test_feedback_stays_in_the_summaries_without_its_author(scene):
    feedback = SessionFeedback.objects.get(person=scene.zeb)
    comment = feedback.comment

    erase(scene)

    feedback.refresh_from_db()
    # A summary shown before the erasure stays the same after it (issue 21).
    assert (feedback.person, feedback.comment) == (None, comment)
    assert (feedback.safe_to_speak, feedback.useful_for_practice) == (5, 4)


def test_the_certificate_stays_verifiable_and_says_the_record_was_erased(client, scene):
    certificate = scene.certificates["zeb"]

    erase(scene)

    certificate.refresh_from_db()
    assert (certificate.holder_name, certificate.registration_number) == ("", "")
    assert certificate.holder_erased_at == NOW
    assert certificate.is_current
    response = client.get(f"/verify/{certificate.code}/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Valid certificate" in content
    assert "The holder's record was erased on 2 March 2026." in content
    assert scene.scheme.name in content
    assert ZEB["full_name"] not in content


def test_signed_in_sessions_end(client, scene):
    client.force_login(scene.zeb)
    assert client.get("/").status_code == 200
    other = client.__class__()
    other.force_login(scene.otto)

    erase(scene)

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert DjangoSession.objects.count() == 1  # Otto's
    assert other.get("/").status_code == 200


def test_the_person_can_no_longer_sign_in(client, scene):
    erase(scene)

    for login in (ZEB["email"], f"erased-{scene.zeb.pk}@invalid.example"):
        response = client.post("/accounts/login/", {"login": login, "password": factories.PASSWORD})
        assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


def test_the_erasure_is_logged(scene):
    erasure = erase(scene)

    assert erasure == PersonErasure.objects.get(person=scene.zeb)
    assert (erasure.scheme, erasure.erased_by, erasure.reason, erasure.erased_at) == (
        scene.scheme,
        scene.organiser,
        PersonErasure.Reason.ORGANISER,
        NOW,
    )
    assert ZEB["full_name"] not in str(erasure)


def test_an_erasure_cannot_be_repeated_or_undone(scene):
    erase(scene)

    with pytest.raises(ValidationError, match="already been erased"):
        erase(scene)
    assert PersonErasure.objects.count() == 1


def test_invitations_to_the_person_are_anonymised_and_pending_ones_withdrawn(scene):
    pending = factories.InvitationFactory(
        scheme=scene.scheme, group=scene.group, email=ZEB["email"].upper(), full_name="Zeb Q"
    )

    erase(scene)

    pending.refresh_from_db()
    assert pending.revoked_at == NOW
    assert (pending.email, pending.full_name) == (
        f"erased-{scene.zeb.pk}@invalid.example",
        ERASED_NAME,
    )
    assert Invitation.objects.filter(accepted_by=scene.zeb, full_name=ERASED_NAME).exists()


def test_pending_swaps_are_withdrawn_and_upcoming_dates_given_back(scene):
    mine = SessionFactory(group=scene.group, presenter=scene.zeb)
    theirs = SessionFactory(group=scene.group, presenter=scene.otto)
    swap = SwapRequest.objects.create(
        requester=scene.otto,
        recipient=scene.zeb,
        requester_session=theirs,
        recipient_session=mine,
    )

    erase(scene)

    swap.refresh_from_db()
    mine.refresh_from_db()
    assert (swap.status, swap.decided_at) == (SwapRequest.Status.WITHDRAWN, NOW)
    assert mine.presenter is None
    assert Session.objects.filter(presenter=scene.zeb).count() == 1  # the past one stays


def test_scheme_wide_shifts_of_the_person_go_and_others_stay(scene):
    roster = SchemeRosterFactory(scheme=scene.scheme, created_by=scene.organiser)
    OnCallShiftFactory(source=roster, person=scene.zeb)
    otto_shift = OnCallShiftFactory(source=roster, person=scene.otto)

    erase(scene)

    assert list(roster.shifts.all()) == [otto_shift]


def test_certificate_exports_that_print_the_name_are_deleted(
    scene, django_capture_on_commit_callbacks
):
    with_zeb = CertificateExport.objects.create(
        scheme=scene.scheme,
        requested_by=scene.organiser,
        total=2,
        done=2,
        status="done",
        expires_at=NOW + timedelta(hours=1),
    )
    with_zeb.certificates.set(scene.certificates.values())
    with_zeb.file.save("certificates.zip", ContentFile(b"PK"), save=True)
    storage, name = with_zeb.file.storage, with_zeb.file.name
    otto_only = CertificateExport.objects.create(
        scheme=scene.scheme, requested_by=scene.organiser, total=1, expires_at=NOW
    )
    otto_only.certificates.set([scene.certificates["otto"]])

    with django_capture_on_commit_callbacks(execute=True):
        erase(scene)

    assert list(CertificateExport.objects.all()) == [otto_only]
    assert not storage.exists(name)


def test_statement_exports_that_print_the_name_are_deleted(
    scene, django_capture_on_commit_callbacks
):
    def export_of(*people) -> StatementExport:
        export = StatementExport.objects.create(
            scheme=scene.scheme,
            requested_by=scene.organiser,
            which="scheme",
            total=len(people),
            expires_at=NOW + timedelta(hours=1),
        )
        for position, person in enumerate(people):
            export.entries.create(position=position, person=person)
        return export

    with_zeb = export_of(scene.otto, scene.zeb)
    with_zeb.file.save("statements.zip", ContentFile(b"PK"), save=True)
    storage, name = with_zeb.file.storage, with_zeb.file.name
    otto_only = export_of(scene.otto)

    with django_capture_on_commit_callbacks(execute=True):
        erase(scene)

    assert list(StatementExport.objects.all()) == [otto_only]
    assert not storage.exists(name)


def test_erasing_an_organiser_renames_the_issuer_and_ends_the_role(scene):
    second = factories.OrganiserFactory(scheme=scene.scheme).person

    services.person_erase(actor=second, person=scene.organiser, scheme=scene.scheme)

    assert not SchemeOrganiser.objects.filter(person=scene.organiser).exists()
    assert set(Certificate.objects.values_list("issued_by_name", flat=True)) == {ERASED_NAME}
    assert Certificate.objects.filter(issued_by=scene.organiser).count() == 2


def test_no_new_certificate_is_issued_to_an_erased_person(scene):
    scene.certificates["zeb"].delete()
    erase(scene)

    with pytest.raises(ValidationError, match="erased"):
        attendance_services.certificate_issue(
            actor=scene.organiser, scheme=scene.scheme, trainee=scene.zeb
        )
