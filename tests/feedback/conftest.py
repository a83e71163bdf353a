"""Fixtures shared by the feedback tests."""

from datetime import timedelta

import pytest

from tests.factories.sessions import NOW


@pytest.fixture
def feedback_closed(frozen_now):
    """The clock three days on: the week of feedback on the sessions of LAST_WEDNESDAY
    (25 February, closing 4 March) and before has closed, so summaries may show."""
    frozen_now.move_to(NOW + timedelta(days=3))
