import pytest
import time_machine

from tests.factories.sessions import NOW


@pytest.fixture
def running_now():
    """The clock set to NOW but left running, for the roster feed tests: their fetches go
    through a real HTTP server with real timeouts, which a stopped clock would upset."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller
