"""Reads shared by pages, shaped to run a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from allauth.mfa.models import Authenticator
from django.db.models import (
    CharField,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from balint import outbox
from balint.keyset import KeysetPage, keyset_page
from balint.models import OutboundEmail
from groups import permissions
from groups.models import (
    AccessLogEntry,
    BalintGroup,
    Invitation,
    Membership,
    RetentionRun,
    Scheme,
    SchemeOrganiser,
    User,
)

# Recovery codes alone are no second factor: they back up one of these.
SECOND_FACTOR_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def covering(on: date, prefix: str = "") -> Q:
    """Memberships (through `prefix`, e.g. "memberships__") that cover the day `on`: the
    Q form of Membership.objects.current(), for filters, annotations and counts."""
    return Q(**{f"{prefix}start_date__lte": on}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": on})
    )


def with_member_counts(groups: QuerySet[BalintGroup], on: date | None = None):
    """Annotate `member_count`: current members (leaders not counted).

    A correlated subquery, not a join and GROUP BY: the database counts only for
    the groups it returns, so a page of 50 groups costs the same in a scheme of 500.
    """
    on = on or timezone.localdate()
    members = (
        Membership.objects.filter(covering(on), group=OuterRef("pk"), role=Membership.Role.MEMBER)
        .order_by()
        .values("group")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return groups.annotate(member_count=Coalesce(Subquery(members), 0))


def group_size_warning(group: BalintGroup) -> str:
    if group.member_count < group.min_members:
        return f"Below the minimum of {group.min_members} members."
    if group.member_count > group.max_members:
        return f"Above the maximum of {group.max_members} members."
    return ""


def scheme_groups(scheme: Scheme) -> QuerySet[BalintGroup]:
    """The scheme's groups by name, each with its member_count."""
    return with_member_counts(scheme.groups.order_by("name"))


def groups_with_counts(visible: QuerySet[BalintGroup]) -> QuerySet[BalintGroup]:
    """The `visible` groups with their scheme and member_count.

    Counted on a fresh queryset: a visibility filter may join memberships too, and
    the count would then run over the join.
    """
    fresh = BalintGroup.objects.filter(pk__in=visible.values("pk"))
    return with_member_counts(fresh).select_related("scheme")


def group_memberships(group: BalintGroup) -> list[Membership]:
    """Every membership of the group, past and future ones too, by role and name."""
    return list(group.memberships.select_related("person").order_by("role", "person__full_name"))


# The organiser's home names at most this many groups; the scheme page lists them all.
ATTENTION_SHOWN = 10


def groups_needing_attention(schemes: list[Scheme], on: date) -> dict[int, list[int]]:
    """Scheme pk -> pks by name of its groups whose current membership is outside their
    size range. One join and GROUP BY over the schemes' memberships: a correlated count
    per group costs 500 index scans, twice, in a national scheme."""
    current_member = covering(on, "memberships__") & Q(memberships__role=Membership.Role.MEMBER)
    rows = (
        BalintGroup.objects.filter(scheme__in=schemes)
        .annotate(member_count=Count("memberships", filter=current_member))
        .filter(Q(member_count__lt=F("min_members")) | Q(member_count__gt=F("max_members")))
        .order_by("name", "pk")
        .values_list("scheme_id", "pk")
    )
    found: dict[int, list[int]] = {scheme.pk: [] for scheme in schemes}
    for scheme_id, pk in rows:
        found[scheme_id].append(pk)
    return found


def _add_attention_groups(schemes: list[Scheme], on: date) -> None:
    """Each scheme's attention_count and its first ATTENTION_SHOWN attention_groups."""
    attention = groups_needing_attention(schemes, on) if schemes else {}
    shown = [pk for pks in attention.values() for pk in pks[:ATTENTION_SHOWN]]
    groups = with_member_counts(BalintGroup.objects.filter(pk__in=shown), on).order_by("name", "pk")
    for scheme in schemes:
        scheme.attention_count = len(attention[scheme.pk])
        scheme.attention_groups = [g for g in groups if g.scheme_id == scheme.pk]
        for group in scheme.attention_groups:
            group.size_warning = group_size_warning(group)


