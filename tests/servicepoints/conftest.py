from tests.crossings.conftest import checkpoint, open_corridor  # noqa: F401 - shared fixtures
