"""Test data for privacy: a person with something in every category of personal data,
beside a second person with the same, so a test can tell whose is whose.

Times follow tests/session_factories.py: "now" is Monday 2 March 2026, 10:00 in
Dublin. The people's memberships ended on 28 February, so they can be erased.
Names, addresses and numbers are distinctive on purpose: a test searches the
whole database, and the export, for them.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from attendance.models import Attendance, AttendanceChange, Certificate
from balint.models import OutboundEmail
from feedback.models import EvaluationReceipt, SessionFeedback, TermEvaluation
from groups import services
from groups.models import AccessLogEntry, BalintGroup, Invitation, Membership, Scheme, User
from sessions.models import Clash, Leave, OnCallShift, Session, SwapRequest
from tests import factories
from tests.factories.attendance import AttendanceFactory, held_sessions, past_wednesdays
from tests.factories.certificates import REQUIRED, CertificateFactory
from tests.factories.feedback import EvaluationAnswerFactory, TermEvaluationFactory
from tests.factories.rosters import (
    ClashFactory,
    FeedSourceFactory,
    OnCallShiftFactory,
    ReminderPreferenceFactory,
    RosterSourceFactory,
    dublin,
    reminder_email,
)
from tests.factories.sessions import NOW, CalendarTokenFactory, LeaveFactory

MEMBERSHIP_START = date(2026, 1, 1)
MEMBERSHIP_END = date(2026, 2, 28)

ZEB = {
    "full_name": "Zebedee Quintessa-Marlow",
    "email": "zq.marlow@example.org",
    "registration_number": "IMC 987654",
}
OTTO = {
    "full_name": "Ottoline Vantongeren",
    "email": "ottoline.v@example.org",
    "registration_number": "GMC 7766554",
}


@dataclass
class Scene:
    scheme: Scheme
    group: BalintGroup
    organiser: User
    leader: User
    sessions: list[Session]
    people: dict[str, User] = field(default_factory=dict)
    certificates: dict[str, Certificate] = field(default_factory=dict)
    evaluation: TermEvaluation | None = None

    @property
    def zeb(self) -> User:
        return self.people["zeb"]

    @property
    def otto(self) -> User:
        return self.people["otto"]


def person(**details) -> User:
    return factories.UserFactory(**details)


def _everything_of(scene: Scene, key: str, who: User, *, presents: Session) -> None:
    """Something of `who` in every category the personal-data export lists."""
    factories.MembershipFactory(
        person=who, group=scene.group, start_date=MEMBERSHIP_START, end_date=MEMBERSHIP_END
    )
    factories.InvitationFactory(
        scheme=scene.scheme,
        group=scene.group,
        email=who.email,
        full_name=who.full_name,
        start_date=MEMBERSHIP_START,
        accepted_at=NOW - timedelta(days=60),
        accepted_by=who,
        invited_by=scene.organiser,
    )
    for session in scene.sessions:
        AttendanceFactory(session=session, person=who, updated_by=scene.leader)
    record = Attendance.objects.get(session=scene.sessions[0], person=who)
    AttendanceChange.objects.create(attendance=record, changed_by=scene.leader, after="present")
    presents.presenter = who
    presents.save(update_fields=["presenter"])
    LeaveFactory(person=who, start_date=date(2026, 2, 2), end_date=date(2026, 2, 6))

    source = RosterSourceFactory(person=who, name=f"Rota of {who.full_name}")
    feed = FeedSourceFactory(person=who)
    shift = OnCallShiftFactory(
        source=source, starts_at=dublin(2026, 2, 25, 8), ends_at=dublin(2026, 2, 25, 20)
    )
    OnCallShiftFactory(source=feed, starts_at=dublin(2026, 2, 18, 8))
    ClashFactory(
        session=scene.sessions[-1],
        person=who,
        shift=shift,
        shift_starts_at=shift.starts_at,
        shift_ends_at=shift.ends_at,
    )
    reminder_email(session=scene.sessions[-1], person=who)
    ReminderPreferenceFactory(person=who, clash=False)
    CalendarTokenFactory(person=who)

    SessionFeedback.objects.create(
        session=scene.sessions[-1],
        person=who,
        safe_to_speak=5 if key == "zeb" else 3,
        stayed_on_relationship=4,
        useful_for_practice=4 if key == "zeb" else 2,
        comment=f"Thoughtful session, said {key}",
    )
    scene.certificates[key] = CertificateFactory(
        trainee=who,
        scheme=scene.scheme,
        issued_by=scene.organiser,
        leaders=scene.leader.full_name,
        groups=scene.group.name,
    )
    AccessLogEntry.objects.create(
        actor=scene.organiser,
        action=AccessLogEntry.Action.PROGRESS_VIEW,
        scheme=scene.scheme,
        subject=who,
        description=f"Progress of person #{who.pk}",
    )


def scene_with_two_people() -> Scene:
    """Zeb and Otto, trainees of one group (ended), each with data in every category;
    their swap request is between the two of them."""
    scheme = factories.SchemeFactory(sessions_required=REQUIRED, name="Privacy Scheme")
    group = factories.GroupFactory(scheme=scheme, name="Tuesday Circle")
    organiser = person(full_name="Orla Organiser-Fitzwilliam", email="orla.org@example.org")
    factories.OrganiserFactory(scheme=scheme, person=organiser)
    leader = person(
        full_name="Lorcan Leader-Ballantyne",
        email="lorcan.lead@example.org",
        registration_number="IMC 313131",
    )
    factories.LeaderFactory(person=leader, group=group, start_date=MEMBERSHIP_START)
    sessions = held_sessions(group, past_wednesdays(REQUIRED))
    for session in sessions:
        AttendanceFactory(
            session=session, person=leader, role=Attendance.Role.LEADER, updated_by=leader
        )
    scene = Scene(scheme=scheme, group=group, organiser=organiser, leader=leader, sessions=sessions)
    scene.people["zeb"] = person(**ZEB)
    scene.people["otto"] = person(**OTTO)
    _everything_of(scene, "zeb", scene.zeb, presents=sessions[0])
    _everything_of(scene, "otto", scene.otto, presents=sessions[1])
    SwapRequest.objects.create(
        requester=scene.zeb,
        recipient=scene.otto,
        requester_session=sessions[0],
        recipient_session=sessions[1],
        status=SwapRequest.Status.DECLINED,
        decided_at=NOW - timedelta(days=20),
    )
    scene.evaluation = TermEvaluationFactory(group=group, opened_by=organiser)
    for who in (scene.zeb, scene.otto):
        EvaluationReceipt.objects.create(evaluation=scene.evaluation, person=who)
        EvaluationAnswerFactory(evaluation=scene.evaluation, comment="")
    return scene


# Every model the personal-data categories live in, for tests that count rows.
CATEGORY_MODELS = [
    Membership,
    Invitation,
    Attendance,
    Session,
    Leave,
    OnCallShift,
    Clash,
    OutboundEmail,
    SwapRequest,
    SessionFeedback,
    EvaluationReceipt,
    Certificate,
]


def erase(scene, person=None, **kwargs):
    """The scheme's organiser erases Zeb (or `person`)."""
    return services.person_erase(
        actor=kwargs.pop("actor", scene.organiser),
        person=person or scene.zeb,
        scheme=kwargs.pop("scheme", scene.scheme),
        **kwargs,
    )
