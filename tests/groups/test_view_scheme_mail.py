"""`/schemes/<pk>/mail/`: an organiser sees the scheme's undelivered mail and sends it again."""

import pytest

from balint.models import OutboundEmail
from groups import services
from tests import factories
from tests.access import ORGANISERS_ONLY, access, assert_sign_in_first


def url(scheme):
    return f"/schemes/{scheme.pk}/mail/"


def retry_url(scheme, email):
    return f"/schemes/{scheme.pk}/mail/{email.pk}/retry/"


@pytest.fixture
def bounced(scheme, trainee):
    return factories.OutboundEmailFactory(
        person=trainee,
        scheme=scheme,
        subject="Cancelled: Wednesday Morning on 4 Mar",
        state="failed",
        last_error="550 5.1.1 Mailbox unavailable",
    )


@pytest.mark.parametrize(("role", "status"), ORGANISERS_ONLY)
def test_only_the_schemes_organisers_see_it(scheme, bounced, status, signed_in):
    assert signed_in.get(url(scheme)).status_code == status


@pytest.mark.parametrize(("role", "status"), access(organiser=302))
def test_only_the_schemes_organisers_send_it_again(scheme, bounced, role, status, signed_in):
    assert signed_in.post(retry_url(scheme, bounced)).status_code == status

    bounced.refresh_from_db()
    assert (bounced.state == "pending") == (role == "organiser")


def test_signed_out_people_are_sent_to_sign_in(client, scheme, bounced):
    assert_sign_in_first(client, url(scheme))


def test_it_says_who_what_and_why(client, scheme, organiser, trainee, bounced):
    factories.OutboundEmailFactory(scheme=scheme, subject="Delivered fine")
    factories.OutboundEmailFactory(
        scheme=factories.SchemeFactory(), state="failed", subject="Another scheme's"
    )
    client.force_login(organiser)

    content = client.get(url(scheme)).content.decode()

    assert trainee.full_name in content and trainee.email in content
    assert "Cancelled: Wednesday Morning on 4 Mar" in content
    assert "550 5.1.1 Mailbox unavailable" in content
    assert "Delivered fine" not in content and "Another scheme&#x27;s" not in content


def test_sending_again_queues_it_afresh(client, scheme, organiser, bounced, mailoutbox):
    client.force_login(organiser)

    response = client.post(retry_url(scheme, bounced), follow=True)

    assert "will be sent to" in response.content.decode()
    bounced.refresh_from_db()
    assert (bounced.state, bounced.attempts, bounced.failed_at) == ("pending", 0, None)


def test_another_schemes_email_is_not_found(client, scheme, organiser):
    theirs = factories.OutboundEmailFactory(scheme=factories.SchemeFactory(), state="failed")
    client.force_login(organiser)
    assert client.post(retry_url(scheme, theirs)).status_code == 404


def test_a_delivered_email_cannot_be_sent_again(scheme, organiser):
    sent = factories.OutboundEmailFactory(scheme=scheme)
    with pytest.raises(Exception, match="nothing to send again"):
        services.failed_email_retry(actor=organiser, email=sent)
    assert OutboundEmail.objects.get(pk=sent.pk).state == "sent"


def test_the_page_runs_a_fixed_number_of_queries(
    client, scheme, organiser, django_assert_max_num_queries
):
    for _ in range(30):
        factories.OutboundEmailFactory(scheme=scheme, state="failed")
    client.force_login(organiser)
    with django_assert_max_num_queries(8):
        assert client.get(url(scheme)).status_code == 200
