"""Fixtures shared by the groups tests."""

import pytest

from tests.factories.privacy import scene_with_two_people


@pytest.fixture
def erasure_media(settings, tmp_path):
    """Certificate files of an erasure scene land in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scene(db, erasure_media):
    """Zeb (to be erased) and Otto in one scheme, with a record everywhere (privacy factories)."""
    return scene_with_two_people()
