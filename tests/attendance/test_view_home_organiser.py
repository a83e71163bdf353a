"""`/`, the organiser's section: per scheme, how many trainees have each status (each a
link to the overview filtered by it) and what needs attention: registers not taken,
groups outside their size range, undelivered mail and certificates due.

The clock stands at NOW: Monday 2 March 2026, 10:00 in Dublin; sessions on Wednesdays.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from attendance.certificate_selectors import certificates_due, certificates_due_counts
from attendance.progress import status_counts
from groups.models import PersonErasure
from tests import factories
from tests.attendance.test_view_home import get_home
from tests.factories.attendance import AttendanceFactory, HeldSessionFactory
from tests.factories.certificates import REQUIRED, CertificateFactory, eligible_crowd
from tests.factories.sessions import SessionFactory

pytestmark = pytest.mark.usefixtures("frozen_now")


def summary_of(response):
    (summary,) = response.context["home"].schemes
    return summary


def test_organiser_sees_how_many_trainees_have_each_status(client, scheme, group, organiser):
    scheme.requirement.sessions_required = REQUIRED
    scheme.requirement.save()
    eligible_crowd(group, 2)  # complete
    factories.MembershipFactory(group=group, start_date=date(2026, 3, 10))  # not started
    factories.MembershipFactory(  # left after two sessions held without them: at risk
        group=group, start_date=date(2026, 2, 1), end_date=date(2026, 2, 20)
    )
    SessionFactory(group=group)
    on_track = factories.MembershipFactory(group=group).person
    AttendanceFactory(session=group.sessions.filter(status="held").first(), person=on_track)

    response, content = get_home(client, organiser)

    statuses = {status: count for status, _, count in summary_of(response).statuses}
    assert statuses == status_counts(scheme)
    assert statuses == {"on_track": 1, "at_risk": 1, "complete": 2, "not_started": 1}
    for status, label, count in summary_of(response).statuses:
        assert (
            f'href="/schemes/{scheme.pk}/overview/?status={status}">'
            f'<span class="fs-4 fw-bold">{count}</span> '
            f'<span class="text-decoration-underline">{label}</span></a>'
        ) in content


def test_organiser_sees_registers_not_taken_in_the_scheme(client, scheme, group, organiser):
    # Past and still scheduled: no register saved (saving one marks the session held).
    SessionFactory(group=group, slot_date=date(2026, 2, 18))
    SessionFactory(group=group, slot_date=date(2026, 2, 25))
    AttendanceFactory(session=HeldSessionFactory(group=group, slot_date=date(2026, 2, 11)))
    SessionFactory(group=group, slot_date=date(2025, 12, 3))  # more than 8 weeks ago
    SessionFactory(group=factories.GroupFactory(), slot_date=date(2026, 2, 18))

    response, content = get_home(client, organiser)

    assert summary_of(response).untaken_registers == 2
    assert "2 registers not taken in the last 8 weeks" in content


def test_organiser_sees_certificates_due_with_a_link(client, scheme, group, organiser):
    scheme.requirement.sessions_required = REQUIRED
    scheme.requirement.save()
    certified, fewer, waiting, erased = eligible_crowd(group, 4)
    CertificateFactory(trainee=certified, scheme=scheme, sessions_counted=REQUIRED)
    CertificateFactory(  # issued before their latest session counted: a new one is due
        trainee=fewer, scheme=scheme, sessions_counted=REQUIRED - 1, sessions_required=REQUIRED - 1
    )
    CertificateFactory(  # revoked: no longer current
        trainee=waiting, scheme=scheme, revoked_at=timezone.now(), revoke_reason="Error"
    )
    PersonErasure.objects.create(
        person=erased, reason="retention", erased_at=timezone.now(), scheme=scheme
    )

    response, content = get_home(client, organiser)

    assert summary_of(response).certificates_due == 2
    assert certificates_due_counts([scheme]) == {scheme.pk: len(certificates_due(scheme))}
    assert (
        f'href="/schemes/{scheme.pk}/certificates/">2 trainees are due a certificate</a>' in content
    )


def test_organiser_with_nothing_to_attend_to_is_told_so(client, scheme, organiser):
    healthy = factories.GroupFactory(scheme=scheme)
    factories.MembershipFactory.create_batch(6, group=healthy)

    response, content = get_home(client, organiser)

    summary = summary_of(response)
    assert (summary.untaken_registers, summary.certificates_due) == (0, 0)
    assert summary.scheme.attention_count == 0
    assert "Nothing needs your attention: every group is within its size range today." in content


def test_organiser_sees_groups_and_pending_invitations(
    client, scheme, group, other_group, organiser
):
    factories.InvitationFactory(scheme=scheme, group=group)
    factories.InvitationFactory(scheme=scheme, group=group)
    factories.InvitationFactory(scheme=scheme, group=group, revoked_at=timezone.now())
    factories.InvitationFactory(scheme=scheme, group=group, accepted_at=timezone.now())
    factories.InvitationFactory(
        scheme=scheme, group=group, expires_at=timezone.now() - timedelta(minutes=1)
    )
    other_scheme_group = factories.GroupFactory()
    factories.InvitationFactory(scheme=other_scheme_group.scheme, group=other_scheme_group)

    response, content = get_home(client, organiser)

    organised = summary_of(response).scheme
    assert organised == scheme
    assert organised.pending_invitations == 2
    # Both are below the minimum of 6, so both need attention.
    assert organised.attention_groups == sorted([group, other_group], key=lambda g: g.name)
    assert organised.group_count == 2
    assert other_scheme_group.name not in content
    assert "2 groups" in content
    assert "2 pending invitations" in content
    assert f'href="/schemes/{scheme.pk}/"' in content
    assert f'<a class="btn btn-primary" href="/schemes/{scheme.pk}/overview/">' in content


def test_organiser_sees_only_groups_outside_their_size_range(client, scheme, organiser):
    """A national scheme has 500 groups: home names the ones needing attention, the first
    ten by name, and says how many there are; the scheme page lists them all."""
    small = [factories.GroupFactory(scheme=scheme, name=f"Small {i:02}") for i in range(12)]
    for group in small:
        factories.MembershipFactory.create_batch(2, group=group)
    crowded = factories.GroupFactory(scheme=scheme, name="Crowded", max_members=6)
    factories.MembershipFactory.create_batch(7, group=crowded)
    healthy = factories.GroupFactory(scheme=scheme, name="Healthy")
    factories.MembershipFactory.create_batch(6, group=healthy)
    factories.MembershipFactory(  # ended: does not count toward the size
        group=healthy, end_date=timezone.localdate() - timedelta(days=1)
    )
    factories.GroupFactory(name="Other scheme, small")  # not this organiser's

    response, content = get_home(client, organiser)

    organised = summary_of(response).scheme
    assert organised.group_count == 14
    assert organised.attention_count == 13
    assert [g.name for g in organised.attention_groups] == ["Crowded"] + [
        f"Small {i:02}" for i in range(9)
    ]
    assert "13 of 14 groups are outside their size range today; the first 10 by name." in content
    assert "Crowded</a>: 7 members. Above the maximum of 6 members." in content
    assert "Small 00</a>: 2 members. Below the minimum of 6 members." in content
    assert "Healthy" not in content
    assert "Small 11" not in content
    assert "Other scheme" not in content
    assert f'href="/schemes/{scheme.pk}/#groups-heading">All 14 groups</a>' in content


def test_an_organiser_sees_how_much_mail_was_not_delivered(client, scheme, organiser):
    for _ in range(2):
        factories.OutboundEmailFactory(scheme=scheme, state="failed")
    factories.OutboundEmailFactory(scheme=scheme)
    factories.OutboundEmailFactory(scheme=factories.SchemeFactory(), state="failed")

    _, content = get_home(client, organiser)

    assert f'<a href="/schemes/{scheme.pk}/mail/">2 undelivered emails</a>' in content


def test_organiser_of_another_scheme_sees_nothing_of_this_one(
    client, group, trainee, other_scheme_organiser
):
    HeldSessionFactory(group=group)

    response, content = get_home(client, other_scheme_organiser)

    assert summary_of(response).untaken_registers == 0
    assert group.name not in content
    assert group.scheme.name not in content
    assert trainee.full_name not in content
