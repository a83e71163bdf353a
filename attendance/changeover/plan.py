"""The plan of a changeover, as plain data: who leaves and who joins which group, the
sizes that result and what stops it. Read by selectors.changeover_preview; shown by the
page and carried out by services.changeover_apply."""

import hashlib
from dataclasses import dataclass, field
from datetime import date

from groups.models import BalintGroup, Membership, Scheme, User

TRACKS = dict(Membership.Track.choices)


@dataclass(frozen=True)
class Joiner:
    """Someone joining a group on the changeover day: one of the scheme's people picked
    on the page (`person`), or a row of the incoming cohort's CSV (`email`, `line`).
    Without an end date they stay until their track's next rotation."""

    group: BalintGroup
    track: str = ""
    person: User | None = None
    email: str = ""
    full_name: str = ""
    end_date: date | None = None
    line: int | None = None  # of the CSV
    pick: int | None = None  # the page's own reference to a person it picked


@dataclass
class Leaver:
    """A member on a track that rotates on the day, in a group the day before."""

    membership: Membership
    counted: int  # sessions counted toward the requirement so far, in any group
    to_come: int  # sessions of the group scheduled before they leave
    continues: bool  # a place in the scheme from the changeover on (or joining one now)
    # Their place ends the day before anyway: nothing to change. Read with the plan, so
    # that applying it (which ends the others' places then) does not change the plan.
    ends_already: bool
    kept: bool = False  # the organiser keeps them in the group: not leaving
    short: bool = False  # leaves the scheme's groups before reaching the requirement


class How:
    """How a joiner joins."""

    MEMBER = "member"  # one of the scheme's people: a membership from the day
    INVITATION = "invitation"  # someone new to the scheme: an invitation to accept
    ARRANGED = "arranged"  # a membership from the day exists already
    INVITED = "invited"  # a pending invitation from the day exists already


@dataclass
class Joining:
    """A row of the plan's joiners: who, which group, until when, how, and what is wrong."""

    group: BalintGroup
    track: str
    name: str
    email: str
    how: str
    end_date: date | None
    person: User | None = None
    line: int | None = None
    pick: int | None = None
    problem: str = ""

    @property
    def key(self) -> str:
        return f"person:{self.person.pk}" if self.person else f"email:{self.email.lower()}"

    @property
    def track_label(self) -> str:
        return TRACKS.get(self.track, "no track")


@dataclass
class GroupSize:
    group: BalintGroup
    before: int  # members the day before
    leaving: int
    joining: int
    members: int  # members on the day, after the changeover
    invited: int  # invitations from the day not yet accepted

    @property
    def after(self) -> int:
        return self.members + self.invited

    @property
    def warning(self) -> str:
        if self.after < self.group.min_members:
            return f"Below the minimum of {self.group.min_members}."
        if self.after > self.group.max_members:
            return f"Above the maximum of {self.group.max_members}."
        return ""


@dataclass
class Plan:
    scheme: Scheme
    day: date
    tracks: list[str]  # the tracks that rotate on the day, by label
    required: int
    leavers: list[Leaver] = field(default_factory=list)
    joiners: list[Joining] = field(default_factory=list)
    sizes: list[GroupSize] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    told: int = 0  # once applied: the people told now (not before)

    @property
    def leaving(self) -> list[Leaver]:
        return [row for row in self.leavers if not row.kept]

    @property
    def to_end(self) -> list[Leaver]:
        """The places to end: the others end the day before already."""
        return [row for row in self.leaving if not row.ends_already]

    @property
    def to_add(self) -> list[Joining]:
        return [row for row in self.joiners if row.how == How.MEMBER]

    @property
    def to_invite(self) -> list[Joining]:
        return [row for row in self.joiners if row.how == How.INVITATION]

    @property
    def to_tell(self) -> list[Joining]:
        """Joiners with a place from the day (new or arranged before): they are told."""
        return [row for row in self.joiners if row.how in (How.MEMBER, How.ARRANGED)]

    @property
    def people_told(self) -> int:
        """How many people the changeover tells: each once, whether leaving, joining or both."""
        people = {row.membership.person_id for row in self.leaving}
        return len(people | {row.person.pk for row in self.to_tell})

    @property
    def changes(self) -> bool:
        """Someone leaves or joins. Applied again, a changeover ends and adds no one twice
        and tells no one twice, so one whose places were all arranged before can still be
        applied: the rota is planned and the people are told."""
        return bool(self.leaving or self.joiners)

    @property
    def short(self) -> list[Leaver]:
        return [row for row in self.leavers if row.short]

    def leavers_by_group(self) -> list[tuple[BalintGroup, list[Leaver]]]:
        return _by_group(self.leavers, lambda row: row.membership.group)

    def joiners_by_group(self) -> list[tuple[BalintGroup, list[Joining]]]:
        return _by_group(self.joiners, lambda row: row.group)

    @property
    def digest(self) -> str:
        """A fingerprint of everything the plan does and shows: applying refuses a plan
        whose fingerprint is not the one the organiser saw."""
        parts = [self.day.isoformat()]
        parts += [
            f"L{r.membership.pk}|{r.membership.end_date}|{r.kept}|{r.counted}|{r.short}"
            for r in self.leavers
        ]
        parts += [f"J{r.key}|{r.group.pk}|{r.track}|{r.end_date}|{r.how}" for r in self.joiners]
        parts += [f"S{s.group.pk}|{s.before}|{s.members}|{s.invited}" for s in self.sizes]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _by_group(rows, group_of) -> list[tuple[BalintGroup, list]]:
    grouped: dict[int, tuple[BalintGroup, list]] = {}
    for row in rows:
        group = group_of(row)
        grouped.setdefault(group.pk, (group, []))[1].append(row)
    return sorted(grouped.values(), key=lambda item: (item[0].name, item[0].pk))
