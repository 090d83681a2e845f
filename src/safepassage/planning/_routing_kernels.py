"""Compiled kernels for routing and hazards (numba, ``cache=True``, ``nogil=True``).

Private module; the public interface is :mod:`safepassage.planning.routing`
and :mod:`safepassage.planning.hazards`.

Weights are read per arc as ``w[a]`` and, depending on ``fmode``, combined
with a hazard factor ``factor[a]`` (``np.inf`` = blocked):

- ``fmode == 0``: ``w[a]`` only;
- ``fmode == 1``: ``w[a]``, arc skipped when ``factor[a]`` is infinite;
- ``fmode == 2``: ``w[a] * factor[a]`` (skipped when infinite).

Arcs whose resulting weight is infinite are skipped (closed to the mode).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

INF = np.inf

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]
I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
Index = NDArray[np.signedinteger[Any]]  # CSR offsets: int32 or int64


# ------------------------------------------------------------------- heaps
# Binary min-heaps with decrease-key: keys `hk`, nodes `hn`, and the position
# of every node in the heap in `pos` (only meaningful while the node is in it).


@njit(inline="always")
def _sift_up(
    hk: F64, hn: I32, pos: I32, i: int, key: float, node: int
) -> None:  # pragma: no cover - compiled
    while i > 0:
        parent = (i - 1) >> 1
        pk = hk[parent]
        if pk <= key:
            break
        hk[i] = pk
        pn = hn[parent]
        hn[i] = pn
        pos[pn] = i
        i = parent
    hk[i] = key
    hn[i] = node
    pos[node] = i


@njit(inline="always")
def _sift_down(
    hk: F64, hn: I32, pos: I32, i: int, size: int, key: float, node: int
) -> None:  # pragma: no cover - compiled
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        ck = hk[child]
        right = child + 1
        if right < size and hk[right] < ck:
            child = right
            ck = hk[right]
        if ck >= key:
            break
        hk[i] = ck
        cn = hn[child]
        hn[i] = cn
        pos[cn] = i
        i = child
    hk[i] = key
    hn[i] = node
    pos[node] = i


@njit(inline="always")
def _pop(hk: F64, hn: I32, pos: I32, size: int) -> tuple[int, float, int]:  # pragma: no cover - compiled
    """Remove the minimum; returns (node, key, new size). The node's pos becomes -1."""
    node = hn[0]
    key = hk[0]
    pos[node] = -1
    size -= 1
    if size > 0:
        _sift_down(hk, hn, pos, 0, size, hk[size], hn[size])
    return node, key, size


@njit(inline="always")
def _arc_weight(w: F64, factor: F64, fmode: int, a: int) -> float:  # pragma: no cover - compiled
    wa = w[a]
    if fmode != 0:
        f = factor[a]
        if f == INF:
            return INF
        if fmode == 2:
            wa = wa * f
    return wa


# ------------------------------------------------------ landmark distances
@njit(cache=True, nogil=True)
def sssp_float32_down(
    indptr: Index,
    adj: I32,
    reverse: bool,
    far_end: I32,
    w: F64,
    factor: F64,
    fmode: int,
    source: int,
    out: F32,
    hk: F64,
    hn: I32,
    pos: I32,
) -> int:  # pragma: no cover
    """Single-source Dijkstra storing distances in float32, rounded down.

    Every relaxation rounds ``out[u] + w`` toward minus infinity, so the
    result ``D`` is a feasible potential, ``D[v] <= D[u] + w(u, v)`` for every
    arc exactly (in float64 arithmetic on the float32 values), and a lower
    bound of the true distance. Both properties are what ALT needs
    (Goldberg & Harrelson 2005). Unreachable nodes get ``inf``.

    ``reverse`` selects the graph: forward (``adj`` ignored, arc ``k`` of the
    CSR is arc id ``k``) or reverse (arc id ``adj[k]``); ``far_end[a]`` is
    the node the arc leads to in that direction.
    """
    n = out.shape[0]
    for i in range(n):
        out[i] = np.float32(INF)
        pos[i] = -2  # -2: never seen, -1: settled, >= 0: in heap
    out[source] = np.float32(0.0)
    size = 0
    _sift_up(hk, hn, pos, 0, 0.0, source)
    size = 1
    while size > 0:
        u, du, size = _pop(hk, hn, pos, size)
        for k in range(indptr[u], indptr[u + 1]):
            a = adj[k] if reverse else k
            wa = _arc_weight(w, factor, fmode, a)
            if wa == INF:
                continue
            v = far_end[a]
            if pos[v] == -1:
                continue
            nd = du + wa
            c = np.float32(nd)
            if np.float64(c) > nd:
                c = np.nextafter(c, np.float32(-INF))
            cd = np.float64(c)
            if pos[v] == -2:
                out[v] = c
                _sift_up(hk, hn, pos, size, cd, v)
                size += 1
            elif cd < np.float64(out[v]):
                out[v] = c
                _sift_up(hk, hn, pos, pos[v], cd, v)
    return 0


