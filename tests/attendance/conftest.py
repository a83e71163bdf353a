import pytest

import attendance.figures
from tests.factories import figures as factory_figures


@pytest.fixture
def refreshes(monkeypatch) -> list[list[int] | None]:
    """The people of each figures refresh from here on (None: the whole scheme). The
    factories' notes taken so far are applied first: ask for it after the fixtures that
    make data, whose refreshes are not the counted code's."""
    factory_figures.apply()
    calls = []
    refresh = attendance.figures.figures_refresh

    def counted(*, scheme, people=None):
        calls.append(people)
        return refresh(scheme=scheme, people=people)

    monkeypatch.setattr(attendance.figures, "figures_refresh", counted)
    return calls
