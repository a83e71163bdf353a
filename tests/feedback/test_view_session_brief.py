"""`/sessions/<pk>/before/`: before a session, the themes of the group's last held sessions,
the ones that recur, and what its presenter has presented before. Themes only."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import Session
from tests import factories
from tests.access import access, assert_sign_in_first
from tests.factories.attendance import held_sessions, past_wednesdays
from tests.factories.feedback import ThemeFactory, tag
from tests.factories.sessions import FIRST_WEDNESDAY, SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


@pytest.fixture
def presenter(group):
    return factories.MembershipFactory(group=group, person__full_name="Dr Ann Presenter").person


@pytest.fixture
def session(group, presenter):
    """The group's next session, on Wednesday 4 March."""
    return SessionFactory(group=group, slot_date=FIRST_WEDNESDAY, presenter=presenter)


def url(session):
    return f"/sessions/{session.pk}/before/"


def badge(name):
    return f'text-bg-secondary">{name}</span>'


def themes(scheme, *names):
    return [ThemeFactory(scheme=scheme, name=name) for name in names]


def test_anonymous_is_sent_to_sign_in(client, session):
    assert_sign_in_first(client, url(session))


# Its members, the presenter too, are told no; anyone the session is hidden from gets 404.
@pytest.mark.parametrize(
    ("role", "status"),
    access(
        trainee=403,
        leader=200,
        organiser=200,
        co_leader=200,
        presenter=403,
        former_leader=404,
    ),
)
def test_access_by_role(session, status, signed_in):
    assert signed_in.get(url(session)).status_code == status


def test_the_last_six_held_sessions_newest_first_with_their_themes(
    client, group, leader, scheme, session
):
    held = held_sessions(group, past_wednesdays(8))
    names = [f"theme {i}" for i in range(8)]
    for past, theme in zip(held, themes(scheme, *names), strict=True):
        tag(past, theme)
    client.force_login(leader)

    response = client.get(url(session))

    brief = response.context["brief"]
    assert [row.session for row in brief.rows] == held[:1:-1]  # the latest six
    assert [[m.theme.name for m in row.themes] for row in brief.rows] == [
        [name] for name in reversed(names[2:])
    ]
    content = response.content.decode()
    assert f'<h1 class="h3">Before the session: {group.name}, Wed 4 Mar 2026</h1>' in content
    assert "Themes only: no case details." in content
    assert badge("theme 7") in content and badge("theme 1") not in content
    assert content.index("25 Feb 2026") < content.index("18 Feb 2026")


def test_other_groups_cancelled_and_later_sessions_are_left_out(
    client, group, other_group, leader, scheme
):
    mine, theirs, called_off, later, upcoming = themes(
        scheme, "mine", "theirs", "called off", "later", "upcoming"
    )
    first, briefed, after = held_sessions(group, past_wednesdays(3, date(2026, 2, 18)))
    tag(first, mine)
    tag(after, later)  # held after the session looked at
    [other] = held_sessions(other_group, [date(2026, 2, 4)])
    tag(other, theirs)
    cancelled = SessionFactory(
        group=group,
        slot_date=date(2026, 1, 28),
        status=Session.Status.CANCELLED,
        cancel_reason="Snow",
    )
    tag(cancelled, called_off)
    tag(SessionFactory(group=group, slot_date=date(2026, 1, 21)), upcoming)  # never held
    client.force_login(leader)

    response = client.get(url(briefed))

    assert [row.session for row in response.context["brief"].rows] == [first]
    content = response.content.decode()
    assert badge("mine") in content
    for name in ("theirs", "called off", "later", "upcoming"):
        assert f">{name}<" not in content


