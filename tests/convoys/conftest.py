from tests.convoys.fixtures import convoy, scene  # noqa: F401
