"""Tasks through a real Celery worker and Redis, not eagerly in the test's own thread.

Skipped without Redis locally; CI sets REDIS_URL and REQUIRE_SERVICES=1, so there
a missing Redis fails the run instead.
"""

import re
import time

import pytest
from celery.result import EagerResult
from celery.signals import after_task_publish
from django.utils import timezone

from balint.celery import app
from balint.tasks import send_outbox
from balint.test_settings import own_redis_database
from groups import services
from groups.models import Invitation
from groups.tasks import ping
from tests import factories
from tests.workers import empty_broker

pytestmark = pytest.mark.services

# Guards against a hung broker; not a performance assertion.
RESULT_TIMEOUT = 10


@pytest.fixture
def published_task_ids():
    """Ids of tasks sent to the broker while the test runs."""
    ids = []

    def remember(headers=None, **kwargs):
        ids.append(headers["id"])

    after_task_publish.connect(remember, weak=False)
    yield ids
    after_task_publish.disconnect(remember)


def test_each_pytest_process_has_its_own_broker_database():
    """Two processes' workers never meet, nor meet the benchmarks' (11 to 13)."""
    url = "redis://127.0.0.1:6379/0"
    databases = {own_redis_database(url, f"gw{n}").rsplit("/", 1)[1] for n in range(8)}
    assert databases == {str(n) for n in range(1, 9)}
    assert own_redis_database(url, "") == url


def test_ping_runs_in_the_worker(worker):
    result = ping.delay()

    assert not isinstance(result, EagerResult)
    assert result.get(timeout=RESULT_TIMEOUT) == "pong"
    assert result.successful()


def test_the_outbox_is_sent_by_the_worker(worker, transactional_db, mailoutbox):
    email = factories.OutboundEmailFactory(state="pending", subject="Hello from the outbox")

    result = send_outbox.delay()

    assert result.get(timeout=RESULT_TIMEOUT)["sent"] == 1
    (message,) = mailoutbox
    assert (message.to, message.subject) == ([email.to], "Hello from the outbox")
    assert message.extra_headers["Message-ID"] == email.message_id


def test_invitation_created_by_the_service_is_mailed_after_commit(
    worker, transactional_db, mailoutbox, published_task_ids
):
    organiser = factories.OrganiserFactory()
    group = factories.GroupFactory(scheme=organiser.scheme)
    data = services.InvitationData(
        email="aoife@example.org",
        full_name="Aoife Byrne",
        role=Invitation.Role.MEMBER,
        group=group,
        start_date=timezone.localdate(),
    )

    services.invitation_create(actor=organiser.person, scheme=organiser.scheme, data=data)

    (task_id,) = published_task_ids  # one sender run, however many emails
    assert app.AsyncResult(task_id).get(timeout=RESULT_TIMEOUT)["sent"] == 1
    (message,) = mailoutbox
    assert message.to == ["aoife@example.org"]
    assert re.search(r"/invitations/[^/\s]+/", message.body)


def test_the_worker_health_check_sees_the_live_worker(
    worker, client, transactional_db, settings, redis_url
):
    settings.REDIS_URL = redis_url

    response = client.get("/healthz/worker")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "worker": "ok (1 worker)"}


def test_a_test_starts_without_tasks_a_dead_worker_took_hours_ago(broker):
    """A task taken by a worker that died unacknowledged is put back an hour later by the
    next worker to start. The broker fixture drops such leftovers of earlier runs: one
    re-queued that way joined a mail-fault test's own run and sent its batch early."""
    send_outbox.delay()
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        taken = channel.basic_get("celery", no_ack=False)  # as a worker takes it
        channel.qos.restore_at_shutdown = False  # and dies: nothing is put back on closing
        channel.client.zadd(channel.unacked_index_key, {taken.delivery_tag: time.time() - 7200})

    empty_broker()  # what the broker fixture does first

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.qos.restore_visible()  # what a worker does when it starts
        assert channel.client.llen("celery") == 0
