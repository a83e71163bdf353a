"""The email a changeover sends: one to each person who leaves or joins a group, queued in
the outbox inside the changeover's transaction (balint.outbox).

Keyed by scheme, day and person: applying the same changeover again (more joiners
later) never tells anyone twice. New people are told by their invitation instead.
"""

from balint.outbox import email_queue
from groups.permissions import first_session_day


def changeover_told(plan) -> int:
    """Queue the news for everyone who leaves or joins (those whose places were arranged
    before too); how many were queued."""
    news: dict[int, dict] = {}
    for row in plan.leaving:
        person = row.membership.person
        news.setdefault(person.pk, {"person": person})["leaving"] = row.membership
    # One lookup per group, not per joiner: a cohort file may bring hundreds.
    groups = {row.group.pk: row.group for row in plan.to_tell}
    first_days = {pk: first_session_day(group, plan.day) for pk, group in groups.items()}
    for row in plan.to_tell:
        joining = news.setdefault(row.person.pk, {"person": row.person})
        joining["joining"] = row
        joining["first_day"] = first_days[row.group.pk]
    queued = 0
    for pk, context in sorted(news.items()):
        queued += bool(
            email_queue(
                kind="changeover",
                object_key=f"changeover:{plan.scheme.pk}:{plan.day.isoformat()}:{pk}",
                to=context["person"].email,
                person=context["person"],
                scheme=plan.scheme,
                template="changeover",
                context={"scheme": plan.scheme, "day": plan.day, **context},
            )
        )
    return queued
