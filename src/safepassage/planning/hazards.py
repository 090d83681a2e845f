"""Hazards (mines/UXO, shelling zones, front lines, incident clusters) and their effect on arcs.

A :class:`Hazard` is a reported or verified danger with a footprint: a point,
line or polygon (WGS84 lon/lat) grown by ``radius_m`` metres. Its *risk
factor* multiplies the travel time of every arc that touches the footprint
(``factor >= 1``); a blocking hazard closes those arcs (factor ``inf``).
Where several hazards touch one arc, the largest factor applies.

Time: a hazard applies between ``valid_from`` (inclusive) and ``valid_to``
(exclusive); with ``half_life_h`` the excess factor ``factor - 1`` halves
every ``half_life_h`` hours after ``valid_from``. A hazard whose ``status`` is
``cleared`` has no effect. Evaluating at ``at=None`` ignores time windows and
decay: every hazard that is not cleared applies at full strength (the
conservative reading for planning ahead).

:class:`HazardOverlay` binds hazards to a network. It keeps the per-arc factor
array read by the routing kernels and a grid index of the arcs, built once,
so adding, changing or removing a hazard re-weights only the arcs its old and
new footprints touch -- the graph is never rebuilt.

GeoJSON hazards file
--------------------
A FeatureCollection of Point, LineString, Polygon (or Multi*) features with
these properties (all optional):

``id``
    Identifier (string or number; default the feature index). Also read
    from the feature's top-level ``id``.
``kind``
    ``mine_uxo``, ``shelling_zone``, ``front_line``, ``incident_cluster`` or
    ``other`` (default).
``severity``
    ``low`` (factor 1.5), ``medium`` (3, default), ``high`` (10) or
    ``extreme`` (blocked). Ignored when ``risk_factor`` is given.
``risk_factor``
    Number >= 1 multiplying the travel time of touched arcs.
``radius_m``
    Buffer in metres around the geometry; default by kind for points and
    lines (:data:`DEFAULT_RADIUS_M`), 0 for polygons.
``blocked``
    ``true`` closes the touched arcs.
``valid_from``, ``valid_to``
    ISO 8601 timestamps with a time zone (``2016-11-30T06:00:00+00:00``).
``half_life_h``
    Decay of the excess factor, in hours after ``valid_from``.
``status``
    ``active`` (default), ``suspected`` (applies like active) or ``cleared``
    (no effect).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    from safepassage.planning.network import Network

__all__ = [
    "DEFAULT_RADIUS_M",
    "HAZARD_KINDS",
    "SEVERITY_FACTORS",
    "ArcIndex",
    "Hazard",
    "HazardInputError",
    "HazardOverlay",
    "HazardSet",
]

HAZARD_KINDS = ("mine_uxo", "shelling_zone", "front_line", "incident_cluster", "other")
#: Risk factor by severity (``inf``: blocked).
SEVERITY_FACTORS: dict[str, float] = {"low": 1.5, "medium": 3.0, "high": 10.0, "extreme": math.inf}
#: Default buffer (metres) of point and line hazards by kind.
DEFAULT_RADIUS_M: dict[str, float] = {
    "mine_uxo": 50.0,
    "shelling_zone": 300.0,
    "front_line": 150.0,
    "incident_cluster": 200.0,
    "other": 50.0,
}
STATUSES = ("active", "suspected", "cleared")


class HazardInputError(ValueError):
    """A hazard or hazards file that cannot be used; the message names the feature and field.

    Parameters
    ----------
    *args : str
        The message (one string): the reason, naming the feature index or hazard id and the field.
    """


def _parse_time(value: Any, where: str, name: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise HazardInputError(f"{where}: {name} is not an ISO 8601 timestamp: {value!r}") from exc
    else:
        raise HazardInputError(f"{where}: {name} must be an ISO 8601 string, got {value!r}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise HazardInputError(f"{where}: {name} needs a time zone (for example +00:00): {value!r}")
    return parsed


@dataclass(frozen=True)
class Hazard:
    """A danger with a footprint, a risk factor, a time window and a clearance status.

    Parameters
    ----------
    id : str
        Identifier, unique within a :class:`HazardSet`.
    geometry : shapely geometry
        Point, LineString, Polygon or their Multi* forms, in WGS84 lon/lat.
    kind : str
        One of :data:`HAZARD_KINDS`.
    severity : str
        ``low``, ``medium``, ``high`` or ``extreme`` (:data:`SEVERITY_FACTORS`).
    risk_factor : float, optional
        Explicit factor >= 1 (overrides ``severity``).
    radius_m : float, optional
        Buffer in metres (default by kind for points/lines, 0 for polygons).
    blocked : bool
        Close the touched arcs whatever the factor.
    valid_from, valid_to : datetime, optional
        Time window (timezone-aware), ``valid_to`` exclusive.
    half_life_h : float, optional
        Half-life of the excess factor after ``valid_from``.
    status : str
        ``active``, ``suspected`` or ``cleared``.

    Raises
    ------
    HazardInputError
        A field out of its domain (the message names the hazard and field).
    """

    id: str
    geometry: Any
    kind: str = "other"
    severity: str = "medium"
    risk_factor: float | None = None
    radius_m: float | None = None
    blocked: bool = False
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    half_life_h: float | None = None
    status: str = "active"

    def __post_init__(self) -> None:
        where = f"hazard {self.id!r}"
        gtype = getattr(self.geometry, "geom_type", None)
        if gtype not in ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"):
            raise HazardInputError(f"{where}: geometry must be a Point, LineString or Polygon, got {gtype!r}")
        if self.geometry.is_empty:
            raise HazardInputError(f"{where}: geometry is empty")
        xy = np.asarray(self.geometry.bounds, dtype=float)
        if (
            not np.all(np.isfinite(xy))
            or abs(xy[0]) > 180
            or abs(xy[2]) > 180
            or abs(xy[1]) > 90
            or abs(xy[3]) > 90
        ):
            raise HazardInputError(f"{where}: coordinates out of range (lon -180..180, lat -90..90)")
        if self.kind not in HAZARD_KINDS:
            raise HazardInputError(
                f"{where}: kind must be one of {', '.join(HAZARD_KINDS)}, got {self.kind!r}"
            )
        if self.severity not in SEVERITY_FACTORS:
            raise HazardInputError(
                f"{where}: severity must be one of {', '.join(SEVERITY_FACTORS)}, got {self.severity!r}"
            )
        if self.risk_factor is not None and not (self.risk_factor >= 1.0):
            raise HazardInputError(f"{where}: risk_factor must be a number >= 1, got {self.risk_factor!r}")
        if self.radius_m is not None and not (math.isfinite(self.radius_m) and self.radius_m >= 0):
            raise HazardInputError(f"{where}: radius_m must be a finite number >= 0, got {self.radius_m!r}")
        if self.half_life_h is not None and not (math.isfinite(self.half_life_h) and self.half_life_h > 0):
            raise HazardInputError(
                f"{where}: half_life_h must be a finite number > 0, got {self.half_life_h!r}"
            )
        if self.status not in STATUSES:
            raise HazardInputError(
                f"{where}: status must be one of {', '.join(STATUSES)}, got {self.status!r}"
            )
        for name in ("valid_from", "valid_to"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
                raise HazardInputError(f"{where}: {name} must be a timezone-aware datetime")
        if self.valid_from and self.valid_to and self.valid_to <= self.valid_from:
            raise HazardInputError(f"{where}: valid_to must be after valid_from")
        if self.half_life_h is not None and self.valid_from is None:
            raise HazardInputError(f"{where}: half_life_h needs valid_from (the start of the decay)")

    @property
    def buffer_m(self) -> float:
        """Effective buffer in metres.

        Returns
        -------
        float
            ``radius_m`` when given, else 0 for polygons and the default of the
            kind (:data:`DEFAULT_RADIUS_M`) for points and lines.
        """
        if self.radius_m is not None:
            return float(self.radius_m)
        if self.geometry.geom_type in ("Polygon", "MultiPolygon"):
            return 0.0
        return DEFAULT_RADIUS_M[self.kind]

    @property
    def base_factor(self) -> float:
        """Risk factor at full strength (no time window, no decay).

        Returns
        -------
        float
            ``inf`` when blocked, else ``risk_factor`` or the severity's factor.
        """
        if self.blocked:
            return math.inf
        if self.risk_factor is not None:
            return float(self.risk_factor)
        return SEVERITY_FACTORS[self.severity]

    def factor_at(self, at: datetime | None = None) -> float:
        """Risk factor at a time: 1 (no effect) outside the window or when cleared.

        With decay, ``1 + (f - 1) * 0.5 ** (hours since valid_from / half_life_h)``.

        Parameters
        ----------
        at : datetime, optional
            Timezone-aware time of evaluation; ``None`` ignores the window and
            decay (full strength unless cleared).

        Returns
        -------
        float
            Factor >= 1, ``inf`` when blocked.

        Raises
        ------
        HazardInputError
            ``at`` is naive.
        """
        if self.status == "cleared":
            return 1.0
        base = self.base_factor
        if at is None:
            return base
        if at.utcoffset() is None:
            raise HazardInputError("at must be a timezone-aware datetime")
        if self.valid_from is not None and at < self.valid_from:
            return 1.0
        if self.valid_to is not None and at >= self.valid_to:
            return 1.0
        if self.half_life_h is not None and self.valid_from is not None and math.isfinite(base):
            hours = (at - self.valid_from).total_seconds() / 3600.0
            return 1.0 + (base - 1.0) * 0.5 ** (hours / self.half_life_h)
        return base

    @classmethod
    def from_feature(cls, feature: Mapping[str, Any], index: int = 0) -> Hazard:
        """Build a hazard from one GeoJSON feature (see the module docstring).

        Parameters
        ----------
        feature : mapping
            A GeoJSON Feature with a geometry and the hazard properties.
        index : int
            Position of the feature in its file: the default id, and the
            ``feature <index>`` prefix of error messages.

        Returns
        -------
        Hazard

        Raises
        ------
        HazardInputError
            Not a Feature, invalid geometry or a property out of its domain.
        """
        import shapely.geometry

        where = f"feature {index}"
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            raise HazardInputError(f"{where}: not a GeoJSON Feature")
        props = feature.get("properties") or {}
        if not isinstance(props, Mapping):
            raise HazardInputError(f"{where}: properties must be an object")
        raw_geom = feature.get("geometry")
        if not isinstance(raw_geom, Mapping):
            raise HazardInputError(f"{where}: geometry is missing")
        try:
            geom = shapely.geometry.shape(raw_geom)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError) as exc:
            raise HazardInputError(f"{where}: invalid geometry: {exc}") from exc
        hazard_id = props.get("id", feature.get("id", index))
        if isinstance(hazard_id, bool) or not isinstance(hazard_id, str | int):
            raise HazardInputError(f"{where}: id must be a string or integer")

        def number(key: str) -> float | None:
            value = props.get(key)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise HazardInputError(f"{where}: {key} must be a finite number, got {value!r}")
            return float(value)

        blocked = props.get("blocked", False)
        if not isinstance(blocked, bool):
            raise HazardInputError(f"{where}: blocked must be true or false, got {blocked!r}")
        for key in ("kind", "severity", "status"):
            if key in props and not isinstance(props[key], str):
                raise HazardInputError(f"{where}: {key} must be a string, got {props[key]!r}")
        try:
            return cls(
                id=str(hazard_id),
                geometry=geom,
                kind=props.get("kind", "other"),
                severity=props.get("severity", "medium"),
                risk_factor=number("risk_factor"),
                radius_m=number("radius_m"),
                blocked=blocked,
                valid_from=_parse_time(props.get("valid_from"), where, "valid_from"),
                valid_to=_parse_time(props.get("valid_to"), where, "valid_to"),
                half_life_h=number("half_life_h"),
                status=props.get("status", "active"),
            )
        except HazardInputError as exc:
            raise HazardInputError(f"{where}: {str(exc).split(': ', 1)[-1]}") from exc


@dataclass
class HazardSet:
    """An ordered collection of hazards keyed by id.

    Parameters
    ----------
    hazards : dict of str to Hazard
        Hazards by id, in insertion order (default empty).
    """

    hazards: dict[str, Hazard] = field(default_factory=dict)

    @classmethod
    def of(cls, hazards: Iterable[Hazard]) -> HazardSet:
        """Collect hazards (a later hazard replaces an earlier one with the same id).

        Parameters
        ----------
        hazards : iterable of Hazard
            Hazards in order; a later one replaces an earlier one with its id.

        Returns
        -------
        HazardSet
        """
        out = cls()
        for h in hazards:
            out.add(h)
        return out

    @classmethod
    def from_geojson(cls, source: str | os.PathLike[str] | Mapping[str, Any]) -> HazardSet:
        """Read a GeoJSON FeatureCollection of hazards (see the module docstring).

        Parameters
        ----------
        source : path or mapping
            A ``.geojson`` file, or the parsed FeatureCollection.

        Returns
        -------
        HazardSet
            The hazards in file order.

        Raises
        ------
        HazardInputError
            Unreadable file, invalid JSON, not a FeatureCollection, duplicate
            ids, or a bad feature (the message names its index and field).
        """
        if isinstance(source, Mapping):
            data: Any = source
        else:
            p = Path(source)
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise HazardInputError(f"cannot read hazards file {str(p)!r}: {exc}") from exc
            except json.JSONDecodeError as exc:
                raise HazardInputError(f"hazards file {str(p)!r} is not valid JSON: {exc}") from exc
        if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
            raise HazardInputError("hazards: expected a GeoJSON FeatureCollection")
        features = data.get("features")
        if not isinstance(features, list):
            raise HazardInputError("hazards: the FeatureCollection has no 'features' list")
        out = cls()
        for i, feat in enumerate(features):
            hazard = Hazard.from_feature(feat, i)
            if hazard.id in out.hazards:
                raise HazardInputError(f"feature {i}: duplicate hazard id {hazard.id!r}")
            out.add(hazard)
        return out

    def add(self, hazard: Hazard) -> None:
        """Add a hazard, replacing any hazard with the same id.

        Parameters
        ----------
        hazard : Hazard
            The hazard to add.
        """
        self.hazards[hazard.id] = hazard

    def remove(self, hazard_id: str) -> Hazard:
        """Remove and return a hazard.

        Parameters
        ----------
        hazard_id : str
            Id of the hazard to remove.

        Returns
        -------
        Hazard
            The hazard removed.

        Raises
        ------
        KeyError
            No hazard with this id.
        """
        return self.hazards.pop(hazard_id)

    def __iter__(self) -> Iterator[Hazard]:
        return iter(list(self.hazards.values()))

    def __len__(self) -> int:
        return len(self.hazards)

    def __contains__(self, hazard_id: object) -> bool:
        return hazard_id in self.hazards

    def __getitem__(self, hazard_id: str) -> Hazard:
        return self.hazards[hazard_id]


# ------------------------------------------------------------ arc index
class ArcIndex:
    """Uniform grid over the arcs of a network, in local metres, built once.

    Each arc (a straight segment from tail to head) is listed in every cell its
    bounding box overlaps; the cell size is twice the median arc length, so
    most arcs sit in one or two cells. Queries test candidates exactly
    (segment distance, point in polygon) in compiled code.

    Parameters
    ----------
    network : Network
        The network whose arcs are indexed (its local metric projection).
    """

    def __init__(self, network: Network) -> None:
        from safepassage.planning import _routing_kernels as k

        x, y = network.projected_xy()
        self.x = x
        self.y = y
        self.tail = network.tail
        self.head = network.head
        seg = (
            np.hypot(x[self.head] - x[self.tail], y[self.head] - y[self.tail])
            if network.n_arcs
            else np.zeros(1)
        )
        cell = max(2.0 * float(np.median(seg)) if seg.size else 1.0, 1.0)
        self.x0 = float(x.min())
        self.y0 = float(y.min())
        width = float(x.max()) - self.x0
        height = float(y.max()) - self.y0
        # Keep the cell count near the arc count at most.
        while (width / cell + 1) * (height / cell + 1) > max(4 * network.n_arcs, 1024):
            cell *= 2.0
        self.cell = cell
        self.nx = int(width // cell) + 1
        self.ny = int(height // cell) + 1
        self.counts, self.items = k.grid_index(
            x, y, self.tail, self.head, self.x0, self.y0, self.cell, self.nx, self.ny
        )

    @property
    def nbytes(self) -> int:
        """Bytes of the index arrays (the node coordinates belong to the network).

        Returns
        -------
        int
        """
        return int(self.counts.nbytes + self.items.nbytes)

    def query(self, footprint: Footprint) -> NDArray[np.int64]:
        """Arcs within the footprint's radius of its geometry.

        Parameters
        ----------
        footprint : Footprint
            The hazard geometry in the same local metres as the index.

        Returns
        -------
        ndarray of int64
            Sorted, unique arc ids.
        """
        from safepassage.planning import _routing_kernels as k

        return k.arcs_hit(
            self.x,
            self.y,
            self.tail,
            self.head,
            self.counts,
            self.items,
            self.x0,
            self.y0,
            self.cell,
            self.nx,
            self.ny,
            footprint.bbox,
            footprint.sx0,
            footprint.sy0,
            footprint.sx1,
            footprint.sy1,
            footprint.ring_ptr,
            footprint.rx,
            footprint.ry,
            footprint.radius,
        )


@dataclass(frozen=True)
class Footprint:
    """A hazard geometry in local metres, flattened for the compiled hit test.

    Build with :meth:`of`.

    Parameters
    ----------
    metric : shapely geometry
        The geometry in local metres (not buffered).
    radius : float
        Buffer in metres.
    bbox : ndarray of float64, shape (4,)
        ``(minx, miny, maxx, maxy)`` of the geometry grown by ``radius``.
    sx0, sy0, sx1, sy1 : ndarray of float64
        Segments of the geometry (points are zero-length segments, polygons
        give their ring edges).
    ring_ptr : ndarray of int64
        Ring ``r`` of a polygon has vertices ``rx/ry[ring_ptr[r]:ring_ptr[r + 1]]``.
    rx, ry : ndarray of float64
        Ring vertices (without the closing repeat).
    """

    metric: Any  # shapely geometry in local metres
    radius: float
    bbox: NDArray[np.float64]
    sx0: NDArray[np.float64]
    sy0: NDArray[np.float64]
    sx1: NDArray[np.float64]
    sy1: NDArray[np.float64]
    ring_ptr: NDArray[np.int64]
    rx: NDArray[np.float64]
    ry: NDArray[np.float64]

    @classmethod
    def of(cls, hazard: Hazard, transformer: Any) -> Footprint:
        """Project a hazard's geometry to local metres and flatten it.

        Parameters
        ----------
        hazard : Hazard
            The hazard whose geometry and buffer to use.
        transformer : pyproj.Transformer
            From WGS84 lon/lat to the network's local metres
            (:meth:`Network.local_transformer`).

        Returns
        -------
        Footprint
        """
        import shapely

        metric = shapely.transform(
            hazard.geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
        radius = hazard.buffer_m
        seg0: list[NDArray[np.float64]] = []
        seg1: list[NDArray[np.float64]] = []
        rings_x: list[NDArray[np.float64]] = []
        rings_y: list[NDArray[np.float64]] = []
        for part in getattr(metric, "geoms", [metric]):
            if part.geom_type == "Point":
                c = np.asarray(part.coords, dtype=float)
                seg0.append(c)
                seg1.append(c)
            elif part.geom_type == "LineString":
                c = np.asarray(part.coords, dtype=float)
                seg0.append(c[:-1])
                seg1.append(c[1:])
            else:  # Polygon
                for ring in [part.exterior, *part.interiors]:
                    c = np.asarray(ring.coords, dtype=float)
                    seg0.append(c[:-1])
                    seg1.append(c[1:])
                    rings_x.append(c[:-1, 0])
                    rings_y.append(c[:-1, 1])
        a = np.concatenate(seg0)
        b = np.concatenate(seg1)
        ring_ptr = np.zeros(len(rings_x) + 1, dtype=np.int64)
        ring_ptr[1:] = np.cumsum([r.shape[0] for r in rings_x]) if rings_x else []
        minx, miny, maxx, maxy = metric.bounds
        bbox = np.array([minx - radius, miny - radius, maxx + radius, maxy + radius], dtype=float)
        return cls(
            metric=metric,
            radius=radius,
            bbox=bbox,
            sx0=np.ascontiguousarray(a[:, 0]),
            sy0=np.ascontiguousarray(a[:, 1]),
            sx1=np.ascontiguousarray(b[:, 0]),
            sy1=np.ascontiguousarray(b[:, 1]),
            ring_ptr=ring_ptr,
            rx=np.concatenate(rings_x) if rings_x else np.zeros(0),
            ry=np.concatenate(rings_y) if rings_y else np.zeros(0),
        )

    @cached_property
    def area(self) -> Any:
        """The footprint as a shapely geometry in metres, buffered by the radius.

        Returns
        -------
        shapely geometry
            Prepared for repeated intersection tests; computed once.
        """
        import shapely

        geom = self.metric.buffer(self.radius, quad_segs=32) if self.radius > 0 else self.metric
        shapely.prepare(geom)
        return geom


# -------------------------------------------------------------- overlay
class HazardOverlay:
    """Per-arc hazard factors of a network, updated incrementally.

    Parameters
    ----------
    network : Network
        The network whose arcs are weighted.
    hazards : iterable of Hazard, optional
        Hazards in effect at the start.
    at : datetime, optional
        Time at which hazards are evaluated (default: full strength).

    Attributes
    ----------
    factor : ndarray of float64, shape (n_arcs,)
        1 where no hazard applies, the largest applicable risk factor
        elsewhere, ``inf`` where an arc is blocked. Read by the routing kernels.
    at : datetime or None
        Time at which hazards are evaluated (see :meth:`Hazard.factor_at`).

    Notes
    -----
    Updating a hazard costs a grid-index query for its footprint plus work
    proportional to the arcs its old and new footprints touch; nothing is
    rebuilt.
    """

    def __init__(
        self, network: Network, hazards: Iterable[Hazard] | None = None, *, at: datetime | None = None
    ) -> None:
        self.network = network
        self.at = at
        self.factor = np.ones(network.n_arcs, dtype=np.float64)
        self._hazards: dict[str, Hazard] = {}
        self._arcs: dict[str, NDArray[np.int64]] = {}
        self._footprints: dict[str, Footprint] = {}
        self._current: dict[str, float] = {}
        self._index: ArcIndex | None = None
        self._transformer: Any = None
        if hazards is not None:
            self.update(hazards)

    @property
    def index(self) -> ArcIndex:
        """The network's arc index, built on first use and shared by the network's overlays.

        Returns
        -------
        ArcIndex
        """
        if self._index is None:
            cached = getattr(self.network, "_arc_index", None)
            if cached is None:
                cached = ArcIndex(self.network)
                self.network._arc_index = cached
            self._index = cached
        return self._index

    @property
    def hazards(self) -> list[Hazard]:
        """Hazards currently in the overlay.

        Returns
        -------
        list of Hazard
        """
        return list(self._hazards.values())

    def arcs_of(self, hazard_id: str) -> NDArray[np.int64]:
        """Arcs a hazard's footprint touches.

        Parameters
        ----------
        hazard_id : str
            Id of a hazard in the overlay.

        Returns
        -------
        ndarray of int64
            Sorted arc ids.

        Raises
        ------
        KeyError
            No hazard with this id in the overlay.
        """
        return self._arcs[hazard_id]

    def footprint(self, hazard_id: str) -> Footprint:
        """The hazard's footprint in local metres.

        Parameters
        ----------
        hazard_id : str
            Id of a hazard in the overlay.

        Returns
        -------
        Footprint
            The geometry in local metres, as used for the arc query.

        Raises
        ------
        KeyError
            No hazard with this id in the overlay.
        """
        return self._footprints[hazard_id]

    def nbytes(self) -> int:
        """Bytes held by the overlay (factor array, arc lists; not the shared index).

        Returns
        -------
        int
            Sum of the arrays' ``nbytes``.
        """
        return int(self.factor.nbytes + sum(a.nbytes for a in self._arcs.values()))

    def set(self, hazard: Hazard) -> NDArray[np.int64]:
        """Add or replace a hazard, re-weighting only the arcs it touches.

        Parameters
        ----------
        hazard : Hazard
            The hazard to add or replace (by id).

        Returns
        -------
        ndarray of int64
            Sorted ids of the arcs whose factor was recomputed (old and new
            footprints).
        """
        if self._transformer is None:
            self._transformer = self.network.local_transformer()
        old = self._arcs.get(hazard.id)
        footprint = Footprint.of(hazard, self._transformer)
        arcs = self.index.query(footprint)
        self._hazards[hazard.id] = hazard
        self._arcs[hazard.id] = arcs
        self._footprints[hazard.id] = footprint
        self._current[hazard.id] = hazard.factor_at(self.at)
        if old is not None:
            self._recompute(old)  # separately: old and new footprints may be far apart
        self._recompute(arcs)
        return arcs if old is None else _sorted_union(old, arcs)

    def remove(self, hazard_id: str) -> NDArray[np.int64]:
        """Remove a hazard, re-weighting only the arcs it touched.

        Parameters
        ----------
        hazard_id : str
            Id of the hazard to remove.

        Returns
        -------
        ndarray of int64
            Sorted ids of the arcs whose factor was recomputed.

        Raises
        ------
        KeyError
            No hazard with this id in the overlay.
        """
        if hazard_id not in self._hazards:
            raise KeyError(hazard_id)
        touched = self._arcs.pop(hazard_id)
        del self._hazards[hazard_id]
        del self._footprints[hazard_id]
        del self._current[hazard_id]
        self._recompute(touched)
        return touched

    def update(self, hazards: Iterable[Hazard]) -> int:
        """Add or replace several hazards.

        Parameters
        ----------
        hazards : iterable of Hazard
            Hazards to add or replace (by id).

        Returns
        -------
        int
            Number of distinct arcs re-weighted.
        """
        touched = [self.set(h) for h in hazards]
        return int(np.unique(np.concatenate(touched)).shape[0]) if touched else 0

    def set_time(self, at: datetime | None) -> None:
        """Evaluate all hazards at another time, re-weighting only the arcs they touch.

        Parameters
        ----------
        at : datetime or None
            Timezone-aware time; ``None`` for full strength.
        """
        self.at = at
        changed = []
        for hid, hazard in self._hazards.items():
            value = hazard.factor_at(at)
            if value != self._current[hid]:
                self._current[hid] = value
                changed.append(self._arcs[hid])
        if changed:
            self._recompute(np.unique(np.concatenate(changed)))

    def _recompute(self, arcs: NDArray[np.int64]) -> None:
        if arcs.shape[0] == 0:
            return
        values = np.ones(arcs.shape[0])
        bbox = self._arcs_bbox(arcs)
        for hid, hits in self._arcs.items():
            f = self._current[hid]
            if f == 1.0 or hits.shape[0] == 0:
                continue
            if hits is arcs:
                values = np.maximum(values, f)
                continue
            if not _boxes_meet(bbox, self._footprints[hid].bbox):
                continue  # the hazard's arcs cannot be among these
            pos = np.searchsorted(hits, arcs)
            pos[pos >= hits.shape[0]] = 0
            present = hits[pos] == arcs
            values[present] = np.maximum(values[present], f)
        self.factor[arcs] = values

    def _arcs_bbox(self, arcs: NDArray[np.int64]) -> NDArray[np.float64]:
        x, y = self.network.projected_xy()
        ends = np.concatenate([self.network.tail[arcs], self.network.head[arcs]])
        return np.array([x[ends].min(), y[ends].min(), x[ends].max(), y[ends].max()])

    def exposure(self, arcs: ArrayLike, travel_s: NDArray[np.float64]) -> list[dict[str, Any]]:
        """Metres and minutes a path spends inside each hazard footprint it touches.

        Parameters
        ----------
        arcs : array_like of int
            Arc ids of the path, in order.
        travel_s : ndarray of float64
            Travel seconds per arc (unweighted by risk) for the minutes.

        Returns
        -------
        list of dict
            One entry per hazard in effect (factor > 1) whose footprint the
            path touches: ``hazard_id``, ``kind``, ``risk_factor`` (``None``
            when blocked), ``metres`` and ``minutes`` inside the footprint
            (the share of each arc's length inside, times its length and
            travel time).
        """
        import shapely

        path = np.asarray(arcs, dtype=np.int64)
        out: list[dict[str, Any]] = []
        if path.shape[0] == 0:
            return out
        hot = np.unique(path[self.factor[path] != 1.0])  # arcs under some hazard in effect
        if hot.shape[0] == 0:
            return out
        x, y = self.network.projected_xy()
        tail = self.network.tail[path]
        head = self.network.head[path]
        bbox = self._arcs_bbox(hot)
        lines = None
        for hid, hits in self._arcs.items():
            f = self._current[hid]
            if f == 1.0 or not _boxes_meet(bbox, self._footprints[hid].bbox):
                continue
            pos = np.minimum(np.searchsorted(hits, hot), max(hits.shape[0] - 1, 0))
            common = hot[hits[pos] == hot] if hits.shape[0] else hot[:0]
            if common.shape[0] == 0:
                continue
            if lines is None:
                coords = np.stack(
                    [np.column_stack([x[tail], y[tail]]), np.column_stack([x[head], y[head]])], axis=1
                )
                lines = shapely.linestrings(coords)
                seg_len = shapely.length(lines)
            mask = np.isin(path, common)
            area = self._footprints[hid].area
            inside = np.zeros(path.shape[0])
            if area.geom_type in ("Polygon", "MultiPolygon") and not area.is_empty:
                inside[mask] = shapely.length(shapely.intersection(lines[mask], area))
            with np.errstate(invalid="ignore", divide="ignore"):
                share = np.where(seg_len > 0, np.minimum(inside / seg_len, 1.0), 0.0)
            metres = float(np.sum(share * self.network.length_m[path]))
            secs = np.where(share > 0, share * travel_s[path], 0.0)
            out.append(
                {
                    "hazard_id": hid,
                    "kind": self._hazards[hid].kind,
                    "risk_factor": None if math.isinf(f) else f,
                    "metres": metres,
                    "minutes": float(np.sum(secs)) / 60.0,
                }
            )
        return out


def _sorted_union(a: NDArray[np.int64], b: NDArray[np.int64]) -> NDArray[np.int64]:
    """Union of two sorted arrays of unique ids, sorted."""
    merged = np.concatenate([a, b])
    merged.sort(kind="stable")
    if merged.shape[0] < 2:
        return merged
    keep = np.empty(merged.shape[0], dtype=bool)
    keep[0] = True
    np.not_equal(merged[1:], merged[:-1], out=keep[1:])
    return merged[keep]


def _boxes_meet(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    """Whether two (minx, miny, maxx, maxy) boxes overlap (touching counts)."""
    return bool(a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3])