# ------------------------------------------------------------ potentials
@njit(inline="always")
def _potential(
    v: int, lm: F32, n_lm: int, act: I64, f_s: F64, f_t: F64, t_s: F64, t_t: F64
) -> float:  # pragma: no cover - compiled
    """Average ALT potential p_f(v) = (pi_t(v) - pi_s(v)) / 2 over active landmarks.

    ``lm[v, j]`` is the (float32, rounded-down) distance from landmark ``j`` to
    ``v`` and ``lm[v, n_lm + j]`` the distance from ``v`` to landmark ``j``.
    """
    pt = 0.0
    ps = 0.0
    for q in range(act.shape[0]):
        j = act[q]
        fv = np.float64(lm[v, j])
        tv = np.float64(lm[v, n_lm + j])
        x = f_t[q] - fv
        if x > pt:
            pt = x
        x = tv - t_t[q]
        if x > pt:
            pt = x
        x = fv - f_s[q]
        if x > ps:
            ps = x
        x = t_s[q] - tv
        if x > ps:
            ps = x
    return 0.5 * (pt - ps)


# Per-node state, array-of-structs so that one query touches few cache lines:
# ints[v] = (stamp_f, stamp_b, pred_f, pred_b), floats[v] = (dist_f, dist_b, pot).
# A stamp equal to `cur` means "reached in this query", `-cur` "settled".
SF, SB, RF, RB = 0, 1, 2, 3
DF, DB, POT = 0, 1, 2


@njit(inline="always")
def _lpush(hk: F64, hn: I32, size: int, key: float, node: int) -> int:  # pragma: no cover - compiled
    """Push onto a binary min-heap without decrease-key (stale entries are skipped on pop)."""
    i = size
    while i > 0:
        parent = (i - 1) >> 1
        pk = hk[parent]
        if pk <= key:
            break
        hk[i] = pk
        hn[i] = hn[parent]
        i = parent
    hk[i] = key
    hn[i] = node
    return size + 1


@njit(inline="always")
def _lpop(hk: F64, hn: I32, size: int) -> tuple[int, int]:  # pragma: no cover - compiled
    node = hn[0]
    size -= 1
    if size > 0:
        key = hk[size]
        last = hn[size]
        i = 0
        while True:
            child = 2 * i + 1
            if child >= size:
                break
            ck = hk[child]
            right = child + 1
            if right < size and hk[right] < ck:
                child = right
                ck = hk[right]
            if ck >= key:
                break
            hk[i] = ck
            hn[i] = hn[child]
            i = child
        hk[i] = key
        hn[i] = last
    return node, size


