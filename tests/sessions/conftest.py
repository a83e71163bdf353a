import pytest
import time_machine

from tests import factories
from tests.factories.sessions import EARLY, LATE, NOW, SessionFactory, SwapRequestFactory


@pytest.fixture
def running_now():
    """The clock set to NOW but left running, for the roster feed tests: their fetches go
    through a real HTTP server with real timeouts, which a stopped clock would upset."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


# --- Swaps (test_swaps.py, test_view_swaps.py) ------------------------------------------


@pytest.fixture
def colleague(group):
    return factories.MembershipFactory(group=group).person


@pytest.fixture
def mine(group, trainee):
    return SessionFactory(group=group, slot_date=LATE, presenter=trainee)


@pytest.fixture
def theirs(group, colleague):
    return SessionFactory(group=group, slot_date=EARLY, presenter=colleague)


@pytest.fixture
def swap(mine, theirs):
    return SwapRequestFactory(requester_session=mine, recipient_session=theirs)