def _count_per_scheme(rows: QuerySet) -> Subquery:
    """How many of `rows` belong to the outer scheme: a subquery, so a scheme of 500
    groups costs one number, not 500 objects."""
    counted = rows.filter(scheme=OuterRef("pk")).order_by().values("scheme")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def organised_summaries(schemes: list[Scheme], on: date) -> list[Scheme]:
    """The organiser's schemes, each with its requirement, group_count, pending_invitations,
    undelivered_mail, attention_count and first attention_groups. Three queries."""
    if not schemes:
        return []
    summaries = list(
        # "requirement": attendance's one-to-one (sessions required), named, not imported.
        Scheme.objects.filter(pk__in=[scheme.pk for scheme in schemes])
        .select_related("requirement")
        .defer("requirement__certificate_mark")  # a picture only certificates need
        .annotate(
            group_count=_count_per_scheme(BalintGroup.objects.all()),
            pending_invitations=Count(
                "invitations",
                filter=Q(
                    invitations__accepted_at__isnull=True,
                    invitations__revoked_at__isnull=True,
                    invitations__expires_at__gt=timezone.now(),
                ),
                distinct=True,
            ),
            undelivered_mail=_count_per_scheme(OutboundEmail.objects.filter(state="failed")),
        )
        .order_by("name", "pk")
    )
    _add_attention_groups(summaries, on)
    return summaries


def latest_bounce(user: User) -> OutboundEmail | None:
    """The latest mail to the person that could not be delivered."""
    return (
        OutboundEmail.objects.filter(person=user, state=OutboundEmail.State.FAILED)
        .only("to", "failed_at", "last_error")
        .order_by("-failed_at")
        .first()
    )


@dataclass
class Roles:
    """The roles a person holds from today on, for the navigation and the home page."""

    organised: list[Scheme] = field(default_factory=list)
    member_groups: list[BalintGroup] = field(default_factory=list)  # member today or later
    led_groups: list[BalintGroup] = field(default_factory=list)  # leading or co-leading today
    # Groups they were a member of and no longer are, each with `ended_on`: their own
    # history (progress, feedback) stays theirs.
    former_groups: list[BalintGroup] = field(default_factory=list)


ROLE_COLUMNS = ("kind", "scheme_pk", "scheme_name", "group_pk", "group_name", "starts", "ends")


def roles_of(user: User, on: date | None = None) -> Roles:
    """Schemes organised, groups joined (today or later), groups left and groups led
    (today), by name, with only their pk and name. One query: the two role tables in a
    UNION, since every page's navigation asks."""
    on = on or timezone.localdate()
    organiser = (
        SchemeOrganiser.objects.filter(person=user)
        .annotate(
            kind=Value("organiser", output_field=CharField()),
            scheme_pk=F("scheme_id"),
            scheme_name=F("scheme__name"),
            group_pk=Value(None, output_field=IntegerField()),
            group_name=Value("", output_field=CharField()),
            starts=Value(None, output_field=DateField()),
            ends=Value(None, output_field=DateField()),
        )
        .order_by()
        .values_list(*ROLE_COLUMNS)
    )
    memberships = (
        Membership.objects.filter(person=user)
        .annotate(
            kind=F("role"),
            scheme_pk=F("group__scheme_id"),
            scheme_name=F("group__scheme__name"),
            group_pk=F("group_id"),
            group_name=F("group__name"),
            starts=F("start_date"),
            ends=F("end_date"),
        )
        .order_by()
        .values_list(*ROLE_COLUMNS)
    )
    rows = list(organiser.union(memberships, all=True))
    # By name: the group's, or on an organiser's row (no group) the scheme's.
    rows.sort(key=lambda row: (row[4] or row[2], row[3] or 0))
    roles = Roles()
    member, led, former = {}, {}, {}
    for kind, scheme_pk, scheme_name, group_pk, group_name, starts, ends in rows:
        if kind == "organiser":
            roles.organised.append(Scheme(pk=scheme_pk, name=scheme_name))
            continue
        group = BalintGroup(pk=group_pk, name=group_name, scheme_id=scheme_pk)
        if ends is not None and ends < on:
            if kind == Membership.Role.MEMBER:
                group.ended_on = max(ends, getattr(former.get(group_pk), "ended_on", ends))
                former[group_pk] = group
        elif kind == Membership.Role.MEMBER:
            member.setdefault(group_pk, group)
        elif starts <= on:
            led.setdefault(group_pk, group)
    roles.member_groups, roles.led_groups = list(member.values()), list(led.values())
    roles.former_groups = [g for pk, g in former.items() if pk not in member]
    return roles


def scheme_organisers(scheme_id: int) -> list[User]:
    """Whoever organises the scheme, by email: those to tell when a group has no one
    to answer."""
    return list(User.objects.filter(organiser_roles__scheme=scheme_id).order_by("email"))


def people_in_scheme(scheme: Scheme) -> QuerySet[User]:
    """Everyone with a membership in one of the scheme's groups, or an organiser role.

    EXISTS, not IN lists or joins: no duplicate rows, and in (full_name, pk) order the
    database walks the name index and stops after one page (scheme_people_page).
    """
    member = Membership.objects.filter(person=OuterRef("pk"), group__scheme=scheme)
    organiser = SchemeOrganiser.objects.filter(person=OuterRef("pk"), scheme=scheme)
    return User.objects.filter(Exists(member) | Exists(organiser)).order_by("full_name", "pk")


