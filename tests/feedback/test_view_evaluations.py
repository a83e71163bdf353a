"""`/schemes/<pk>/evaluations/`: an organiser's term evaluations, with how many answered."""

import pytest
from django.utils import timezone

from feedback.models import EvaluationReceipt
from tests import factories
from tests.access import ORGANISERS_ONLY, assert_sign_in_first
from tests.factories.feedback import TermEvaluationFactory


def url(scheme):
    return f"/schemes/{scheme.pk}/evaluations/"


def test_anonymous_is_sent_to_sign_in(client, scheme):
    assert_sign_in_first(client, url(scheme))


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_access_by_role(scheme, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


def test_lists_the_schemes_evaluations_newest_first(client, scheme, group, organiser):
    old = TermEvaluationFactory(
        group=group,
        opened_at=timezone.now() - timezone.timedelta(days=120),
        closed_at=timezone.now() - timezone.timedelta(days=100),
    )
    new = TermEvaluationFactory(group=group)
    TermEvaluationFactory()  # another scheme's
    for _ in range(2):
        EvaluationReceipt.objects.create(evaluation=new, person=factories.UserFactory())
    client.force_login(organiser)

    response = client.get(url(scheme))

    assert [(e, e.answered) for e in response.context["page"]] == [(new, 2), (old, 0)]
    content = response.content.decode()
    assert f'href="/evaluations/{new.pk}/"' in content
    assert f'href="/schemes/{scheme.pk}/evaluations/new/">Open an evaluation' in content


def test_the_scheme_page_links_here(client, scheme, organiser):
    client.force_login(organiser)
    content = client.get(f"/schemes/{scheme.pk}/").content.decode()
    assert f'href="{url(scheme)}">Term evaluations</a>' in content
