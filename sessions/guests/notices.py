"""Emails about guests and combined sessions, queued in the outbox inside the change's
transaction, each keyed so the same news reaches a person once."""

from balint.outbox import email_queue
from groups.models import BalintGroup, Membership, User
from groups.selectors import scheme_organisers
from sessions.models import GuestRequest, Session


def _tell(people, *, kind: str, key: str, session: Session, context: dict, named=()) -> int:
    queued = 0
    for person in people:
        queued += bool(
            email_queue(
                kind=kind,
                object_key=key,
                to=person.email,
                person=person,
                scheme=session.group.scheme,
                template=kind,
                context={"session": session, **context},
                named=named,
            )
        )
    return queued


def _people_of(group: BalintGroup, session: Session, **filters) -> list[User]:
    memberships = Membership.objects.current(session.slot_date).filter(group=group, **filters)
    return [m.person for m in memberships.select_related("person").order_by("person__email")]


def guest_request_changed(request: GuestRequest) -> int:
    """Waiting: tell the group's leaders, or the scheme's organisers when the group has
    none that day (they may answer too), so no request waits unseen. Decided (or accepted
    at once): tell the guest."""
    session = request.session
    if request.status == GuestRequest.Status.PENDING:
        people = _people_of(session.group, session, role__in=Membership.LEADING_ROLES)
        people = people or scheme_organisers(session.group.scheme_id)
    else:
        people = [request.person]
    return _tell(
        people,
        kind="guest_request",
        key=f"guest_request:{request.pk}:{request.status}",
        session=session,
        context={"request": request},
        named=[request.person],
    )


def session_combined(session: Session, host: Session) -> int:
    """Tell everyone in both groups where the combined session meets."""
    people = {p.pk: p for p in _people_of(session.group, session)}
    people.update((p.pk, p) for p in _people_of(host.group, host))
    return _tell(
        people.values(),
        kind="session_combined",
        key=f"session:{session.pk}:combined:{host.pk}",
        session=session,
        context={"host": host},
    )
