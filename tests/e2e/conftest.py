"""Browser tests: Debian's Chromium driven by Playwright against a live server (never a downloaded browser)."""

import pytest

from tests.conftest import ARTIFACTS  # noqa: F401 - for the tests here; the `browser` fixture lives in tests/conftest.py


@pytest.fixture
def demo_world(transactional_db, settings, tmp_path):
    """The illustrative demo scenario loaded into the test database."""
    settings.DATA_DIR = tmp_path
    from safepassage.demo.loader import load_demo

    return load_demo(log=lambda m: None)