# ----------------------------------------------------------------- query
@njit(cache=True, nogil=True)
def bidir_query(
    indptr: I64,
    head: I32,
    rptr: Index,
    rarc: I32,
    tail: I32,
    w: F64,
    factor: F64,
    fmode: int,
    s: int,
    t: int,
    lm: F32,
    act: I64,
    ints: I32,
    floats: F64,
    hk_f: F64,
    hn_f: I32,
    hk_b: F64,
    hn_b: I32,
    cur: int,
) -> tuple[float, int, int]:  # pragma: no cover - compiled
    """Bidirectional A* search with ALT potentials (or plain bidirectional Dijkstra).

    Formulation (Goldberg & Harrelson 2005; Ikeda et al. 1994): with lower
    bounds ``pi_t(v) <= d(v, t)`` and ``pi_s(v) <= d(s, v)`` from landmark
    distances, the forward search uses the potential ``p(v) = (pi_t(v) -
    pi_s(v)) / 2`` and the backward search ``-p(v)``. Both reduced costs
    ``w(u, v) - p(u) + p(v)`` are non-negative when the bounds are feasible
    potentials, so this is bidirectional Dijkstra on the reduced graph, and
    the search stops when ``top_f + top_b >= mu`` (``mu``: best s-t path
    seen), which proves ``mu`` optimal. With no active landmark (``act``
    empty) ``p = 0``: plain bidirectional Dijkstra.

    Work arrays are reused across queries: the entries of node ``v`` are
    valid only when its stamp is ``cur`` (reached) or ``-cur`` (settled), so
    a query touches only the nodes it reaches. The heaps keep stale entries
    (no decrease-key) and may be smaller than needed: when one is full the
    search stops and returns ``meet == -2`` (the caller grows the heaps and
    repeats).

    Returns
    -------
    (mu, meet, settled)
        Shortest distance (``inf`` if none), a node on the path (-1 if none,
        -2 on heap overflow), nodes settled.
    """
    if s == t:
        ints[s, SF] = cur
        ints[s, SB] = cur
        ints[s, RF] = -1
        ints[s, RB] = -1
        floats[s, DF] = 0.0
        floats[s, DB] = 0.0
        return 0.0, s, 0
    n_lm = lm.shape[1] // 2
    n_act = act.shape[0]
    f_s = np.empty(n_act)
    f_t = np.empty(n_act)
    t_s = np.empty(n_act)
    t_t = np.empty(n_act)
    for q in range(n_act):
        j = act[q]
        f_s[q] = lm[s, j]
        f_t[q] = lm[t, j]
        t_s[q] = lm[s, n_lm + j]
        t_t[q] = lm[t, n_lm + j]
    cap_f = hk_f.shape[0]
    cap_b = hk_b.shape[0]

    ints[s, SF] = cur
    ints[s, RF] = -1
    floats[s, DF] = 0.0
    p = _potential(s, lm, n_lm, act, f_s, f_t, t_s, t_t)
    floats[s, POT] = p
    size_f = _lpush(hk_f, hn_f, 0, p, s)

    ints[t, SB] = cur
    ints[t, RB] = -1
    floats[t, DB] = 0.0
    p = _potential(t, lm, n_lm, act, f_s, f_t, t_s, t_t)
    floats[t, POT] = p
    size_b = _lpush(hk_b, hn_b, 0, -p, t)

    mu = INF
    meet = -1
    settled = 0
    overflow = False
    neg = -cur
    while not overflow:
        # Drop stale entries (nodes already settled) from the tops.
        while size_f > 0 and ints[hn_f[0], SF] == neg:
            _, size_f = _lpop(hk_f, hn_f, size_f)
        while size_b > 0 and ints[hn_b[0], SB] == neg:
            _, size_b = _lpop(hk_b, hn_b, size_b)
        if size_f == 0 or size_b == 0:
            break
        if hk_f[0] + hk_b[0] >= mu:
            break
        if size_f <= size_b:
            u, size_f = _lpop(hk_f, hn_f, size_f)
            ints[u, SF] = neg
            settled += 1
            du = floats[u, DF]
            for k in range(indptr[u], indptr[u + 1]):
                wa = _arc_weight(w, factor, fmode, k)
                if wa == INF:
                    continue
                v = head[k]
                sv = ints[v, SF]
                if sv == neg:
                    continue
                nd = du + wa
                if sv != cur:
                    sb = ints[v, SB]
                    if sb != cur and sb != neg:
                        floats[v, POT] = _potential(v, lm, n_lm, act, f_s, f_t, t_s, t_t)
                    ints[v, SF] = cur
                elif nd >= floats[v, DF]:
                    continue
                if size_f == cap_f:
                    overflow = True
                    break
                floats[v, DF] = nd
                ints[v, RF] = k
                size_f = _lpush(hk_f, hn_f, size_f, nd + floats[v, POT], v)
                sb = ints[v, SB]
                if sb == cur or sb == neg:
                    total = nd + floats[v, DB]
                    if total < mu:
                        mu = total
                        meet = v
        else:
            u, size_b = _lpop(hk_b, hn_b, size_b)
            ints[u, SB] = neg
            settled += 1
            du = floats[u, DB]
            for k in range(rptr[u], rptr[u + 1]):
                a = rarc[k]
                wa = _arc_weight(w, factor, fmode, a)
                if wa == INF:
                    continue
                v = tail[a]
                sv = ints[v, SB]
                if sv == neg:
                    continue
                nd = du + wa
                if sv != cur:
                    sf = ints[v, SF]
                    if sf != cur and sf != neg:
                        floats[v, POT] = _potential(v, lm, n_lm, act, f_s, f_t, t_s, t_t)
                    ints[v, SB] = cur
                elif nd >= floats[v, DB]:
                    continue
                if size_b == cap_b:
                    overflow = True
                    break
                floats[v, DB] = nd
                ints[v, RB] = a
                size_b = _lpush(hk_b, hn_b, size_b, nd - floats[v, POT], v)
                sf = ints[v, SF]
                if sf == cur or sf == neg:
                    total = floats[v, DF] + nd
                    if total < mu:
                        mu = total
                        meet = v
    if overflow:
        return INF, -2, settled
    return mu, meet, settled


