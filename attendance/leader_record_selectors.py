"""A leader's own record of sessions led and co-led, across all their schemes, for their
accreditation (the CSV and PDF of attendance.leader_record_views). One query for the list;
the totals are counted from it, with none more."""

from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from attendance import selectors
from attendance.models import Attendance
from groups.models import User

ATTENDED = [Attendance.Status.PRESENT, Attendance.Status.LATE]
# Who "members present" counts: the group's members and its guests, not who led it.
IN_THE_GROUP = [Attendance.Role.MEMBER, Attendance.Role.GUEST]


def led_sessions(person: User) -> QuerySet:
    """The sessions the person led or co-led (held, and they were there as leader), newest
    first, as rows of day, scheme, group (and its id), role, led_as ("Led" or "Co-led")
    and present: the members and guests recorded present or late on its register. One
    query, counted by the database."""
    present = (
        Attendance.objects.filter(
            session=OuterRef("session"), role__in=IN_THE_GROUP, status__in=ATTENDED
        )
        .order_by()
        .values("session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        selectors.led_records()  # the leading log's own rule of what counts as led
        .filter(person=person)
        .annotate(
            day=F("session__slot_date"),
            scheme=F("session__group__scheme__name"),
            group=F("session__group__name"),
            led_as=Case(
                When(role=Attendance.Role.LEADER, then=Value("Led")),
                default=Value("Co-led"),
                output_field=CharField(),
            ),
            present=Coalesce(Subquery(present, output_field=IntegerField()), 0),
        )
        .order_by("-session__starts_at", "-pk")
        .values_list(
            "day", "scheme", "session__group_id", "group", "role", "led_as", "present", named=True
        )
    )


@dataclass
class RecordTotal:
    """Sessions led and co-led in one group (or, with no scheme, in all of them)."""

    scheme: str
    group: str
    led: int = 0
    co_led: int = 0

    @property
    def total(self) -> int:
        return self.led + self.co_led

    def add(self, role: str) -> None:
        if role == Attendance.Role.LEADER:
            self.led += 1
        else:
            self.co_led += 1


@dataclass
class LeaderRecord:
    person: User
    rows: list  # led_sessions' rows
    totals: list[RecordTotal]  # per group, by scheme and group name
    overall: RecordTotal


def leader_record(person: User) -> LeaderRecord:
    """The person's record with its totals per group and overall. One query."""
    rows = list(led_sessions(person))
    per_group: dict[int, RecordTotal] = {}
    overall = RecordTotal("", "All groups")
    for row in rows:
        per_group.setdefault(row.session__group_id, RecordTotal(row.scheme, row.group)).add(
            row.role
        )
        overall.add(row.role)
    totals = sorted(per_group.values(), key=lambda t: (t.scheme, t.group))
    return LeaderRecord(person, rows, totals, overall)
