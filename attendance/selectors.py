"""Reads for registers and the leader log, each a fixed number of queries (progress and
the scheme overview: attendance.progress; certificates: attendance.certificate_selectors)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from attendance.models import Attendance, AttendanceChange
from groups import permissions as group_permissions
from groups.models import BalintGroup, Membership, Scheme, User
from sessions import permissions as session_permissions
from sessions.guests.selectors import register_roles
from sessions.leave.selectors import unavailable_by_day
from sessions.models import Session

# --- Register ---------------------------------------------------------------------

ROLE_ORDER = {"leader": 0, "co_leader": 1, "member": 2, "guest": 3}


@dataclass
class RegisterLine:
    person: User
    role: str
    status: str  # "" when not marked yet
    recorded: str = ""
    on_leave: bool = False

    @property
    def is_leading(self) -> bool:
        return self.role in (Attendance.Role.LEADER, Attendance.Role.CO_LEADER)

    @property
    def is_guest(self) -> bool:
        return self.role == Attendance.Role.GUEST


def visible_sessions(user: User) -> QuerySet[Session]:
    """Sessions the user may see, with the group, scheme and presenter their pages show.
    Membership-bounded: a former member finds only their own sessions of the group
    (sessions.permissions.sessions_visible_to)."""
    return session_permissions.sessions_visible_to(user).select_related(
        "group__scheme", "presenter"
    )


def sessions_hosting_groups_led_by(user: User) -> QuerySet[Session]:
    """Other groups' sessions that a session of a group the user leads was combined into:
    its leaders are in that room and take that register too."""
    led = group_permissions.groups_led_by(user)
    return (
        Session.objects.filter(combined_sessions__group__in=led)
        .select_related("group__scheme", "presenter")
        .distinct()
    )


def visible_groups(user: User) -> QuerySet[BalintGroup]:
    """Groups the user reads today (a current membership, or their scheme's), with their
    scheme."""
    return group_permissions.groups_visible_to(user).select_related("scheme")


def register_lines(session: Session) -> list[RegisterLine]:
    """Everyone the register lists (sessions.guests.selectors.register_roles: the group's
    people on the session's date, those of groups combined into it, accepted guests),
    with their record or a default.

    Unrecorded people start not marked: attendance counts toward a training requirement,
    so no one is present until a leader says so. Those with leave that day start as
    apologies, which counts toward nothing.
    """
    roles = register_roles(session)
    records = {a.person_id: a for a in session.attendance.select_related("person")}
    people = User.objects.in_bulk([pk for pk in roles if pk not in records])
    on_leave = unavailable_by_day(set(roles), [session.slot_date]).get(session.slot_date, set())
    lines = {}
    for person_id, role in roles.items():
        record = records.get(person_id)
        default = Attendance.Status.APOLOGIES if person_id in on_leave else ""
        lines[person_id] = RegisterLine(
            person=record.person if record else people[person_id],
            role=record.role if record else role,
            status=record.status if record else default,
            recorded=record.status if record else "",
            on_leave=person_id in on_leave,
        )
    # Someone recorded earlier whose membership has since been changed keeps their line.
    for person_id, record in records.items():
        if person_id not in lines:
            lines[person_id] = RegisterLine(
                person=record.person, role=record.role, status=record.status, recorded=record.status
            )
    return sorted(lines.values(), key=lambda line: (ROLE_ORDER[line.role], line.person.full_name))


def register_history(session: Session) -> QuerySet[AttendanceChange]:
    """Every change to the session's register, with who it was about and who made it."""
    return AttendanceChange.objects.filter(attendance__session=session).select_related(
        "attendance__person", "changed_by"
    )


# --- Leader log ---------------------------------------------------------------------


def schemes_led_by(person: User) -> QuerySet[Scheme]:
    """Schemes in which the person has led or co-led a group, at any time."""
    return Scheme.objects.filter(
        groups__memberships__person=person,
        groups__memberships__role__in=Membership.LEADING_ROLES,
    ).distinct()


def led_records() -> QuerySet[Attendance]:
    """Records of sessions led or co-led: attended as leader of a session that was held."""
    return Attendance.objects.filter(
        session__status=Session.Status.HELD,
        role__in=[Attendance.Role.LEADER, Attendance.Role.CO_LEADER],
        status__in=[Attendance.Status.PRESENT, Attendance.Status.LATE],
    )


def leading_log(scheme: Scheme, person: User | None = None) -> QuerySet[Attendance]:
    """Sessions led or co-led (attended as leader), newest first."""
    log = (
        led_records()
        .filter(session__group__scheme=scheme)
        .select_related("person", "session__group")
    )
    if person is not None:
        log = log.filter(person=person)
    return log.order_by("person__full_name", "-session__starts_at")


@dataclass(frozen=True)
class LeadingTotal:
    """Sessions led and co-led in one group (or, as `LeadingLog.overall`, in all)."""

    group: str
    led: int
    co_led: int
    total: int


@dataclass
class LeadingLog:
    scheme: Scheme
    records: Sequence[Attendance]  # the sessions, or a page of them
    totals: list[LeadingTotal]  # per group, by name

    @property
    def overall(self) -> LeadingTotal:
        return LeadingTotal(
            group="All groups",
            led=sum(t.led for t in self.totals),
            co_led=sum(t.co_led for t in self.totals),
            total=sum(t.total for t in self.totals),
        )


def _totals_by_scheme(records: QuerySet[Attendance]) -> dict[int, list[LeadingTotal]]:
    """Per scheme, the records' counts per group, counted by the database. One query."""
    rows = (
        records.values("session__group__scheme", "session__group", "session__group__name")
        .annotate(
            led=Count("pk", filter=Q(role=Attendance.Role.LEADER)),
            co_led=Count("pk", filter=Q(role=Attendance.Role.CO_LEADER)),
            total=Count("pk"),
        )
        .order_by("session__group__name", "session__group")
    )
    totals: dict[int, list[LeadingTotal]] = {}
    for row in rows:
        totals.setdefault(row["session__group__scheme"], []).append(
            LeadingTotal(row["session__group__name"], row["led"], row["co_led"], row["total"])
        )
    return totals


def leading_totals(scheme: Scheme) -> list[LeadingTotal]:
    """Everyone's sessions led and co-led in each group of the scheme. One query."""
    return _totals_by_scheme(led_records().filter(session__group__scheme=scheme)).get(scheme.pk, [])


def leading_logs_of(person: User) -> list[LeadingLog]:
    """The person's own log in each scheme they have led in, with its totals. Three queries."""
    schemes = list(schemes_led_by(person).order_by("name"))
    mine = led_records().filter(person=person, session__group__scheme__in=schemes)
    records: dict[int, list[Attendance]] = {}
    for record in mine.select_related("session__group").order_by("-session__starts_at"):
        records.setdefault(record.session.group.scheme_id, []).append(record)
    totals = _totals_by_scheme(mine)
    return [
        LeadingLog(scheme, records.get(scheme.pk, []), totals.get(scheme.pk, []))
        for scheme in schemes
    ]