@njit(cache=True, nogil=True)
def path_arcs(meet: int, ints: I32, tail: I32, head: I32) -> I64:  # pragma: no cover - compiled
    """Arc ids of the path through ``meet`` found by :func:`bidir_query`, source to target."""
    count_f = 0
    v = meet
    while ints[v, RF] >= 0:
        count_f += 1
        v = tail[ints[v, RF]]
    count_b = 0
    v = meet
    while ints[v, RB] >= 0:
        count_b += 1
        v = head[ints[v, RB]]
    out = np.empty(count_f + count_b, dtype=np.int64)
    v = meet
    i = count_f - 1
    while ints[v, RF] >= 0:
        out[i] = ints[v, RF]
        v = tail[ints[v, RF]]
        i -= 1
    v = meet
    i = count_f
    while ints[v, RB] >= 0:
        out[i] = ints[v, RB]
        v = head[ints[v, RB]]
        i += 1
    return out


@njit(cache=True, nogil=True)
def sequential_cost(arcs: I64, w: F64, factor: F64, fmode: int) -> float:  # pragma: no cover - compiled
    """Sum of arc weights along a path, added in path order (as Dijkstra does)."""
    total = 0.0
    for i in range(arcs.shape[0]):
        total += _arc_weight(w, factor, fmode, arcs[i])
    return total


# ---------------------------------------------------------- arc grid index
@njit(cache=True)
def grid_index(
    x: F64, y: F64, tail: I32, head: I32, x0: float, y0: float, cell: float, nx: int, ny: int
) -> tuple[I64, I32]:  # pragma: no cover - compiled
    """Bucket arcs into the grid cells their bounding boxes overlap (CSR of cells)."""
    m = tail.shape[0]
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    for a in range(m):
        u = tail[a]
        v = head[a]
        i0 = int((min(x[u], x[v]) - x0) / cell)
        i1 = int((max(x[u], x[v]) - x0) / cell)
        j0 = int((min(y[u], y[v]) - y0) / cell)
        j1 = int((max(y[u], y[v]) - y0) / cell)
        for j in range(max(j0, 0), min(j1, ny - 1) + 1):
            for i in range(max(i0, 0), min(i1, nx - 1) + 1):
                counts[j * nx + i + 1] += 1
    for c in range(nx * ny):
        counts[c + 1] += counts[c]
    fill = counts[:-1].copy()
    items = np.empty(counts[nx * ny], dtype=np.int32)
    for a in range(m):
        u = tail[a]
        v = head[a]
        i0 = int((min(x[u], x[v]) - x0) / cell)
        i1 = int((max(x[u], x[v]) - x0) / cell)
        j0 = int((min(y[u], y[v]) - y0) / cell)
        j1 = int((max(y[u], y[v]) - y0) / cell)
        for j in range(max(j0, 0), min(j1, ny - 1) + 1):
            for i in range(max(i0, 0), min(i1, nx - 1) + 1):
                c = j * nx + i
                items[fill[c]] = a
                fill[c] += 1
    return counts, items


@njit(inline="always")
def _seg_point_dist2(
    ax: float, ay: float, bx: float, by: float, px: float, py: float
) -> float:  # pragma: no cover - compiled
    dx = bx - ax
    dy = by - ay
    den = dx * dx + dy * dy
    if den > 0.0:
        tt = ((px - ax) * dx + (py - ay) * dy) / den
        if tt < 0.0:
            tt = 0.0
        elif tt > 1.0:
            tt = 1.0
    else:
        tt = 0.0
    qx = ax + tt * dx - px
    qy = ay + tt * dy - py
    return qx * qx + qy * qy


@njit(inline="always")
def _orient(
    ax: float, ay: float, bx: float, by: float, cx: float, cy: float
) -> int:  # pragma: no cover - compiled
    v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    if v > 0.0:
        return 1
    if v < 0.0:
        return -1
    return 0


