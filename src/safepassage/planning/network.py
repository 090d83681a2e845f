"""Road networks as compact directed graphs (CSR arrays).

A :class:`Network` is a directed graph stored as flat NumPy arrays: node
coordinates (WGS84 longitude/latitude), and per arc its tail, head, length in
metres, capacity and road class. Arcs are sorted by tail, so the arcs leaving
node ``u`` are ``indptr[u]:indptr[u + 1]`` (compressed sparse row layout, as in
``scipy.sparse.csr_array``). Travel times per mode are derived from lengths and
road classes or given explicitly.

Constructors
------------
- :meth:`Network.from_arrays` -- plain arrays (generated grids, notebooks);
- :meth:`Network.from_geojson` -- a FeatureCollection of LineStrings;
- :meth:`Network.from_osm_pbf` -- an OpenStreetMap extract, read with pyosmium;
- :func:`district_graph` -- a coarse graph of adjacent area polygons;
- :meth:`Network.load` -- the on-disk cache written by :meth:`Network.save`
  (an uncompressed ``.npz`` whose members are memory-mapped, so a reload reads
  nothing until the arrays are used).

GeoJSON network contract
------------------------
A FeatureCollection of LineString features. Each feature is one edge between
its first and last coordinate; nodes are identified by exact coordinates.
Edges are two-way unless ``"oneway": true``. Interior vertices count for the
default length only: hazard footprints and route geometries use the straight
segment between the two end nodes (split lines at their vertices for finer
geometry). Optional properties:

``length_m``
    Length in metres (default: geodesic length of the line on the WGS84
    ellipsoid, ``pyproj.Geod``).
``travel_min``
    Travel time in minutes; then ``travel_s = 60 * travel_min`` for every mode.
``capacity_ppm``
    Persons per minute entering the edge, per direction (default: unlimited).
``highway``
    OSM highway tag, used for the road class and default driving speed.

Without travel times, walking is 1.25 m/s (4.5 km/h) and driving uses the
default speed of the road class (:data:`DRIVE_SPEED_KMH`), 30 km/h when the
class is unknown. OSM ways give arcs in both directions; for driving, the
wrong-way arc of a one-way road has infinite travel time, and arcs of classes
closed to a mode (footways for driving, motorways for walking) are infinite
for that mode.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DRIVE_SPEED_KMH",
    "ROAD_CLASSES",
    "WALK_SPEED_MPS",
    "Network",
    "NetworkInputError",
    "district_graph",
    "grid_network",
    "load_network",
]

#: Walking speed used when no travel time is given (4.5 km/h).
WALK_SPEED_MPS = 1.25
#: Driving speed used when neither travel time nor road class is known.
DEFAULT_DRIVE_KMH = 30.0

#: Road classes (``road_class`` codes) by OSM highway tag. ``*_link`` tags map
#: to their parent class. Code -1 means unknown.
ROAD_CLASSES: dict[str, int] = {
    "motorway": 0,
    "trunk": 1,
    "primary": 2,
    "secondary": 3,
    "tertiary": 4,
    "unclassified": 5,
    "residential": 6,
    "service": 7,
    "living_street": 8,
    "track": 9,
    "road": 10,
    "pedestrian": 11,
    "footway": 12,
    "path": 13,
    "steps": 14,
    "cycleway": 15,
    "bridleway": 16,
    "corridor": 17,
    "district": 18,
}
UNKNOWN_CLASS = -1

#: Default driving speed (km/h) by road class code; classes absent here are
#: closed to driving (infinite travel time).
DRIVE_SPEED_KMH: dict[int, float] = {
    0: 90.0,
    1: 70.0,
    2: 50.0,
    3: 40.0,
    4: 35.0,
    5: 30.0,
    6: 25.0,
    7: 15.0,
    8: 10.0,
    9: 15.0,
    10: 25.0,
    18: 20.0,
    UNKNOWN_CLASS: DEFAULT_DRIVE_KMH,
}
#: Road classes closed to walking.
NO_WALK_CLASSES = frozenset({0, 1})

_SKIP_HIGHWAY = frozenset(
    {"proposed", "construction", "abandoned", "platform", "raceway", "bus_stop", "elevator", "rest_area"}
)
_CACHE_FORMAT = 1
_MODES = ("walk", "drive")


class NetworkInputError(ValueError):
    """A network source that cannot be used (unreadable, empty or malformed).

    Parameters
    ----------
    *args : str
        The message (one string): the reason, naming the file, feature or array at fault.
    """


def _class_code(highway: str | None) -> int:
    if not highway:
        return UNKNOWN_CLASS
    tag = highway[:-5] if highway.endswith("_link") else highway
    return ROAD_CLASSES.get(tag, UNKNOWN_CLASS)


def _default_travel(
    length_m: NDArray[np.float64], road_class: NDArray[np.int8], mode: str
) -> NDArray[np.float64]:
    """Default travel seconds per arc from lengths and road classes."""
    if mode == "walk":
        secs = length_m / WALK_SPEED_MPS
        closed = np.isin(road_class, list(NO_WALK_CLASSES))
    else:
        speed_by_code = np.zeros(256)  # km/h indexed by class code + 128; 0 = closed
        for code, kmh in DRIVE_SPEED_KMH.items():
            speed_by_code[code + 128] = kmh
        kmh_arr = speed_by_code[np.asarray(road_class, dtype=np.int64) + 128]
        closed = kmh_arr == 0.0
        secs = length_m / np.where(closed, 1.0, kmh_arr / 3.6)
    return np.where(closed, np.inf, secs)


def _as_1d(name: str, values: ArrayLike, dtype: Any, size: int | None = None) -> NDArray[Any]:
    arr = np.ascontiguousarray(np.asarray(values), dtype=dtype)
    if arr.ndim != 1:
        raise NetworkInputError(f"{name}: expected a one-dimensional array, got shape {arr.shape}")
    if size is not None and arr.shape[0] != size:
        raise NetworkInputError(f"{name}: expected {size} values, got {arr.shape[0]}")
    return arr


class Network:
    """A directed road network in compressed sparse row (CSR) form.

    Parameters
    ----------
    lon, lat : ndarray of float64, shape (n_nodes,)
        WGS84 node coordinates.
    tail, head : ndarray of int32, shape (n_arcs,)
        Arc end nodes, sorted by ``tail``.
    indptr : ndarray of int64, shape (n_nodes + 1,)
        CSR offsets of the arcs leaving each node.
    length_m : ndarray of float64, shape (n_arcs,)
        Arc lengths in metres.
    road_class : ndarray of int8, shape (n_arcs,)
        Road class codes.
    capacity_ppm : ndarray of float64, optional
        Persons per minute per arc (default unlimited).
    travel_s : mapping of str to ndarray, optional
        Travel seconds per arc by mode (default derived on first use).
    node_labels : list of str, optional
        Names of the nodes.

    Attributes
    ----------
    n_nodes, n_arcs : int
        Number of nodes and arcs.
    lon, lat : ndarray of float64, shape (n_nodes,)
        WGS84 coordinates of the nodes.
    tail, head : ndarray of int32, shape (n_arcs,)
        End nodes of each arc; arcs are sorted by ``tail``.
    indptr : ndarray of int64, shape (n_nodes + 1,)
        Arcs leaving node ``u`` are ``indptr[u]:indptr[u + 1]``.
    length_m : ndarray of float64, shape (n_arcs,)
        Arc lengths in metres.
    capacity_ppm : ndarray of float64, shape (n_arcs,)
        Persons per minute that may enter each arc; ``np.inf`` when unlimited.
    road_class : ndarray of int8, shape (n_arcs,)
        Road class code (:data:`ROAD_CLASSES`), -1 when unknown.
    node_labels : list of str or None
        Optional names of the nodes (district graphs: the area names).

    Notes
    -----
    Construct with the ``from_*`` class methods; the initialiser takes arrays
    that are already sorted and validated.
    """

    __slots__ = (
        "lon",
        "lat",
        "tail",
        "head",
        "indptr",
        "length_m",
        "road_class",
        "node_labels",
        "_capacity",
        "_travel",
        "_xy",
        "_kdtree",
        "_reverse",
        "_arc_index",
        "__weakref__",
    )

    def __init__(
        self,
        *,
        lon: NDArray[np.float64],
        lat: NDArray[np.float64],
        tail: NDArray[np.int32],
        head: NDArray[np.int32],
        indptr: NDArray[np.int64],
        length_m: NDArray[np.float64],
        road_class: NDArray[np.int8],
        capacity_ppm: NDArray[np.float64] | None = None,
        travel_s: Mapping[str, NDArray[np.float64]] | None = None,
        node_labels: list[str] | None = None,
    ) -> None:
        self.lon = lon
        self.lat = lat
        self.tail = tail
        self.head = head
        self.indptr = indptr
        self.length_m = length_m
        self.road_class = road_class
        self.node_labels = node_labels
        self._capacity = capacity_ppm
        self._travel: dict[str, NDArray[np.float64]] = dict(travel_s or {})
        self._xy: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
        self._kdtree: Any = None
        self._reverse: tuple[NDArray[np.signedinteger[Any]], NDArray[np.int32]] | None = None
        self._arc_index: Any = None

    # ------------------------------------------------------------------ basics
    @property
    def n_nodes(self) -> int:
        """Number of nodes.

        Returns
        -------
        int
        """
        return int(self.lon.shape[0])

    @property
    def n_arcs(self) -> int:
        """Number of arcs.

        Returns
        -------
        int
        """
        return int(self.head.shape[0])

    @property
    def capacity_ppm(self) -> NDArray[np.float64]:
        """Persons per minute entering each arc.

        Returns
        -------
        ndarray of float64, shape (n_arcs,)
            ``np.inf`` where unlimited.
        """
        if self._capacity is None:
            self._capacity = np.full(self.n_arcs, np.inf)
        return self._capacity

    def __repr__(self) -> str:
        return f"Network(n_nodes={self.n_nodes}, n_arcs={self.n_arcs})"

    def travel_seconds(self, mode: str = "walk") -> NDArray[np.float64]:
        """Travel time of every arc in seconds for a mode.

        Parameters
        ----------
        mode : {"walk", "drive"}
            Walking at 1.25 m/s, or driving at the road-class speed.

        Returns
        -------
        ndarray of float64, shape (n_arcs,)
                Seconds; ``np.inf`` for arcs closed to the mode. The array is
            cached and shared: do not modify it.

        Raises
        ------
        ValueError
            Unknown mode.
        """
        if mode not in _MODES:
            raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
        cached = self._travel.get(mode)
        if cached is not None:
            return cached
        secs = _default_travel(self.length_m, self.road_class, mode)
        self._travel[mode] = secs
        return secs

    # ------------------------------------------------------------- geometry
    def projected_xy(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Node coordinates in metres in a local azimuthal equidistant projection.

        The projection is centred on the middle of the network's bounding box
        (``+proj=aeqd``), so distances near the network are true to well under
        0.1 % for a city-sized network.

        Returns
        -------
        tuple of ndarray of float64, shape (n_nodes,)
            ``(x, y)`` in metres east and north of the centre. Cached.
        """
        if self._xy is None:
            transformer = self.local_transformer()
            x, y = transformer.transform(self.lon, self.lat)
            self._xy = (np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        return self._xy

    def local_crs(self) -> str:
        """The local metric projection used by :meth:`projected_xy`.

        Returns
        -------
        str
            A PROJ string (azimuthal equidistant, centred on the bounding box).
        """
        lon0 = 0.5 * (float(self.lon.min()) + float(self.lon.max()))
        lat0 = 0.5 * (float(self.lat.min()) + float(self.lat.max()))
        return f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +datum=WGS84 +units=m +no_defs"

    def local_transformer(self) -> Any:
        """A transformer from WGS84 lon/lat to :meth:`local_crs`.

        Returns
        -------
        pyproj.Transformer
            With ``always_xy=True`` (longitude first).
        """
        from pyproj import Transformer

        return Transformer.from_crs("EPSG:4326", self.local_crs(), always_xy=True)

    def nearest_node(self, lon: float, lat: float, mode: str | None = None) -> int:
        """Index of the node nearest to a point.

        Parameters
        ----------
        lon, lat : float
            WGS84 coordinates in degrees.
        mode : {"walk", "drive"}, optional
            Only consider nodes with an arc open to this mode (so that a car
            route does not start on a footway).

        Returns
        -------
        int
            Node index (distance measured in the local metric projection).

        Raises
        ------
        ValueError
            Coordinates not finite or out of range, or no node open to ``mode``.
        """
        return int(self.nearest_nodes(np.array([lon], dtype=float), np.array([lat], dtype=float), mode)[0])

    def nearest_nodes(self, lon: ArrayLike, lat: ArrayLike, mode: str | None = None) -> NDArray[np.int64]:
        """Indices of the nodes nearest to many points (vectorised :meth:`nearest_node`).

        Parameters
        ----------
        lon, lat : array_like of float
            WGS84 coordinates in degrees, of the same shape.
        mode : {"walk", "drive"}, optional
            Only consider nodes with an arc open to this mode.

        Returns
        -------
        ndarray of int64
            Node indices, shaped like ``lon``.

        Raises
        ------
        ValueError
            Shapes differ, coordinates not finite or out of range, or no node
            open to ``mode``.
        """
        lon_a = np.atleast_1d(np.asarray(lon, dtype=float))
        lat_a = np.atleast_1d(np.asarray(lat, dtype=float))
        if lon_a.shape != lat_a.shape:
            raise ValueError("lon and lat must have the same shape")
        if not (np.all(np.isfinite(lon_a)) and np.all(np.isfinite(lat_a))):
            raise ValueError("coordinates must be finite numbers")
        if np.any(np.abs(lon_a) > 180.0) or np.any(np.abs(lat_a) > 90.0):
            raise ValueError("coordinates out of range (longitude -180..180, latitude -90..90)")
        if self._kdtree is None:
            self._kdtree = {}
        key = mode or "*"
        if key not in self._kdtree:
            from scipy.spatial import cKDTree

            x, y = self.projected_xy()
            if mode is None:
                nodes = np.arange(self.n_nodes, dtype=np.int64)
            else:
                open_arcs = np.isfinite(self.travel_seconds(mode))
                nodes = np.unique(np.concatenate([self.tail[open_arcs], self.head[open_arcs]])).astype(
                    np.int64
                )
                if nodes.shape[0] == 0:
                    raise ValueError(f"no node of the network is open to {mode!r}")
            self._kdtree[key] = (cKDTree(np.column_stack([x[nodes], y[nodes]])), nodes)
        tree, nodes = self._kdtree[key]
        qx, qy = self.local_transformer().transform(lon_a, lat_a)
        _, idx = tree.query(np.column_stack([np.asarray(qx), np.asarray(qy)]), k=1)
        return nodes[np.asarray(idx, dtype=np.int64)].reshape(lon_a.shape)

    def reverse_csr(self) -> tuple[NDArray[np.signedinteger[Any]], NDArray[np.int32]]:
        """Incoming arcs per node: ``(rev_indptr, rev_arc)``.

        Built once and cached.

        Returns
        -------
        rev_indptr : ndarray of int32 or int64, shape (n_nodes + 1,)
            Arcs entering node ``v`` are ``rev_arc[rev_indptr[v]:rev_indptr[v + 1]]``.
        rev_arc : ndarray of int32, shape (n_arcs,)
            Arc ids grouped by head, sorted within each node.
        """
        if self._reverse is None:
            order = np.argsort(self.head, kind="stable").astype(np.int32)
            counts = np.bincount(self.head, minlength=self.n_nodes)
            rev_indptr: NDArray[np.signedinteger[Any]] = (
                np.zeros(self.n_nodes + 1, dtype=np.int32)
                if self.n_arcs < 2**31
                else np.zeros(self.n_nodes + 1, dtype=np.int64)
            )
            np.cumsum(counts, out=rev_indptr[1:])
            self._reverse = (rev_indptr, order)
        return self._reverse

    def arc_coordinates(self, arcs: ArrayLike) -> list[list[tuple[float, float]]]:
        """Lon/lat vertex lists of arcs (straight segments tail to head).

        Parameters
        ----------
        arcs : array_like of int
            Arc ids.

        Returns
        -------
        list of list of (float, float)
            Per arc, ``[(lon, lat) of tail, (lon, lat) of head]``.
        """
        a = np.asarray(arcs, dtype=np.int64)
        t, h = self.tail[a], self.head[a]
        return [
            [(float(self.lon[u]), float(self.lat[u])), (float(self.lon[v]), float(self.lat[v]))]
            for u, v in zip(t, h, strict=True)
        ]

    def nbytes(self) -> int:
        """Bytes held by the network's arrays (including caches built so far).

        Returns
        -------
        int
            Sum of the arrays' ``nbytes`` (memory-mapped arrays included).
        """
        arrays: list[Any] = [self.lon, self.lat, self.tail, self.head, self.indptr, self.length_m]
        arrays += [self.road_class, self._capacity]
        seen: set[int] = set()
        for arr in self._travel.values():
            if id(arr) not in seen:
                arrays.append(arr)
                seen.add(id(arr))
        if self._xy is not None:
            arrays += list(self._xy)
        if self._reverse is not None:
            arrays += list(self._reverse)
        return int(sum(a.nbytes for a in arrays if a is not None))

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_arrays(
        cls,
        *,
        lon: ArrayLike,
        lat: ArrayLike,
        tail: ArrayLike,
        head: ArrayLike,
        length_m: ArrayLike,
        travel_s: ArrayLike | Mapping[str, ArrayLike] | None = None,
        capacity_ppm: ArrayLike | None = None,
        road_class: ArrayLike | None = None,
        node_labels: Sequence[str] | None = None,
    ) -> Network:
        """Build a network from plain arrays.

        Parameters
        ----------
        lon, lat : array_like of float, shape (n_nodes,)
            WGS84 node coordinates.
        tail, head : array_like of int, shape (n_arcs,)
            Arc end nodes (any order; arcs are sorted by tail, stably).
        length_m : array_like of float, shape (n_arcs,)
            Arc lengths in metres (finite, >= 0).
        travel_s : array_like or mapping, optional
            Travel seconds per arc, for every mode (one array) or per mode
            (``{"walk": ..., "drive": ...}``); ``np.inf`` closes an arc.
            Default: derived from lengths and road classes.
        capacity_ppm : array_like, optional
            Persons per minute per arc (default unlimited, ``np.inf``).
        road_class : array_like of int, optional
            Road class codes (default -1, unknown).
        node_labels : sequence of str, optional
            Names of the nodes.

        Returns
        -------
        Network

        Raises
        ------
        NetworkInputError
            Empty network, mismatched sizes, node indices out of range,
            non-finite coordinates, negative or NaN lengths/times/capacities.
        """
        lon_a = _as_1d("lon", lon, np.float64)
        lat_a = _as_1d("lat", lat, np.float64, lon_a.shape[0])
        n = lon_a.shape[0]
        if n == 0:
            raise NetworkInputError("empty network: no nodes")
        if not (np.all(np.isfinite(lon_a)) and np.all(np.isfinite(lat_a))):
            raise NetworkInputError("lon/lat: coordinates must be finite")
        if np.any(np.abs(lon_a) > 180.0) or np.any(np.abs(lat_a) > 90.0):
            raise NetworkInputError("lon/lat: coordinates out of range")
        tail_raw = _as_1d("tail", tail, np.int64)
        m = tail_raw.shape[0]
        head_raw = _as_1d("head", head, np.int64, m)
        if m and (tail_raw.min() < 0 or head_raw.min() < 0 or tail_raw.max() >= n or head_raw.max() >= n):
            raise NetworkInputError(f"tail/head: node index out of range 0..{n - 1}")
        if n >= 2**31 - 1 or m >= 2**31 - 1:
            raise NetworkInputError("network too large for int32 indices")
        length_a = _as_1d("length_m", length_m, np.float64, m)
        if np.any(~np.isfinite(length_a)) or np.any(length_a < 0):
            raise NetworkInputError("length_m: lengths must be finite and >= 0")
        order = np.argsort(tail_raw, kind="stable")
        sorted_already = bool(np.all(order == np.arange(m)))

        def arr(a: NDArray[Any]) -> NDArray[Any]:
            return a if sorted_already else np.ascontiguousarray(a[order])

        travel: dict[str, NDArray[np.float64]] = {}
        if travel_s is not None:
            items: Iterable[tuple[str, Any]]
            if isinstance(travel_s, Mapping):
                items = travel_s.items()
            else:
                items = [("*", travel_s)]
            for mode, values in items:
                if mode not in (*_MODES, "*"):
                    raise NetworkInputError(f"travel_s: unknown mode {mode!r}")
                t_a = _as_1d(f"travel_s[{mode}]", values, np.float64, m)
                if np.any(np.isnan(t_a)) or np.any(t_a < 0):
                    raise NetworkInputError(
                        f"travel_s[{mode}]: travel times must be >= 0 (inf closes an arc)"
                    )
                t_a = arr(t_a)
                if mode == "*":
                    travel = {"walk": t_a, "drive": t_a}
                else:
                    travel[mode] = t_a
        cap_a: NDArray[np.float64] | None = None
        if capacity_ppm is not None:
            cap_a = _as_1d("capacity_ppm", capacity_ppm, np.float64, m)
            if np.any(np.isnan(cap_a)) or np.any(cap_a < 0):
                raise NetworkInputError("capacity_ppm: capacities must be >= 0 (inf = unlimited)")
            cap_a = arr(cap_a)
        if road_class is None:
            rc = np.full(m, UNKNOWN_CLASS, dtype=np.int8)
        else:
            rc = arr(_as_1d("road_class", road_class, np.int8, m))
        labels = None
        if node_labels is not None:
            labels = [str(s) for s in node_labels]
            if len(labels) != n:
                raise NetworkInputError(f"node_labels: expected {n} labels, got {len(labels)}")
        tail_s = arr(tail_raw).astype(np.int32)
        head_s = arr(head_raw).astype(np.int32)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(tail_s, minlength=n), out=indptr[1:])
        return cls(
            lon=lon_a,
            lat=lat_a,
            tail=tail_s,
            head=head_s,
            indptr=indptr,
            length_m=arr(length_a),
            road_class=rc,
            capacity_ppm=cap_a,
            travel_s=travel,
            node_labels=labels,
        )

    @classmethod
    def from_geojson(cls, source: str | os.PathLike[str] | Mapping[str, Any]) -> Network:
        """Build a network from a GeoJSON FeatureCollection of LineStrings.

        See the module docstring for the contract (one edge per feature,
        nodes by exact coordinates, ``oneway``, ``length_m``, ``travel_min``,
        ``capacity_ppm``, ``highway``).

        Parameters
        ----------
        source : path or mapping
            A ``.geojson`` file, or the parsed FeatureCollection.

        Returns
        -------
        Network
            Nodes numbered in order of first appearance.

        Raises
        ------
        NetworkInputError
            Unreadable or invalid JSON, not a FeatureCollection, no features,
            or a bad feature (the message names its index and field).
        """
        data = _read_json(source)
        features = _features(data)
        from pyproj import Geod

        geod = Geod(ellps="WGS84")
        node_of: dict[tuple[float, float], int] = {}
        tails: list[int] = []
        heads: list[int] = []
        lengths: list[float] = []
        travels: list[float] = []
        caps: list[float] = []
        classes: list[int] = []
        any_travel = False
        for i, feat in enumerate(features):
            where = f"feature {i}"
            if not isinstance(feat, Mapping) or feat.get("type") != "Feature":
                raise NetworkInputError(f"{where}: not a GeoJSON Feature")
            geom = feat.get("geometry")
            if not isinstance(geom, Mapping) or geom.get("type") != "LineString":
                gtype = geom.get("type") if isinstance(geom, Mapping) else None
                raise NetworkInputError(f"{where}: geometry must be a LineString, got {gtype!r}")
            coords = _coords(geom.get("coordinates"), where)
            props = feat.get("properties") or {}
            if not isinstance(props, Mapping):
                raise NetworkInputError(f"{where}: properties must be an object")
            length = _opt_number(props, "length_m", where)
            if length is None:
                length = float(geod.line_length([c[0] for c in coords], [c[1] for c in coords]))
            travel_min = _opt_number(props, "travel_min", where)
            cap = _opt_number(props, "capacity_ppm", where)
            oneway = props.get("oneway", False)
            if not isinstance(oneway, bool):
                raise NetworkInputError(f"{where}: oneway must be true or false, got {oneway!r}")
            highway = props.get("highway")
            if highway is not None and not isinstance(highway, str):
                raise NetworkInputError(f"{where}: highway must be a string")
            ends = []
            for c in (coords[0], coords[-1]):
                key = (c[0], c[1])
                if key not in node_of:
                    node_of[key] = len(node_of)
                ends.append(node_of[key])
            travel = math.nan if travel_min is None else 60.0 * travel_min
            any_travel |= travel_min is not None
            pairs = [(ends[0], ends[1])] if oneway else [(ends[0], ends[1]), (ends[1], ends[0])]
            for u, v in pairs:
                tails.append(u)
                heads.append(v)
                lengths.append(length)
                travels.append(travel)
                caps.append(math.inf if cap is None else cap)
                classes.append(_class_code(highway))
        coords_arr = np.array(list(node_of), dtype=np.float64)
        rc = np.array(classes, dtype=np.int8)
        travel_arg: dict[str, NDArray[np.float64]] | None = None
        if any_travel:
            given = np.array(travels)
            length_arr = np.array(lengths)
            travel_arg = {
                mode: np.where(np.isnan(given), _default_travel(length_arr, rc, mode), given)
                for mode in _MODES
            }
        return cls.from_arrays(
            lon=coords_arr[:, 0],
            lat=coords_arr[:, 1],
            tail=tails,
            head=heads,
            length_m=lengths,
            travel_s=travel_arg,
            capacity_ppm=caps,
            road_class=rc,
        )

    @classmethod
    def from_osm_pbf(cls, path: str | os.PathLike[str]) -> Network:
        """Build a network from the ``highway=*`` ways of an OpenStreetMap PBF.

        Every way node becomes a graph node and every pair of consecutive
        nodes two arcs (one each way), so arcs are straight segments. For
        driving, the wrong-way arc of a one-way road (``oneway=yes/1/true``,
        ``-1``, roundabouts, motorways) has infinite travel time; walking
        ignores ``oneway``. Ways under construction or proposed and
        ``access=no/private`` ways are skipped; way nodes missing from the
        extract (clipped ways) split the way. Lengths are geodesic (WGS84).

        Parameters
        ----------
        path : path-like
            An ``.osm.pbf`` file.

        Returns
        -------
        Network
            With per-mode travel times.

        Raises
        ------
        NetworkInputError
            Unreadable file or no usable road in it.
        """
        import osmium

        p = Path(path)
        if not p.is_file():
            raise NetworkInputError(f"cannot read OSM file {str(p)!r}: no such file")
        node_of: dict[int, int] = {}
        lons: list[float] = []
        lats: list[float] = []
        seg_u: list[int] = []
        seg_v: list[int] = []
        seg_class: list[int] = []
        seg_oneway: list[int] = []  # 0 two-way, 1 forward only, -1 backward only (for driving)
        try:
            processor = osmium.FileProcessor(str(p)).with_locations()
            for obj in processor:
                if not isinstance(obj, osmium.osm.Way):
                    continue
                tags = obj.tags
                highway = tags.get("highway")
                if highway is None or highway in _SKIP_HIGHWAY or tags.get("area") == "yes":
                    continue
                if tags.get("access") in ("no", "private"):
                    continue
                code = _class_code(highway)
                ow_tag = tags.get("oneway", "")
                if ow_tag in ("yes", "1", "true"):
                    oneway = 1
                elif ow_tag == "-1":
                    oneway = -1
                elif ow_tag == "no":
                    oneway = 0
                else:
                    implied = highway in ("motorway", "motorway_link") or tags.get("junction") == "roundabout"
                    oneway = 1 if implied else 0
                prev: int | None = None
                for ref in obj.nodes:
                    loc = ref.location
                    if not loc.valid():
                        prev = None
                        continue
                    idx = node_of.get(ref.ref)
                    if idx is None:
                        idx = len(lons)
                        node_of[ref.ref] = idx
                        lons.append(loc.lon)
                        lats.append(loc.lat)
                    if prev is not None and prev != idx:
                        seg_u.append(prev)
                        seg_v.append(idx)
                        seg_class.append(code)
                        seg_oneway.append(oneway)
                    prev = idx
        except RuntimeError as exc:
            raise NetworkInputError(f"cannot read OSM file {str(p)!r}: {exc}") from exc
        if not seg_u:
            raise NetworkInputError(f"no usable roads (highway=* ways) in {str(p)!r}")
        from pyproj import Geod

        lon_a = np.array(lons)
        lat_a = np.array(lats)
        u = np.array(seg_u, dtype=np.int64)
        v = np.array(seg_v, dtype=np.int64)
        _, _, dist = Geod(ellps="WGS84").inv(lon_a[u], lat_a[u], lon_a[v], lat_a[v])
        dist = np.abs(np.asarray(dist, dtype=np.float64))
        cls_a = np.array(seg_class, dtype=np.int8)
        ow = np.array(seg_oneway, dtype=np.int8)
        tail = np.concatenate([u, v])
        head = np.concatenate([v, u])
        length = np.concatenate([dist, dist])
        rc = np.concatenate([cls_a, cls_a])
        wrong_way = np.concatenate([ow == -1, ow == 1])
        drive = _default_travel(length, rc, "drive")
        drive[wrong_way] = np.inf
        travel = {"walk": _default_travel(length, rc, "walk"), "drive": drive}
        return cls.from_arrays(
            lon=lon_a, lat=lat_a, tail=tail, head=head, length_m=length, road_class=rc, travel_s=travel
        )

    # ---------------------------------------------------------------- cache
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the network to an uncompressed ``.npz`` cache file.

        The members are stored uncompressed so that :meth:`load` can
        memory-map them.

        Parameters
        ----------
        path : path-like
            Target file (overwritten).
        """
        members: dict[str, NDArray[Any]] = {
            "format": np.array([_CACHE_FORMAT], dtype=np.int64),
            "lon": self.lon,
            "lat": self.lat,
            "tail": self.tail,
            "head": self.head,
            "indptr": self.indptr,
            "length_m": self.length_m,
            "road_class": self.road_class,
        }
        if self._capacity is not None and not np.all(np.isinf(self._capacity)):
            members["capacity_ppm"] = self._capacity
        for mode in _MODES:
            if mode in self._travel:
                members[f"travel_{mode}"] = np.asarray(self._travel[mode])
        if self.node_labels is not None:
            members["node_labels"] = np.frombuffer(
                json.dumps(self.node_labels).encode("utf-8"), dtype=np.uint8
            )
        target = Path(path)
        with open(target, "wb") as fh:
            np.savez(fh, **members)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Network:
        """Load a network written by :meth:`save`, memory-mapping its arrays.

        Parameters
        ----------
        path : path-like
            A cache file written by :meth:`save`.

        Returns
        -------
        Network
            Arrays are copy-on-write memory maps of the file.

        Raises
        ------
        NetworkInputError
            Missing, unreadable or foreign file.
        """
        p = Path(path)
        try:
            arrays = _mmap_npz(p)
        except (OSError, zipfile.BadZipFile, ValueError) as exc:
            raise NetworkInputError(f"cannot read network cache {str(p)!r}: {exc}") from exc
        fmt = arrays.get("format")
        if fmt is None or int(fmt[0]) != _CACHE_FORMAT:
            raise NetworkInputError(
                f"{str(p)!r} is not a Safe Passage network cache (format {_CACHE_FORMAT})"
            )
        try:
            travel = {mode: arrays[f"travel_{mode}"] for mode in _MODES if f"travel_{mode}" in arrays}
            if "walk" in travel and "drive" in travel:
                if np.array_equal(travel["walk"], travel["drive"]):
                    travel["drive"] = travel["walk"]
            labels = None
            if "node_labels" in arrays:
                labels = json.loads(bytes(arrays["node_labels"]).decode("utf-8"))
            return cls(
                lon=arrays["lon"],
                lat=arrays["lat"],
                tail=arrays["tail"],
                head=arrays["head"],
                indptr=arrays["indptr"],
                length_m=arrays["length_m"],
                road_class=arrays["road_class"],
                capacity_ppm=arrays.get("capacity_ppm"),
                travel_s=travel,
                node_labels=labels,
            )
        except KeyError as exc:
            raise NetworkInputError(f"network cache {str(p)!r} lacks member {exc}") from exc


def _mmap_npz(path: Path) -> dict[str, NDArray[Any]]:
    """Memory-map the members of an uncompressed ``.npz`` file."""
    out: dict[str, NDArray[Any]] = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[:-4]
            if info.compress_type != zipfile.ZIP_STORED:
                out[name] = np.load(zf.open(info))
                continue
            fh.seek(info.header_offset)
            local = fh.read(30)
            if local[:4] != b"PK\x03\x04":
                raise ValueError("corrupt zip member header")
            name_len = int.from_bytes(local[26:28], "little")
            extra_len = int.from_bytes(local[28:30], "little")
            fh.seek(info.header_offset + 30 + name_len + extra_len)
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            offset = fh.tell()
            if dtype.hasobject:
                raise ValueError("object arrays are not allowed in a network cache")
            if int(np.prod(shape)) == 0:
                out[name] = np.zeros(shape, dtype=dtype)
            else:
                # Copy-on-write mapping, seen as a plain ndarray: pages are read on
                # demand and shared, and the compiled kernels see the same array
                # type as for a network built in memory.
                mapped = np.memmap(
                    path, dtype=dtype, mode="c", offset=offset, shape=shape, order="F" if fortran else "C"
                )
                out[name] = np.asarray(mapped)
    return out


# -------------------------------------------------------------- GeoJSON utils
def _read_json(source: str | os.PathLike[str] | Mapping[str, Any]) -> Any:
    if isinstance(source, Mapping):
        return source
    p = Path(source)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NetworkInputError(f"cannot read {str(p)!r}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NetworkInputError(f"{str(p)!r} is not valid JSON: {exc}") from exc


def _features(data: Any) -> list[Any]:
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise NetworkInputError("expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise NetworkInputError("FeatureCollection has no 'features' list")
    if not features:
        raise NetworkInputError("empty network: the FeatureCollection has no features")
    return features


def _coords(raw: Any, where: str) -> list[tuple[float, float]]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise NetworkInputError(f"{where}: a LineString needs at least 2 coordinates")
    out = []
    for j, c in enumerate(raw):
        if (
            not isinstance(c, list | tuple)
            or len(c) < 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in c[:2])
        ):
            raise NetworkInputError(f"{where}: coordinate {j} is not a [lon, lat] pair of numbers")
        lon, lat = float(c[0]), float(c[1])
        if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 180 or abs(lat) > 90:
            raise NetworkInputError(f"{where}: coordinate {j} out of range: {c[:2]!r}")
        out.append((lon, lat))
    return out


def _opt_number(props: Mapping[str, Any], key: str, where: str) -> float | None:
    value = props.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise NetworkInputError(f"{where}: {key} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise NetworkInputError(f"{where}: {key} must be a finite number >= 0, got {value!r}")
    return value


# ----------------------------------------------------------- district graph
def district_graph(
    areas: str | os.PathLike[str] | Mapping[str, Any] | Sequence[Any],
    *,
    tolerance_m: float = 60.0,
    name_property: str = "NAME",
) -> Network:
    """Coarse network of adjacent areas (neighbourhoods), for planning without roads.

    One node per area, at a point inside it (``representative_point``); two
    arcs (one each way) between every pair of areas whose boundaries are
    within ``tolerance_m`` metres of each other (neighbourhood polygons are
    often digitised between street axes, leaving gaps of a street's width;
    the default 60 m joins 128 of the 133 Aleppo neighbourhoods into one
    component; 0 demands touching polygons). Arc length is the
    geodesic distance between the two nodes; travel times follow the defaults
    (walking 1.25 m/s, driving class ``district`` at 20 km/h).

    Parameters
    ----------
    areas : path, GeoJSON mapping, or sequence of shapely geometries
        A FeatureCollection of Polygon/MultiPolygon features, or geometries
        in WGS84 lon/lat.
    tolerance_m : float
        Largest gap in metres between two areas still counted as adjacent.
    name_property : str
        Feature property used for ``node_labels`` (default ``NAME``; the
        feature index when absent).

    Returns
    -------
    Network
        One node per area, ``node_labels`` set, road class ``district``.

    Raises
    ------
    NetworkInputError
        No areas, or a feature that is not a (Multi)Polygon.
    """
    import shapely
    from pyproj import Geod, Transformer

    geoms: list[Any] = []
    labels: list[str] = []
    if isinstance(areas, str | os.PathLike | Mapping):
        features = _features(_read_json(areas))
        for i, feat in enumerate(features):
            geom_raw = feat.get("geometry") if isinstance(feat, Mapping) else None
            gtype = geom_raw.get("type") if isinstance(geom_raw, Mapping) else None
            if gtype not in ("Polygon", "MultiPolygon"):
                raise NetworkInputError(
                    f"feature {i}: geometry must be a Polygon or MultiPolygon, got {gtype!r}"
                )
            try:
                geom = shapely.geometry.shape(geom_raw)
            except (ValueError, TypeError, AttributeError, IndexError) as exc:
                raise NetworkInputError(f"feature {i}: invalid polygon coordinates: {exc}") from exc
            props = feat.get("properties") or {}
            geoms.append(geom)
            labels.append(str(props.get(name_property, i)))
    else:
        for i, geom in enumerate(areas):
            if getattr(geom, "geom_type", None) not in ("Polygon", "MultiPolygon"):
                raise NetworkInputError(f"area {i}: expected a shapely Polygon or MultiPolygon")
            geoms.append(geom)
            labels.append(str(i))
    if not geoms:
        raise NetworkInputError("empty network: no areas")
    if tolerance_m < 0 or not math.isfinite(tolerance_m):
        raise NetworkInputError("tolerance_m must be a finite number >= 0")
    arr = np.array(geoms, dtype=object)
    empty = shapely.is_empty(arr)
    if np.any(empty):
        raise NetworkInputError(f"area {int(np.flatnonzero(empty)[0])}: empty geometry")
    arr = shapely.make_valid(arr)
    bounds = shapely.total_bounds(arr)
    lon0, lat0 = float(0.5 * (bounds[0] + bounds[2])), float(0.5 * (bounds[1] + bounds[3]))
    to_m = Transformer.from_crs(
        "EPSG:4326",
        f"+proj=aeqd +lat_0={lat0!r} +lon_0={lon0!r} +datum=WGS84 +units=m +no_defs",
        always_xy=True,
    )
    metric = shapely.transform(arr, lambda xy: np.column_stack(to_m.transform(xy[:, 0], xy[:, 1])))
    points = shapely.get_coordinates(shapely.point_on_surface(arr))
    tree = shapely.STRtree(metric)
    left, right = tree.query(metric, predicate="dwithin", distance=tolerance_m)
    keep = left < right
    left, right = left[keep], right[keep]
    lon, lat = points[:, 0], points[:, 1]
    _, _, dist = Geod(ellps="WGS84").inv(lon[left], lat[left], lon[right], lat[right])
    dist = np.abs(np.asarray(dist, dtype=np.float64))
    tail = np.concatenate([left, right])
    head = np.concatenate([right, left])
    m = tail.shape[0]
    return Network.from_arrays(
        lon=lon,
        lat=lat,
        tail=tail,
        head=head,
        length_m=np.concatenate([dist, dist]),
        road_class=np.full(m, ROAD_CLASSES["district"], dtype=np.int8),
        node_labels=labels,
    )


# ----------------------------------------------------------------- helpers
def grid_network(
    rows: int,
    cols: int,
    *,
    spacing_m: float = 100.0,
    origin: tuple[float, float] = (37.10, 36.17),
    seed: int | None = 0,
    slowdown: tuple[float, float] = (1.0, 3.0),
) -> Network:
    """A generated ``rows x cols`` grid with arcs both ways between neighbours.

    Node ``r * cols + c`` sits ``c * spacing_m`` metres east and ``r *
    spacing_m`` metres north of ``origin`` (lon, lat; default in Aleppo).
    Each arc's travel time is its walking time multiplied by an independent
    uniform random factor in ``slowdown`` (rubble, checkpoints, queues), the
    same for every mode; with ``seed=None`` the factor is 1.

    Parameters
    ----------
    rows, cols : int
        Grid size (at least 1 each).
    spacing_m : float
        Distance between neighbouring nodes in metres.
    origin : (float, float)
        Lon/lat of node 0.
    seed : int or None
        Seed of the slowdown factors; ``None`` for none.
    slowdown : (float, float)
        Range of the uniform slowdown factor.

    Returns
    -------
    Network
        ``rows * cols`` nodes, ``2 * (rows * (cols - 1) + cols * (rows - 1))`` arcs.

    Raises
    ------
    NetworkInputError
        Fewer than one row or column.
    """
    if rows < 1 or cols < 1:
        raise NetworkInputError("grid needs at least one row and one column")
    r, c = np.divmod(np.arange(rows * cols, dtype=np.int64), cols)
    lat0 = math.radians(origin[1])
    deg_lat = spacing_m / 111_132.954
    deg_lon = spacing_m / (111_319.488 * math.cos(lat0))
    lon = origin[0] + c * deg_lon
    lat = origin[1] + r * deg_lat
    ids = np.arange(rows * cols, dtype=np.int64).reshape(rows, cols)
    h_u, h_v = ids[:, :-1].ravel(), ids[:, 1:].ravel()
    v_u, v_v = ids[:-1, :].ravel(), ids[1:, :].ravel()
    tail = np.concatenate([h_u, h_v, v_u, v_v])
    head = np.concatenate([h_v, h_u, v_v, v_u])
    length = np.full(tail.shape[0], float(spacing_m))
    if seed is None:
        factor = np.ones(tail.shape[0])
    else:
        factor = np.random.default_rng(seed).uniform(slowdown[0], slowdown[1], int(tail.shape[0]))
    return Network.from_arrays(
        lon=lon, lat=lat, tail=tail, head=head, length_m=length, travel_s=length / WALK_SPEED_MPS * factor
    )


def load_network(path: str | os.PathLike[str]) -> Network:
    """Load a network, choosing the reader by file name.

    ``.osm.pbf``/``.pbf`` -> :meth:`Network.from_osm_pbf`; ``.geojson``/``.json``
    -> :meth:`Network.from_geojson` for LineStrings, or :func:`district_graph`
    when the features are (Multi)Polygons; ``.npz`` -> :meth:`Network.load`.

    Parameters
    ----------
    path : path-like
        The network file.

    Returns
    -------
    Network
        The network read by the reader of its format.

    Raises
    ------
    NetworkInputError
        Unknown extension, unreadable or invalid file.
    """
    p = Path(path)
    name = p.name.lower()
    if not p.exists():
        raise NetworkInputError(f"cannot read network {str(p)!r}: no such file")
    if p.is_dir():
        raise NetworkInputError(f"cannot read network {str(p)!r}: is a directory")
    if name.endswith(".pbf"):
        return Network.from_osm_pbf(p)
    if name.endswith(".npz"):
        return Network.load(p)
    if name.endswith((".geojson", ".json")):
        data = _read_json(p)
        features = _features(data)
        first = features[0] if isinstance(features[0], Mapping) else {}
        geom = first.get("geometry") if isinstance(first, Mapping) else None
        if isinstance(geom, Mapping) and geom.get("type") in ("Polygon", "MultiPolygon"):
            return district_graph(data)
        return Network.from_geojson(data)
    raise NetworkInputError(f"unknown network format {p.suffix!r}: expected .osm.pbf, .geojson/.json or .npz")
