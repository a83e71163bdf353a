"""Who may give, see and summarise feedback, tag themes and run term evaluations.

Look-ups go through the scopes here or in groups/sessions, so anything of
another scheme answers 404; the predicates then say 403 for what is visible
but not allowed.
"""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from attendance.models import Attendance
from attendance.statuses import AttendanceStatus
from feedback.models import TermEvaluation, Theme
from groups import permissions as group_permissions
from groups.models import BalintGroup, Membership, Scheme, User
from sessions import permissions as session_permissions
from sessions.models import Session

# How long after a session its attendees may give, see and change their feedback.
FEEDBACK_WINDOW = timedelta(days=7)
# Leaders see a session's feedback only once this many people have answered.
MIN_ANSWERS = 3
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


def feedback_closes_at(session: Session):
    return session.ends_at + FEEDBACK_WINDOW


def attended_q(user: User) -> Q:
    """Sessions the user attended as a member: held, and present or late."""
    return Q(
        status=Session.Status.HELD,
        attendance__person=user,
        attendance__role=Attendance.Role.MEMBER,
        attendance__status__in=ATTENDED,
    )


def _feedback_sessions(user: User) -> QuerySet[Session]:
    """Held sessions the user attended as a member, dated within one of their
    memberships of the group: their own, after the membership ends too."""
    return Session.objects.filter(attended_q(user)).filter(
        session_permissions.within_membership(user)
    )


def feedback_sessions_of(user: User) -> QuerySet[Session]:
    """Held sessions the user attended whose feedback window is still open."""
    if not user.is_authenticated:
        return Session.objects.none()
    return _feedback_sessions(user).filter(ends_at__gt=timezone.now() - FEEDBACK_WINDOW).distinct()


def can_give_feedback(user: User, session: Session) -> bool:
    """A member who was present or late at the held session, within the week after it.

    Leaders do not answer: they read the summary, and an answer of their own
    would leave fewer unknown answers in it.
    """
    return (
        user.is_authenticated
        and session.status == Session.Status.HELD
        and timezone.now() < feedback_closes_at(session)
        and _feedback_sessions(user).filter(pk=session.pk).exists()
    )


def can_see_feedback_summary(user: User, group: BalintGroup) -> bool:
    """The group's current leaders and the scheme's organisers: aggregates only."""
    return session_permissions.can_schedule(user, group)


def can_see_group_health(user: User, group: BalintGroup) -> bool:
    return session_permissions.can_schedule(user, group)


def can_see_session_brief(user: User, group: BalintGroup) -> bool:
    """The themes of the group's last sessions: its current leaders and the scheme's
    organisers, who steer it; not its members."""
    return session_permissions.can_schedule(user, group)


def can_tag_session(user: User, session: Session) -> bool:
    """The group's leaders (and the scheme's organisers), once the session was held."""
    return session.status == Session.Status.HELD and session_permissions.can_schedule(
        user, session.group
    )


# --- Themes -------------------------------------------------------------------


def can_edit_themes(user: User, scheme: Scheme) -> bool:
    return group_permissions.is_organiser(user, scheme)


def themes_managed_by(user: User) -> QuerySet[Theme]:
    if not user.is_authenticated:
        return Theme.objects.none()
    return Theme.objects.filter(scheme__in=group_permissions.schemes_organised_by(user))


# --- Term evaluations ---------------------------------------------------------------


def evaluations_managed_by(user: User) -> QuerySet[TermEvaluation]:
    if not user.is_authenticated:
        return TermEvaluation.objects.none()
    return TermEvaluation.objects.filter(
        group__scheme__in=group_permissions.schemes_organised_by(user)
    )


def evaluations_visible_to(user: User) -> QuerySet[TermEvaluation]:
    """Evaluations of the groups the user belongs, belonged or will belong to (a member
    when it opened answers it after leaving: is_evaluation_member), or organises."""
    return TermEvaluation.objects.filter(group__in=group_permissions.groups_known_to(user))


def evaluation_member_days(evaluation: TermEvaluation) -> set:
    """A member may answer if their membership covers the opening day or today."""
    return {timezone.localdate(evaluation.opened_at), timezone.localdate()}


def evaluation_members_q(evaluation: TermEvaluation) -> Q:
    """Memberships whose holders may answer (see evaluation_member_days)."""
    covers = Q()
    for day in evaluation_member_days(evaluation):
        covers |= Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
    return Q(group=evaluation.group_id, role=Membership.Role.MEMBER) & covers


def is_evaluation_member(user: User, evaluation: TermEvaluation) -> bool:
    return (
        user.is_authenticated
        and Membership.objects.filter(evaluation_members_q(evaluation), person=user).exists()
    )


def can_answer_evaluation(user: User, evaluation: TermEvaluation) -> bool:
    """An open evaluation, a member of its group, who has not answered yet."""
    return (
        evaluation.is_open
        and is_evaluation_member(user, evaluation)
        and not evaluation.receipts.filter(person=user).exists()
    )


def can_manage_evaluation(user: User, evaluation: TermEvaluation) -> bool:
    return group_permissions.is_organiser(user, evaluation.group.scheme)
