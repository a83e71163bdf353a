"""`/schemes/<pk>/evaluations/new/`: an organiser opens a group's end-of-term questionnaire."""

import pytest
from django.core import mail

from balint.models import OutboundEmail
from balint.outbox import outbox_send_due
from feedback import services
from feedback.models import TermEvaluation
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.feedback import TermEvaluationFactory


def url(scheme):
    return f"/schemes/{scheme.pk}/evaluations/new/"


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


def test_opening_tells_the_members_once(
    client, scheme, group, organiser, trainee, leader, django_capture_on_commit_callbacks
):
    former = factories.MembershipFactory(
        group=group, start_date="2020-01-01", end_date="2020-06-30"
    ).person
    client.force_login(organiser)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(scheme), {"group": group.name, "title": "Spring term 2026"})

    evaluation = TermEvaluation.objects.get()
    assert response["Location"] == f"/evaluations/{evaluation.pk}/"
    assert (evaluation.group, evaluation.title, evaluation.opened_by) == (
        group,
        "Spring term 2026",
        organiser,
    )
    assert evaluation.is_open
    assert evaluation.notified_at is not None
    # Current members only: not the leader, not a former member.
    assert [m.to for m in mail.outbox] == [[trainee.email]]
    assert "End-of-term questionnaire" in mail.outbox[0].subject
    assert former.email not in str([m.to for m in mail.outbox])
    assert leader.email not in str([m.to for m in mail.outbox])


def test_the_notice_is_queued_once_per_member_and_sent_once(scheme, group, organiser, trainee):
    evaluation = services.evaluation_open(actor=organiser, group=group, title="Autumn")
    outbox_send_due()
    outbox_send_due()  # a second run, as a duplicated beat tick would

    assert [m.to for m in mail.outbox] == [[trainee.email]]
    email = OutboundEmail.objects.get()
    assert (email.kind, email.object_key, email.scheme) == (
        "evaluation_opened",
        f"evaluation:{evaluation.pk}",
        scheme,
    )


def test_one_open_evaluation_per_group(client, scheme, group, organiser):
    TermEvaluationFactory(group=group)
    client.force_login(organiser)

    response = client.post(url(scheme), {"group": group.name, "title": "Again"})

    assert response.status_code == 400
    assert "already has an open evaluation" in response.content.decode()
    assert TermEvaluation.objects.count() == 1


def test_another_schemes_group_cannot_be_chosen(client, scheme, organiser):
    elsewhere = factories.GroupFactory()
    client.force_login(organiser)

    response = client.post(url(scheme), {"group": elsewhere.name, "title": "Sneaky"})

    assert response.status_code == 400
    assert not TermEvaluation.objects.exists()


def test_the_group_is_typed_not_picked_from_hundreds(client, scheme, group, organiser):
    """500 groups in a national scheme: a name box, not a select of all of them."""
    client.force_login(organiser)

    content = client.get(url(scheme)).content.decode()
    refused = client.post(url(scheme), {"group": "No such group", "title": "Spring term"})
    matched = client.post(url(scheme), {"group": group.name.upper(), "title": "Spring term"})

    assert '<select name="group"' not in content
    assert 'type="text" name="group"' in content
    assert refused.context["form"].errors["group"] == ["No group of this scheme has that name."]
    assert matched.status_code == 302
