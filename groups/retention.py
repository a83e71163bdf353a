"""The daily retention run: what is past its retention period goes, and nothing else.

Accounts past retention are erased in batches: one transaction per batch, and
each app's part (balint.privacy) erases the whole batch at once, so the run
scans the big text tables and the session store once per batch, not once per
person. The result is the one `groups.services.person_erase` gives each person.
"""

import logging
from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from balint import privacy
from groups import selectors
from groups.models import (
    Membership,
    PersonErasure,
    RetentionRun,
    Scheme,
    SchemeOrganiser,
    User,
)

log = logging.getLogger(__name__)

# People erased per transaction: the rows they hold stay locked until it commits.
ERASE_BATCH = 200


def people_erase_blockers(people: Sequence[User], *, on: date) -> dict[int, list[str]]:
    """Per person (by pk), what stands in the way of erasing them (empty: nothing).
    Two queries, however many people."""
    by_pk = {person.pk: person for person in people}
    problems: dict[int, list[str]] = {pk: [] for pk in by_pk}
    erased = set(PersonErasure.objects.filter(person__in=by_pk).values_list("person", flat=True))
    for pk in erased:
        problems[pk] = [f"The record of person #{pk} has already been erased."]
    current = (
        Membership.objects.filter(person__in=[pk for pk in by_pk if pk not in erased])
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .select_related("group")
        .order_by("person", "start_date")
    )
    for m in current:
        until = f"until {m.end_date:%d %b %Y}" if m.end_date else "with no end date"
        problems[m.person_id].append(
            f"{by_pk[m.person_id]} is a {m.get_role_display().lower()} of {m.group} {until}: "
            "end that membership before today first."
        )
    return problems


def _note_other_roles(people: Sequence[User], problems: dict[int, list[str]]) -> None:
    """Retention erases no one who holds another role (selectors.accounts_past_retention):
    someone made an organiser or staff since the list was read stays. One query."""
    organisers = set(
        SchemeOrganiser.objects.filter(person__in=people).values_list("person", flat=True)
    )
    for person in people:
        if person.is_staff or person.is_superuser or person.pk in organisers:
            problems[person.pk].append(f"{person} now holds another role (organiser or staff).")


def people_erase_for_retention(
    *, people: Sequence[tuple[User, Scheme]], when: datetime
) -> list[PersonErasure]:
    """Erase a batch of people past retention, each named after their scheme, in one
    transaction: the same result as `person_erase(actor=None, ...)` for each in turn.

    The people's rows are locked first; anyone who meanwhile gained a membership or
    another role (or was erased) is left alone and logged. Returns the erasures made.
    """
    scheme_of = {person.pk: scheme for person, scheme in people}
    with transaction.atomic():
        locked = list(User.objects.select_for_update().filter(pk__in=scheme_of).order_by("pk"))
        blockers = people_erase_blockers(locked, on=timezone.localdate(when))
        _note_other_roles(locked, blockers)
        erasable = [person for person in locked if not blockers[person.pk]]
        if erasable:
            for part in reversed(privacy.parts()):
                part.erase_many(erasable, when=when)
        erasures = PersonErasure.objects.bulk_create(
            PersonErasure(
                person=person,
                scheme=scheme_of[person.pk],
                erased_by=None,
                reason=PersonErasure.Reason.RETENTION,
                erased_at=when,
            )
            for person in erasable
        )
    for person in locked:
        if blockers[person.pk]:
            log.warning(
                "Retention left person %s alone: %s", person.pk, "; ".join(blockers[person.pk])
            )
    for pk in scheme_of.keys() - {person.pk for person in locked}:
        log.warning("Retention left person %s alone: no longer there", pk)
    for erasure in erasures:
        log.info(
            "Erased person %s (%s, scheme %s, by %s)",
            erasure.person_id,
            erasure.reason,
            erasure.scheme_id,
            "retention",
        )
    return erasures


def retention_enforce(*, now: datetime | None = None) -> RetentionRun:
    """Delete what is past its retention period, and nothing else; record what went.

    Each app's part removes its own expired data (on-call shifts and their
    clashes); then accounts whose last membership ended more than their schemes'
    account_retention_days ago, and who hold no role, are erased, ERASE_BATCH at
    a time.
    """
    now = now or timezone.now()
    removed: dict[str, int] = {}
    for part in privacy.parts():
        for kind, count in part.expire(now=now).items():
            removed[kind] = removed.get(kind, 0) + count
    due = selectors.accounts_past_retention(now)
    erased = 0
    for start in range(0, len(due), ERASE_BATCH):
        erased += len(people_erase_for_retention(people=due[start : start + ERASE_BATCH], when=now))
    removed["accounts erased"] = erased
    with transaction.atomic():
        run = RetentionRun.objects.create(ran_at=now, removed=removed)
    log.info(
        "Retention run %s removed %s", run.pk, ", ".join(f"{n} {k}" for k, n in removed.items())
    )
    return run
