"""Fixtures for the agreements registry: communities registered on places."""

from __future__ import annotations

import itertools

import pytest

from safepassage.agreements import services
from tests.conftest import SYSTEM

_n = itertools.count(1)


@pytest.fixture
def make_community(db):
    """Create a populated place and register it as a community."""
    from safepassage.places import services as places

    def make(name: str | None = None, population: int | None = 1000):
        i = next(_n)
        place = places.create_place(kind="site", name=name or f"Community {i}", site_type="populated_place",
                                    pcode=f"SY{i:04d}", geometry={"type": "Point", "coordinates": [37.0, 36.0]},
                                    by=SYSTEM)
        return services.register_community(place=place, population=population, population_source="test census",
                                           by=SYSTEM)

    return make


@pytest.fixture
def sign(db):
    """Record an agreement signed by a community at a moment."""

    def sign(community, signed_at, name=None, kind="local_ceasefire", **kw):
        return services.create_agreement(community=community, name=name or f"Agreement of {community}", kind=kind,
                                         signed_at=signed_at, source="test source", by=SYSTEM, **kw)

    return sign