@njit(inline="always")
def _segments_cross(
    ax: float, ay: float, bx: float, by: float, cx: float, cy: float, dx: float, dy: float
) -> bool:  # pragma: no cover - compiled
    o1 = _orient(ax, ay, bx, by, cx, cy)
    o2 = _orient(ax, ay, bx, by, dx, dy)
    o3 = _orient(cx, cy, dx, dy, ax, ay)
    o4 = _orient(cx, cy, dx, dy, bx, by)
    return o1 * o2 < 0 and o3 * o4 < 0


@njit(inline="always")
def _seg_seg_dist2(
    ax: float, ay: float, bx: float, by: float, cx: float, cy: float, dx: float, dy: float
) -> float:  # pragma: no cover - compiled
    if _segments_cross(ax, ay, bx, by, cx, cy, dx, dy):
        return 0.0
    d = _seg_point_dist2(ax, ay, bx, by, cx, cy)
    d = min(d, _seg_point_dist2(ax, ay, bx, by, dx, dy))
    d = min(d, _seg_point_dist2(cx, cy, dx, dy, ax, ay))
    d = min(d, _seg_point_dist2(cx, cy, dx, dy, bx, by))
    return d


@njit(inline="always")
def _inside(px: float, py: float, ring_ptr: I64, rx: F64, ry: F64) -> bool:  # pragma: no cover - compiled
    """Even-odd rule over all rings (holes and several polygons alike)."""
    inside = False
    for r in range(ring_ptr.shape[0] - 1):
        start = ring_ptr[r]
        end = ring_ptr[r + 1]
        j = end - 1
        for i in range(start, end):
            xi = rx[i]
            yi = ry[i]
            xj = rx[j]
            yj = ry[j]
            if (yi > py) != (yj > py):
                xc = xi + (py - yi) * (xj - xi) / (yj - yi)
                if px < xc:
                    inside = not inside
            j = i
    return inside


@njit(cache=True, nogil=True)
def arcs_hit(
    x: F64,
    y: F64,
    tail: I32,
    head: I32,
    counts: I64,
    items: I32,
    x0: float,
    y0: float,
    cell: float,
    nx: int,
    ny: int,
    bbox: F64,
    sx0: F64,
    sy0: F64,
    sx1: F64,
    sy1: F64,
    ring_ptr: I64,
    rx: F64,
    ry: F64,
    radius: float,
) -> I64:  # pragma: no cover - compiled
    """Arcs (straight segments) within ``radius`` metres of a footprint.

    The footprint is a set of segments ``(sx0, sy0)-(sx1, sy1)`` (points are
    zero-length segments) plus, for areas, polygon rings ``ring_ptr/rx/ry``
    (an arc with an end inside an area is hit). Candidates come from the grid
    cells overlapping ``bbox`` (already grown by ``radius``). Returns sorted,
    unique arc ids.
    """
    i0 = max(int((bbox[0] - x0) / cell), 0)
    i1 = min(int((bbox[2] - x0) / cell), nx - 1)
    j0 = max(int((bbox[1] - y0) / cell), 0)
    j1 = min(int((bbox[3] - y0) / cell), ny - 1)
    total = 0
    for j in range(j0, j1 + 1):
        for i in range(i0, i1 + 1):
            c = j * nx + i
            total += counts[c + 1] - counts[c]
    cand = np.empty(max(total, 0), dtype=np.int64)
    k = 0
    for j in range(j0, j1 + 1):
        for i in range(i0, i1 + 1):
            c = j * nx + i
            for q in range(counts[c], counts[c + 1]):
                cand[k] = items[q]
                k += 1
    cand = np.unique(cand[:k])
    r2 = radius * radius
    has_rings = ring_ptr.shape[0] > 1
    out = np.empty(cand.shape[0], dtype=np.int64)
    n_out = 0
    for q in range(cand.shape[0]):
        a = cand[q]
        u = tail[a]
        v = head[a]
        ax = x[u]
        ay = y[u]
        bx = x[v]
        by = y[v]
        if max(ax, bx) < bbox[0] or min(ax, bx) > bbox[2] or max(ay, by) < bbox[1] or min(ay, by) > bbox[3]:
            continue
        hit = False
        if has_rings and (_inside(ax, ay, ring_ptr, rx, ry) or _inside(bx, by, ring_ptr, rx, ry)):
            hit = True
        else:
            for g in range(sx0.shape[0]):
                if _seg_seg_dist2(ax, ay, bx, by, sx0[g], sy0[g], sx1[g], sy1[g]) <= r2:
                    hit = True
                    break
        if hit:
            out[n_out] = a
            n_out += 1
    return out[:n_out]