def people_matching(people: QuerySet[User], words: str) -> QuerySet[User]:
    """People whose name, email or registration number holds every one of `words`."""
    for word in words.split()[:5]:
        people = people.filter(
            Q(full_name__icontains=word)
            | Q(email__icontains=word)
            | Q(registration_number__icontains=word)
        )
    return people


def scheme_people_page(
    scheme: Scheme,
    *,
    words: str,
    size: int,
    after: str | None = None,
    before: str | None = None,
) -> KeysetPage:
    """One page by name of the scheme's people matching `words`, each with `erased`
    (when, or None), `has_second_factor` and `scheme_memberships`: their current
    memberships of the scheme's groups. The same few queries at any page."""
    people = people_matching(people_in_scheme(scheme), words).annotate(
        erased=F("erasure__erased_at"),
        has_second_factor=Exists(
            Authenticator.objects.filter(user=OuterRef("pk"), type__in=SECOND_FACTOR_TYPES)
        ),
    )
    page = keyset_page(people, key="full_name", size=size, after=after, before=before)
    current = Membership.objects.current().filter(group__scheme=scheme).select_related("group")
    prefetch_related_objects(
        page.items, Prefetch("memberships", queryset=current, to_attr="scheme_memberships")
    )
    return page


def has_second_factor(user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTOR_TYPES).exists()


def account_exists(email: str) -> bool:
    """Whether someone already signs in with this address, in any case."""
    return User.objects.filter(email__iexact=email).exists()


def people_by_email(emails) -> dict[str, User]:
    """Existing accounts for these addresses, keyed by lower-case email. One query."""
    found = User.objects.annotate(lower_email=Lower("email")).filter(
        lower_email__in={e.lower() for e in emails}
    )
    return {person.lower_email: person for person in found}


def pending_invitations(scheme: Scheme) -> QuerySet[Invitation]:
    return scheme.invitations.pending().select_related("group").order_by("-created_at")


def schemes_by_name() -> QuerySet[Scheme]:
    return Scheme.objects.order_by("name")


def undelivered_mail(scheme: Scheme) -> QuerySet[OutboundEmail]:
    """The scheme's mail that could not be delivered, with its person, without the
    HTML bodies that a list never shows."""
    return outbox.failed_emails(scheme.pk).select_related("person").defer("body_html")


def access_log_entries(
    visible: QuerySet[AccessLogEntry], *, scheme: Scheme | None = None
) -> QuerySet[AccessLogEntry]:
    """The `visible` entries (a permissions scope), of one scheme if given, with who
    did it, to whom and where read in the same query."""
    if scheme is not None:
        visible = visible.filter(scheme=scheme)
    return visible.select_related("actor", "subject", "scheme")


def retention_runs_latest(count: int) -> QuerySet[RetentionRun]:
    return RetentionRun.objects.all()[:count]


def accounts_past_retention(now: datetime) -> list[tuple[User, Scheme]]:
    """People to erase under their schemes' account retention, each with the scheme of
    their last membership. Three queries.

    Due: every membership has ended, in every scheme more than that scheme's
    account_retention_days ago (counted in the scheme's own time zone), and the
    person holds no other role (organiser, staff) and is not erased already.
    People who never had a membership are not counted as having left anything.
    """
    candidates = (
        User.objects.filter(memberships__isnull=False, is_staff=False, is_superuser=False)
        .filter(erasure__isnull=True)
        .exclude(memberships__end_date__isnull=True)
        .exclude(organiser_roles__isnull=False)
    )
    last_ends = (
        Membership.objects.filter(person__in=candidates.values("pk"))
        .values("person_id", "group__scheme_id")
        .annotate(last=Max("end_date"))
        .values_list("person_id", "group__scheme_id", "last")
    )
    schemes = Scheme.objects.in_bulk()
    latest: dict[int, tuple[date, Scheme]] = {}
    kept: set[int] = set()
    for person_id, scheme_id, last in last_ends:
        scheme = schemes[scheme_id]
        today = now.astimezone(ZoneInfo(scheme.time_zone)).date()
        if last >= today - timedelta(days=scheme.account_retention_days):
            kept.add(person_id)
        elif person_id not in latest or last > latest[person_id][0]:
            latest[person_id] = (last, scheme)
    due = [pk for pk in latest if pk not in kept]
    people = User.objects.in_bulk(due)
    return [(people[pk], latest[pk][1]) for pk in sorted(due)]


def schemes_organised_with_requirement(user: User) -> QuerySet[Scheme]:
    """The organiser's schemes with attendance's one-to-one requirement (sessions required,
    shown on the scheme page), named here, not imported. Without the certificate mark:
    a picture of up to 600 px a side that only the certificates need."""
    return (
        permissions.schemes_organised_by(user)
        .select_related("requirement")
        .defer("requirement__certificate_mark")
    )