def test_a_theme_in_two_of_the_last_sessions_is_marked_recurring(
    client, group, leader, scheme, session
):
    on_call, grief, anger = themes(scheme, "on-call", "grief", "anger")
    held = held_sessions(group, past_wednesdays(7))
    tag(held[0], anger)  # the seventh back: outside the six looked at
    tag(held[1], anger)
    tag(held[3], on_call, grief)
    tag(held[6], on_call)
    client.force_login(leader)

    response = client.get(url(session))

    brief = response.context["brief"]
    assert [(m.theme.name, m.sessions) for m in brief.recurring] == [("on-call", 2)]
    content = response.content.decode()
    assert "Recurring</span> <strong>on-call</strong>: in 2 of the last 6 sessions" in content
    assert content.count("Recurring: in 2 of these sessions") == 2  # on both of its sessions
    assert "<strong>anger</strong>" not in content and "<strong>grief</strong>" not in content


def test_the_presenters_earlier_themes_anywhere_in_the_scheme(
    client, group, other_group, leader, scheme, session, presenter
):
    here, there, cancelled, unpresented = themes(
        scheme, "here", "there", "cancelled", "unpresented"
    )
    ours = held_sessions(group, past_wednesdays(9), presenter=presenter)
    tag(ours[0], here)  # long ago: outside the last six, still the presenter's
    tag(ours[8], here)
    [theirs] = held_sessions(other_group, [date(2026, 2, 26)], presenter=presenter)
    tag(theirs, there)
    other_scheme = factories.GroupFactory()
    [away] = held_sessions(other_scheme, [date(2026, 2, 26)], presenter=presenter)
    tag(away, ThemeFactory(scheme=other_scheme.scheme, name="elsewhere"))
    called_off = SessionFactory(
        group=other_group,
        slot_date=date(2026, 2, 19),
        presenter=presenter,
        status=Session.Status.CANCELLED,
        cancel_reason="Snow",
    )
    tag(called_off, cancelled)
    tag(held_sessions(other_group, [date(2026, 2, 12)])[0], unpresented)
    client.force_login(leader)

    response = client.get(url(session))

    presented = response.context["brief"].presented
    assert [(m.theme.name, m.sessions, m.last_day) for m in presented] == [
        ("here", 2, date(2026, 2, 25)),
        ("there", 1, date(2026, 2, 26)),
    ]
    content = response.content.decode()
    assert "Themes Dr Ann Presenter has presented before" in content
    assert "<strong>here</strong>: 2 times, latest on 25 Feb 2026" in content
    assert "<strong>there</strong>: 1 time, latest on 26 Feb 2026" in content
    for name in ("elsewhere", "cancelled", "unpresented"):
        assert f"<strong>{name}</strong>" not in content

    # Looked at before an earlier session, only what came before that one.
    earlier = client.get(url(ours[4])).context["brief"].presented
    assert [(m.theme.name, m.sessions) for m in earlier] == [("here", 1)]


def test_nothing_tagged_yet_says_so(client, group, leader, session):
    held_sessions(group, past_wednesdays(3))
    client.force_login(leader)

    response = client.get(url(session))

    content = response.content.decode()
    assert "No themes tagged on the group's earlier sessions yet." in content
    assert 'id="last-sessions"' not in content
    assert "No tagged themes from sessions Dr Ann Presenter presented before." in content


def test_without_a_presenter_there_is_no_presenter_section(client, group, leader, session):
    session.presenter = None
    session.save()
    client.force_login(leader)

    content = client.get(url(session)).content.decode()
    assert "Presenting: nobody yet" in content
    assert "has presented before" not in content


def test_a_fixed_number_of_queries(client, group, other_group, leader, scheme, session, presenter):
    names = themes(scheme, *(f"theme {i}" for i in range(6)))

    def add(count, last, into=group):
        for i, past in enumerate(held_sessions(into, past_wednesdays(count, last))):
            past.presenter = presenter if i % 2 else factories.MembershipFactory(group=into).person
            past.save()
            tag(past, names[i % 6], names[(i + 1) % 6])

    add(2, date(2026, 2, 25))
    client.force_login(leader)
    with CaptureQueriesContext(connection) as few:
        client.get(url(session))

    add(10, date(2026, 2, 11))
    add(10, date(2026, 2, 24), into=other_group)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url(session))
    brief = response.context["brief"]
    assert len(brief.rows) == 6 and len(brief.presented) == 6
    assert len(many) == len(few)
