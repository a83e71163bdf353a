"""Emails about sessions, queued in the outbox inside the transaction of the change.

Each is keyed by what it tells, so the same news is never queued twice for one
person, while news that can recur (a session moved again) gets a key of its own.
"""

from django.utils import timezone

from balint.outbox import email_queue
from groups.models import Membership, User
from sessions.models import Session, SwapRequest


def _tell_group(
    session: Session, *, kind: str, news: str, context: dict, named=(), **filters
) -> int:
    """Queue one email per person currently in the session's group (narrowed by filters)."""
    memberships = Membership.objects.current(session.slot_date).filter(
        group=session.group_id, **filters
    )
    queued = 0
    for membership in memberships.select_related("person").order_by("person__email"):
        queued += bool(
            email_queue(
                kind=kind,
                object_key=f"session:{session.pk}:{news}",
                to=membership.person.email,
                person=membership.person,
                scheme=session.group.scheme,
                template=kind,
                context=context,
                named=named,
            )
        )
    return queued


def session_changed(session: Session, change: str) -> int:
    """Tell everyone in the group that a session moved or was cancelled."""
    # A session can move more than once: each new time is news.
    news = f"moved:{session.starts_at.isoformat()}" if change == "moved" else change
    context = {"session": session, "change": change}
    return _tell_group(session, kind="session_changed", news=news, context=context)


def date_given_back(session: Session, person: User) -> int:
    """Tell the group's leaders that a presenter gave their date back."""
    return _tell_group(
        session,
        kind="date_given_back",
        news=f"given_back:{person.pk}:{timezone.now().isoformat()}",
        context={"session": session, "person": person},
        named=[person],
        role__in=Membership.LEADING_ROLES,
    )


# Why an open swap request closed without an answer: the withdrawal notice says which.
WITHDRAWN = "withdrawn"  # its requester took it back
DATE_CHANGED = "date_changed"  # one of its dates changed hands in another swap
REPLANNED = "replanned"  # the leaders planned the rota again


def swap_withdrawn(swap: SwapRequest, *, reason: str, people: list[User]) -> int:
    """Tell `people` that an open swap request is withdrawn, and why: the one asked no
    longer waits to answer it."""
    context = {"swap": swap, "reason": reason}
    return _tell_of_swap(swap, people, SwapRequest.Status.WITHDRAWN, "swap_withdrawn", context)


def swap_changed(swap: SwapRequest) -> int:
    """A swap was asked for (tell the recipient) or decided (tell both)."""
    if swap.status == SwapRequest.Status.PENDING:
        people = [swap.recipient]
    else:
        people = [swap.requester, swap.recipient]
    return _tell_of_swap(swap, people, swap.status, "swap", {"swap": swap})


def _tell_of_swap(
    swap: SwapRequest, people: list[User], status: str, template: str, context: dict
) -> int:
    """One email per person, once per swap and status (the outbox's object key)."""
    queued = 0
    for person in people:
        queued += bool(
            email_queue(
                kind="swap",
                object_key=f"swap:{swap.pk}:{status}",
                to=person.email,
                person=person,
                scheme=swap.requester_session.group.scheme,
                template=template,
                context=context,
                named=[swap.requester, swap.recipient],
            )
        )
    return queued
