"""balint.queue: work is handed to the worker on commit; a broker that is away is logged,
and the write it followed still stands."""

import logging

import pytest
import redis
from django.db import transaction
from kombu.exceptions import OperationalError

from balint.queue import enqueue_on_commit, send_task_now
from groups.tasks import ping


def test_the_task_is_sent_only_once_the_transaction_commits(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(ping, "apply_async", lambda args, countdown=None: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_on_commit(ping)
        assert sent == []
    assert sent == [()]


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
        redis.exceptions.ConnectionError("Connection refused"),
        ConnectionRefusedError(111, "Connection refused"),
    ],
)
def test_a_broker_that_is_away_is_logged_not_raised(db, monkeypatch, caplog, error):
    def away(*args, **kwargs):
        raise error

    monkeypatch.setattr(ping, "apply_async", away)
    with caplog.at_level(logging.WARNING, logger="balint.queue"):
        send_task_now("groups.tasks.ping")
    assert "Could not queue groups.tasks.ping" in caplog.text


def test_a_bug_in_the_task_is_not_hidden(db, monkeypatch):
    monkeypatch.setattr(ping, "apply_async", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        send_task_now(ping.name)
