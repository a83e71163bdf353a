"""The feedback part of the demo: themes, tagged sessions, feedback and a term evaluation.

Called by `manage.py seed_demo` after attendance.demo; idempotent (a group whose
sessions are tagged already, feedback already given and an evaluation already
open are left alone).

Feedback on past sessions is written directly: the service only accepts it
within a week of the session, and the demo's history is older than that.
"""

from django.utils import timezone

from attendance.models import Attendance
from feedback import services
from feedback.models import EvaluationReceipt, SessionFeedback, SessionTheme, TermEvaluation
from feedback.permissions import ATTENDED
from groups.demo import DemoGroups
from groups.models import Membership
from sessions.models import Session

THEMES = [
    "on-call",
    "frequent attender",
    "death of a patient",
    "angry relative",
    "boundaries",
    "breaking bad news",
    "self-harm",
    "a colleague's mistake",
]
# Spread over a group's latest held sessions so that, apart from the planned repeats
# below, no theme comes back within four sessions and no presenter repeats one.
ROTATION = [
    "boundaries",
    "death of a patient",
    "angry relative",
    "self-harm",
    "breaking bad news",
    "a colleague's mistake",
]
TAGGED_SESSIONS = 12
RECURRING = "on-call"  # on the latest two sessions: a repeat within four weeks
PRESENTER_REPEAT = "frequent attender"  # on two sessions of one presenter

# Answers given per session, newest first: the latest has too few for a summary.
ANSWERS = [2, 5, 4, 6, 3, 4]
RATINGS = [(4, 5, 4), (5, 4, 4), (3, 4, 3), (4, 4, 5), (5, 5, 4), (2, 3, 3), (4, 3, 4)]
COMMENTS = [
    "A good space to think.",
    "",
    "Felt rushed at the end.",
    "",
    "Helpful to hear how others manage on-call.",
    "We drifted into management for a while.",
    "",
]
EVALUATION_ANSWERS = [
    (5, 4, 4, 5, "More time for the second half would help."),
    (4, 5, 4, 4, ""),
    (4, 4, 5, 5, "The best hour of my week."),
    (3, 4, 3, 4, ""),
]


def _leader(group):
    return (
        Membership.objects.current()
        .filter(group=group, role=Membership.Role.LEADER)
        .select_related("person")
        .first()
        .person
    )


def _seed_themes(people: DemoGroups) -> None:
    existing = {name.lower() for name in people.scheme.themes.values_list("name", flat=True)}
    for name in THEMES:
        if name.lower() not in existing:
            services.theme_create(actor=people.organiser, scheme=people.scheme, name=name)


def _tag_sessions(group, leader) -> None:
    if SessionTheme.objects.filter(session__group=group).exists():
        return
    held = list(group.sessions.filter(status=Session.Status.HELD).order_by("starts_at"))
    held = held[-TAGGED_SESSIONS:]
    if len(held) < 2:
        return
    plan, presented = {}, {}
    for index, session in enumerate(held):
        recent = {name for s in held[max(0, index - 4) : index] for name in plan[s.pk]}
        used = presented.setdefault(session.presenter_id, set())
        fresh = [
            name
            for name in ROTATION[index % len(ROTATION) :] + ROTATION[: index % len(ROTATION)]
            if name not in recent and name not in used
        ]
        plan[session.pk] = fresh[:1]
        used.update(fresh[:1])
    plan[held[-1].pk].append(RECURRING)
    plan[held[-2].pk].append(RECURRING)
    # The latest presenter who had presented before among these sessions repeats a theme.
    for later_index in range(len(held) - 1, 0, -1):
        later = held[later_index]
        earlier = next(
            (s for s in reversed(held[:later_index]) if s.presenter_id == later.presenter_id),
            None,
        )
        if later.presenter_id and earlier:
            plan[later.pk].append(PRESENTER_REPEAT)
            plan[earlier.pk].append(PRESENTER_REPEAT)
            break
    for session in held:
        services.session_themes_set(
            actor=leader, session=session, themes=[], new_names=plan[session.pk]
        )


def _seed_feedback(group, trainee) -> None:
    held = list(group.sessions.filter(status=Session.Status.HELD).order_by("-starts_at"))
    for number, (session, wanted) in enumerate(zip(held, ANSWERS, strict=False)):
        attendees = list(
            Attendance.objects.filter(
                session=session, role=Attendance.Role.MEMBER, status__in=ATTENDED
            )
            .exclude(person=trainee)  # the demo trainee gives their own
            .order_by("person__full_name")
            .values_list("person_id", flat=True)
        )
        for index, person_id in enumerate(attendees[:wanted]):
            pick = number + index
            safe, relationship, useful = RATINGS[pick % len(RATINGS)]
            SessionFeedback.objects.get_or_create(
                session=session,
                person_id=person_id,
                defaults={
                    "safe_to_speak": safe,
                    "stayed_on_relationship": relationship,
                    "useful_for_practice": useful,
                    "comment": COMMENTS[pick % len(COMMENTS)],
                },
            )


def _seed_evaluation(people: DemoGroups, group) -> None:
    evaluation = TermEvaluation.objects.filter(group=group, closed_at__isnull=True).first()
    if evaluation is None:
        today = timezone.localdate()
        season = "Spring" if today.month <= 6 else "Autumn"
        evaluation = services.evaluation_open(
            actor=people.organiser, group=group, title=f"{season} term {today.year}"
        )
    members = (
        Membership.objects.current()
        .filter(group=group, role=Membership.Role.MEMBER)
        .exclude(person=people.trainee)  # left for the demo trainee to answer
        .order_by("person__full_name")
    )
    answered = set(
        EvaluationReceipt.objects.filter(evaluation=evaluation).values_list("person_id", flat=True)
    )
    for membership, answer in zip(members, EVALUATION_ANSWERS, strict=False):
        if membership.person_id in answered:
            continue
        safe, leadership, understanding, recommend, comment = answer
        services.evaluation_answer(
            actor=membership.person,
            evaluation=evaluation,
            safe_group=safe,
            leadership=leadership,
            understanding=understanding,
            recommend=recommend,
            comment=comment,
        )


def seed(people: DemoGroups) -> None:
    _seed_themes(people)
    for group in people.groups[:2]:
        _tag_sessions(group, _leader(group))
    first = people.groups[0]
    _seed_feedback(first, people.trainee)
    _seed_evaluation(people, first)
