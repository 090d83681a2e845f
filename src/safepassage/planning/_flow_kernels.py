"""Compiled kernels for the evacuation model (numba): shortest times, Dinic's
maximum flow on the implicit pruned time-expanded network (with relabelling past
the blocking flow), its minimum cut, warm start from a plan, flow
decomposition, and CCRP.

Private module; the public interface is `safepassage.planning.evacuation`.
All times are whole minutes and all quantities whole persons (int64).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import leading_zeros
from numpy.typing import NDArray

INF = np.int64(1) << np.int64(60)

I32 = NDArray[np.int32]
I64 = NDArray[np.int64]
Int = NDArray[np.signedinteger[Any]]  # flows and capacities: 16, 32 or 64 bits by instance size
#: Static description of the implicit time-expanded network (see the layout
#: comment above ``H_SOURCE``): n, W, lo, hi, fptr, farc, rptr, rarc, tail, head,
#: tau, cap, exit_cap, exits, star_of, star_node, supply.
TEStatic = tuple[int, int, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64, I64]
#: Flow arrays of the implicit network: fl, hold, rel, xfl, sflow.
TEFlow = tuple[Int, Int, Int, Int, I64]
#: A plan as flat arrays: group origin, count, depart, arrive, exit, ptr; path arcs
#: and the minute each is entered.
Plan = tuple[I64, I64, I64, I64, I64, I64, I64, I64]


@njit(cache=True)
def dial_times(
    n: int, indptr: I64, adj_arc: I64, far_end: I64, tau: I64, sources: I64, limit: int
) -> I64:  # pragma: no cover - compiled
    """Multi-source shortest times (Dial's buckets), integer arc times >= 1.

    `indptr`/`adj_arc` is a CSR of arc ids per node; `far_end[e]` the node an arc
    leads to in this direction. Times above `limit` are reported as INF.
    """
    dist = np.full(n, INF, dtype=np.int64)
    m = adj_arc.shape[0]
    cap_entries = m + sources.shape[0] + 1
    bucket_head = np.full(limit + 1, -1, dtype=np.int64)
    entry_node = np.empty(cap_entries, dtype=np.int64)
    entry_next = np.empty(cap_entries, dtype=np.int64)
    used = 0
    for i in range(sources.shape[0]):
        s = sources[i]
        if dist[s] != 0:
            dist[s] = 0
            entry_node[used] = s
            entry_next[used] = bucket_head[0]
            bucket_head[0] = used
            used += 1
    for b in range(limit + 1):
        while bucket_head[b] >= 0:
            k = bucket_head[b]
            bucket_head[b] = entry_next[k]
            v = entry_node[k]
            if dist[v] != b:
                continue
            for p in range(indptr[v], indptr[v + 1]):
                e = adj_arc[p]
                w = far_end[e]
                nd = b + tau[e]
                if nd <= limit and nd < dist[w]:
                    dist[w] = nd
                    if used >= cap_entries:
                        # Grow the entry pool (rare: only with many improvements).
                        new_cap = cap_entries * 2
                        en = np.empty(new_cap, dtype=np.int64)
                        ex = np.empty(new_cap, dtype=np.int64)
                        en[:used] = entry_node[:used]
                        ex[:used] = entry_next[:used]
                        entry_node = en
                        entry_next = ex
                        cap_entries = new_cap
                    entry_node[used] = w
                    entry_next[used] = bucket_head[nd]
                    bucket_head[nd] = used
                    used += 1
    return dist


@njit(cache=True)
def _grow(a: NDArray[Any], size: int) -> NDArray[Any]:  # pragma: no cover
    b = np.empty(max(size, 2 * a.shape[0]), dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def _latest_free(room: NDArray[np.uint64], e: int, nw: int, t: int) -> int | np.int64:  # pragma: no cover
    """Latest minute <= t at which arc e has room left, or -1.

    `room` holds one bit per arc-minute (set: room left), `nw` 64-bit words per
    arc, arc-major. The search only needs to know whether a minute has room,
    not how much: the bits are 1/16 the size of 16-bit capacities, so they stay
    in cache, and the arcs into a node (numbered consecutively) share a cache
    line.
    """
    if t < 0:
        return -1
    w = t >> 6
    base = e * nw
    x = room[base + w] & (np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(63 - (t & 63)))
    while x == 0:
        w -= 1
        if w < 0:
            return -1
        x = room[base + w]
    # numba intrinsic: its Python signature is the compiler's (typing context, value)
    return w * 64 + 63 - np.int64(leading_zeros(x))  # type: ignore[call-arg]


@njit(cache=True)
def ccrp(
    n: int,
    rindptr: I64,
    tail: I32,
    head: I32,
    tau: I32,
    cap: I64,
    supply: I64,
    exit_cap: I64,
    ea0: I64,
    horizon: int,
    stats: I64,
    avail: Int,
    cap_max: int,
) -> Plan:  # pragma: no cover
    """Capacity Constrained Route Planner (Lu, George & Shekhar 2005), exit-slot driven.

    CCRP repeatedly reserves the route that reaches an exit earliest given the
    capacity already reserved. Equivalently, minutes are taken in increasing
    order and, for each minute, a backward search from every exit with
    absorption capacity left at that minute (latest departure labels, Dial
    buckets, waiting allowed) finds the origin with people left that can still
    make it and leaves latest; the group is as large as the route's least
    remaining capacity. A minute nobody can reach stays unreachable (capacity
    only decreases). The search serves groups until it runs out of routes.

    Arcs are numbered in the order of the reverse CSR: the arcs into node v are
    rindptr[v] .. rindptr[v + 1] - 1 (no indirection in the hot loop).

    Within one search (a round) labels go stale as routes are reserved, so each
    route is checked before use. Nodes known to be stale are marked dead for
    the round (`dead[v] == stamp`): the node whose arc-minute filled up, an
    exit that filled up, and every node of a refused route from the origin to
    the point where it failed; a later check that reaches a dead node stops
    there. (Dead nodes are still expanded: pruning them changes the plan, and
    the warm start of the exact solver then needs more phases.)
    """
    m = tail.shape[0]
    t: int | np.int64  # a minute; also the result of _latest_free
    width = horizon + 1  # minutes 0..horizon
    # avail[t * m + e]: people who can still enter arc e at minute t; a work array
    # of m * width given by the caller, 16 bits when the capacities fit, else 32
    # bits; capacities above cap_max (more than everybody) are capped
    for t in range(width):
        row = t * m
        for e in range(m):
            avail[row + e] = min(cap[e], cap_max)
    # room: the arc-minutes with capacity left, one bit each (see _latest_free);
    # the searches read only these bits, avail is read when a route is checked
    nw = (horizon >> 6) + 1
    room = np.zeros(m * nw, dtype=np.uint64)
    for e in range(m):
        if cap[e] > 0:
            for w in range(nw - 1):
                room[e * nw + w] = np.uint64(0xFFFFFFFFFFFFFFFF)
            # minutes 0 .. horizon only
            room[e * nw + nw - 1] = np.uint64(0xFFFFFFFFFFFFFFFF) >> np.uint64(63 - (horizon & 63))
    remaining = supply.copy()
    ea = ea0
    # label[u] >= floor_ea[u] once u is reached in the current search; an
    # unreached node holds floor_ea[u] - 1, so one comparison `latest <= label[u]`
    # rejects both a minute before anybody can be at u (earliest arrival) and
    # a label no better than the current one
    floor_ea = np.empty(n, dtype=np.int32)
    for v in range(n):
        floor_ea[v] = min(ea[v], horizon + 1)
    label = (floor_ea - 1).astype(np.int32)
    succ = np.full(n, -1, dtype=np.int32)
    touched = np.empty(n, dtype=np.int32)
    bucket_head = np.full(horizon + 1, -1, dtype=np.int32)
    entry_node = np.empty(m + n + 1, dtype=np.int32)  # grown when full (see _grow)
    entry_next = np.empty(m + n + 1, dtype=np.int32)
    g_origin = np.empty(64, dtype=np.int64)
    g_count = np.empty(64, dtype=np.int64)
    g_depart = np.empty(64, dtype=np.int64)
    g_arrive = np.empty(64, dtype=np.int64)
    g_exit = np.empty(64, dtype=np.int64)
    g_ptr = np.zeros(65, dtype=np.int64)
    p_arc = np.empty(256, dtype=np.int64)
    p_enter = np.empty(256, dtype=np.int64)
    n_groups = 0
    n_flat = 0
    exits = np.flatnonzero(exit_cap > 0)
    left_total = np.int64(0)
    for v in range(n):
        left_total += remaining[v]
    slot_left = np.zeros(n, dtype=np.int64)
    dead = np.zeros(n, dtype=np.int32)  # dead[v] == stamp: v's label is stale in this round
    stamp = 0
    for a in range(horizon + 1):
        if left_total == 0:
            break
        open_exits = 0
        for xi in range(exits.shape[0]):
            x = exits[xi]
            slot_left[x] = exit_cap[x] if ea[x] <= a else 0
            if slot_left[x] > 0:
                open_exits += 1
        while open_exits > 0 and left_total > 0:
            # one backward search from every exit with room at minute a; it keeps
            # serving groups until it runs out, then a fresh one starts
            n_touched = 0
            used = 0
            for xi in range(exits.shape[0]):
                x = exits[xi]
                if slot_left[x] > 0:
                    label[x] = a
                    succ[x] = -1
                    touched[n_touched] = x
                    n_touched += 1
                    entry_node[used] = x
                    entry_next[used] = bucket_head[a]
                    bucket_head[a] = used
                    used += 1
            b = a
            routed = 0
            exhausted = False
            leftover = False  # an origin found in this search still has people
            stats[0] += 1
            stamp += 1  # forgets the dead marks of the previous round
            popped = 0
            while open_exits > 0 and left_total > 0:
                found = -1
                while b >= 0 and found < 0:
                    while bucket_head[b] >= 0:
                        k = bucket_head[b]
                        bucket_head[b] = entry_next[k]
                        v = entry_node[k]
                        lv = label[v]
                        if lv != b:
                            continue
                        popped += 1
                        if remaining[v] > 0:
                            found = v
                            break
                        for e in range(rindptr[v], rindptr[v + 1]):
                            u = tail[e]
                            lu = label[u]
                            latest = lv - tau[e]
                            if latest <= lu:
                                continue
                            t = _latest_free(room, e, nw, latest)
                            if t <= lu:
                                continue
                            if lu < floor_ea[u]:
                                touched[n_touched] = u
                                n_touched += 1
                            label[u] = t
                            succ[u] = e
                            if used >= entry_node.shape[0]:
                                entry_node = _grow(entry_node, used + 1)
                                entry_next = _grow(entry_next, used + 1)
                            entry_node[used] = u
                            entry_next[used] = bucket_head[t]
                            bucket_head[t] = used
                            used += 1
                    if found < 0:
                        b -= 1
                if found < 0:
                    exhausted = True
                    break
                # the route: from the origin along succ to the exit it leads to;
                # check it still has room everywhere, and its size
                cnt = remaining[found]
                v = found
                nr = 0
                fail = False
                while succ[v] >= 0:
                    if v != found and dead[v] == stamp:
                        fail = True
                        break
                    e = succ[v]
                    r = avail[label[v] * m + e]
                    if r <= 0:
                        fail = True
                        break
                    if r < cnt:
                        cnt = r
                    nr += 1
                    v = head[e]
                if not fail and (dead[v] == stamp or slot_left[v] <= 0):
                    fail = True
                if fail:
                    # route through a slot filled meanwhile: the nodes from the
                    # origin's successor to the failure are stale too (so later
                    # checks through them stop early); try the next origin
                    w = found
                    while w != v:
                        w = head[succ[w]]
                        dead[w] = stamp
                    leftover = True
                    continue
                x = v
                if slot_left[x] < cnt:
                    cnt = slot_left[x]
                if n_groups + 1 >= g_origin.shape[0]:
                    g_origin = _grow(g_origin, n_groups + 2)
                    g_count = _grow(g_count, n_groups + 2)
                    g_depart = _grow(g_depart, n_groups + 2)
                    g_arrive = _grow(g_arrive, n_groups + 2)
                    g_exit = _grow(g_exit, n_groups + 2)
                    g_ptr = _grow(g_ptr, n_groups + 3)
                if n_flat + nr >= p_arc.shape[0]:
                    p_arc = _grow(p_arc, n_flat + nr + 1)
                    p_enter = _grow(p_enter, n_flat + nr + 1)
                v = found
                k = 0
                while v != x:
                    e = succ[v]
                    t = label[v]
                    idx = t * m + e
                    avail[idx] -= cnt
                    if avail[idx] == 0:
                        room[e * nw + (t >> 6)] &= ~(np.uint64(1) << np.uint64(t & 63))
                        dead[v] = stamp  # v's label relied on this slot
                    p_arc[n_flat + k] = e
                    p_enter[n_flat + k] = t
                    k += 1
                    v = head[e]
                g_origin[n_groups] = found
                g_count[n_groups] = cnt
                g_depart[n_groups] = label[found] if nr > 0 else a
                g_arrive[n_groups] = a
                g_exit[n_groups] = x
                n_flat += nr
                n_groups += 1
                g_ptr[n_groups] = n_flat
                remaining[found] -= cnt
                left_total -= cnt
                slot_left[x] -= cnt
                if slot_left[x] == 0:
                    open_exits -= 1
                    dead[x] = stamp  # every label under this exit relied on its slot
                if remaining[found] > 0:
                    leftover = True
                else:
                    # the origin is empty now: search on through it in this round
                    # (while it had people it was a leaf: nodes behind it were not reached)
                    if used >= entry_node.shape[0]:
                        entry_node = _grow(entry_node, used + 1)
                        entry_next = _grow(entry_next, used + 1)
                    entry_node[used] = found
                    entry_next[used] = bucket_head[b]
                    bucket_head[b] = used
                    used += 1
                routed += 1
            stats[2] += popped
            # clear the buckets and labels
            for bb in range(a + 1):
                bucket_head[bb] = -1
            for i in range(n_touched):
                label[touched[i]] = floor_ea[touched[i]] - 1
            if exhausted and (routed == 0 or not leftover):
                # labels only overestimate what is still possible, so an exhausted
                # search that left nobody behind proves the minute is done
                stats[1] += 1
                stats[3] += n_touched
                break
    return (
        g_origin[:n_groups].copy(),
        g_count[:n_groups].copy(),
        g_depart[:n_groups].copy(),
        g_arrive[:n_groups].copy(),
        g_exit[:n_groups].copy(),
        g_ptr[: n_groups + 1].copy(),
        p_arc[:n_flat].copy(),
        p_enter[:n_flat].copy(),
    )


# ----------------------------------------------------------------------------- implicit time-expanded network
# Node-minute (v, t) is the integer v * W + t (W = horizon + 1); it exists iff
# lo[v] <= t <= hi[v] (lo = earliest arrival, hi = horizon - time to exit). Star
# node k (origin star_node[k], from which people may leave at any minute) is
# N0 + k with N0 = n * W, then the source S = N0 + n_star and the sink Z = S + 1.
# Arcs are generated from the static forward / reverse CSR; the flow lives in
# dense arrays: fl[e * W + t] (arc e entered at minute t), hold[v * W + t]
# (waiting at v from t to t + 1), rel[v * W + t] (leaving origin v at t),
# xfl[v * W + t] (absorbed at exit v at t) and sflow[k] (source to star k).
# A residual arc on a search stack is a handle idx * 8 + kind:
H_SOURCE = 0  # S -> star k: supply - sflow[k]
H_RELEASE = 1  # star -> (v, t): unlimited
H_UNRELEASE = 2  # (v, t) -> star: rel[idx]
H_EXIT = 3  # (v, t) -> Z: exit_cap - xfl[idx]
H_MOVE = 4  # (u, t) -> (w, t + tau): cap - fl[idx]
H_UNMOVE = 5  # (w, t + tau) -> (u, t): fl[idx]
H_WAIT = 6  # (v, t) -> (v, t + 1): unlimited
H_UNWAIT = 7  # (v, t + 1) -> (v, t): hold[idx]


@njit(cache=True, inline="always")
def _visit(level: I32, queue: I32, qt: int, j: int, lv: int) -> int:  # pragma: no cover
    if level[j] < 0:
        level[j] = lv
        queue[qt] = j
        qt += 1
    return qt


@njit(cache=True)
def te_bfs(
    g: TEStatic, st: TEFlow, level: I32, queue: I32, n_prev: int
) -> tuple[bool, int]:  # pragma: no cover
    """Distances to the sink in the residual implicit network (backward search).

    Stops once the source is labelled (nodes at its distance are not expanded).
    `n_prev` entries of `queue` from the previous search are reset first.
    Returns (source reached, number of nodes queued).
    """
    (
        n,
        W,
        lo,
        hi,
        fptr,
        farc,
        rptr,
        rarc,
        tail,
        head,
        tau,
        cap,
        exit_cap,
        exits,
        star_of,
        star_node,
        supply,
    ) = g
    fl, hold, rel, xfl, sflow = st
    N0 = n * W
    n_star = star_node.shape[0]
    S = N0 + n_star
    Z = S + 1
    for q in range(n_prev):
        level[queue[q]] = -1
    level[S] = -1
    level[Z] = 0
    qt = 0
    for xi in range(exits.shape[0]):
        x = exits[xi]
        for t in range(lo[x], hi[x] + 1):
            i = x * W + t
            if xfl[i] < exit_cap[x]:
                qt = _visit(level, queue, qt, i, 1)
    qh = 0
    d = np.int32(2**31 - 1)
    while qh < qt:
        i = queue[qh]
        qh += 1
        lv = level[i]
        if lv >= d:
            break
        l1 = lv + 1
        if i < N0:
            v = i // W
            t = i - v * W
            if t - 1 >= lo[v]:
                qt = _visit(level, queue, qt, i - 1, l1)
            if t + 1 <= hi[v] and hold[i] > 0:
                qt = _visit(level, queue, qt, i + 1, l1)
            for p in range(rptr[v], rptr[v + 1]):
                e = rarc[p]
                u = tail[e]
                s = t - tau[e]
                if s >= lo[u] and s <= hi[u] and fl[e * W + s] < cap[e]:
                    qt = _visit(level, queue, qt, u * W + s, l1)
            for p in range(fptr[v], fptr[v + 1]):
                e = farc[p]
                w = head[e]
                s = t + tau[e]
                if s >= lo[w] and s <= hi[w] and fl[e * W + t] > 0:
                    qt = _visit(level, queue, qt, w * W + s, l1)
            k = star_of[v]
            if k >= 0:
                qt = _visit(level, queue, qt, N0 + k, l1)
        else:
            k = i - N0
            v = star_node[k]
            if level[S] < 0 and sflow[k] < supply[v]:
                level[S] = l1
                d = l1
            for t in range(lo[v], hi[v] + 1):
                if rel[v * W + t] > 0:
                    qt = _visit(level, queue, qt, v * W + t, l1)
    return level[S] >= 0, qt


@njit(cache=True, inline="always")
def _residual(g: TEStatic, st: TEFlow, h: int) -> np.int64:  # pragma: no cover
    (
        n,
        W,
        lo,
        hi,
        fptr,
        farc,
        rptr,
        rarc,
        tail,
        head,
        tau,
        cap,
        exit_cap,
        exits,
        star_of,
        star_node,
        supply,
    ) = g
    fl, hold, rel, xfl, sflow = st
    kind = h & 7
    idx = h >> 3
    if kind == H_SOURCE:
        return np.int64(supply[star_node[idx]] - sflow[idx])
    if kind == H_RELEASE or kind == H_WAIT:
        return INF
    if kind == H_UNRELEASE:
        return np.int64(rel[idx])
    if kind == H_EXIT:
        return np.int64(exit_cap[idx // W] - xfl[idx])
    if kind == H_MOVE:
        return np.int64(cap[idx // W] - fl[idx])
    if kind == H_UNMOVE:
        return np.int64(fl[idx])
    return np.int64(hold[idx])


@njit(cache=True, inline="always")
def _push(st: TEFlow, h: int, b: int | np.int64) -> None:  # pragma: no cover
    fl, hold, rel, xfl, sflow = st
    kind = h & 7
    idx = h >> 3
    if kind == H_SOURCE:
        sflow[idx] += b
    elif kind == H_RELEASE:
        rel[idx] += b
    elif kind == H_UNRELEASE:
        rel[idx] -= b
    elif kind == H_EXIT:
        xfl[idx] += b
    elif kind == H_MOVE:
        fl[idx] += b
    elif kind == H_UNMOVE:
        fl[idx] -= b
    elif kind == H_WAIT:
        hold[idx] += b
    else:
        hold[idx] -= b


@njit(cache=True)
def te_blocking_flow(
    g: TEStatic, st: TEFlow, level: I32, queue: I32, n_queued: int, it: I32, nst: I64, hst: I64, budget: int
) -> np.int64:  # pragma: no cover
    """Augment from the source along the level graph of `te_bfs` (Dinic's blocking flow).

    With `budget` > 0 the phase goes on past the blocking flow as in the
    shortest augmenting path algorithm with distance labels (Ahuja & Orlin
    1991): a dead end is relabelled (1 + the least label of its residual
    neighbours among the labelled nodes; unlabelled nodes count as absent)
    instead of being dropped, until the relabelling work exceeds `budget` or
    the source has no labelled residual neighbour. Labels stay valid on the
    labelled subgraph, so every path found is an augmenting path; optimality is
    proven by the next search from the sink, as in Dinic's algorithm.
    """
    (
        n,
        W,
        lo,
        hi,
        fptr,
        farc,
        rptr,
        rarc,
        tail,
        head,
        tau,
        cap,
        exit_cap,
        exits,
        star_of,
        star_node,
        supply,
    ) = g
    fl, hold, rel, xfl, sflow = st
    N0 = n * W
    n_star = star_node.shape[0]
    S = N0 + n_star
    Z = S + 1
    for q in range(n_queued):
        it[queue[q]] = 0
    it[S] = 0
    total = np.int64(0)
    sp = 0
    nst[0] = S
    cur = S
    while True:
        if cur == Z:
            b = INF
            for k in range(sp):
                r = _residual(g, st, hst[k])
                if r < b:
                    b = r
            first_sat = -1
            for k in range(sp):
                _push(st, hst[k], b)
                if first_sat < 0 and _residual(g, st, hst[k]) == 0:
                    first_sat = k
            total += b
            sp = first_sat
            cur = nst[sp]
            continue
        want = level[cur] - 1
        j = it[cur]
        h = np.int64(-1)
        nxt = -1
        if cur == S:
            while j < n_star:
                c = N0 + j
                if level[c] == want and sflow[j] < supply[star_node[j]]:
                    h = np.int64(j) * 8 + H_SOURCE
                    nxt = c
                    break
                j += 1
        elif cur > N0 - 1:
            v = star_node[cur - N0]
            span = hi[v] - lo[v] + 1
            while j < span:
                c = v * W + lo[v] + j
                if level[c] == want:
                    h = np.int64(c) * 8 + H_RELEASE
                    nxt = c
                    break
                j += 1
        else:
            v = cur // W
            t = cur - v * W
            f0 = fptr[v]
            dout = fptr[v + 1] - f0
            r0 = rptr[v]
            din = rptr[v + 1] - r0
            while True:
                if j == 0:
                    if want == 0 and exit_cap[v] > 0 and xfl[cur] < exit_cap[v]:
                        h = np.int64(cur) * 8 + H_EXIT
                        nxt = Z
                        break
                elif j <= dout:
                    e = farc[f0 + j - 1]
                    w = head[e]
                    s = t + tau[e]
                    if s >= lo[w] and s <= hi[w]:
                        c = w * W + s
                        if level[c] == want and fl[e * W + t] < cap[e]:
                            h = np.int64(e * W + t) * 8 + H_MOVE
                            nxt = c
                            break
                elif j <= dout + din:
                    e = rarc[r0 + j - 1 - dout]
                    u = tail[e]
                    s = t - tau[e]
                    if s >= lo[u] and s <= hi[u]:
                        c = u * W + s
                        if level[c] == want and fl[e * W + s] > 0:
                            h = np.int64(e * W + s) * 8 + H_UNMOVE
                            nxt = c
                            break
                elif j == dout + din + 1:
                    if t + 1 <= hi[v] and level[cur + 1] == want:
                        h = np.int64(cur) * 8 + H_WAIT
                        nxt = cur + 1
                        break
                elif j == dout + din + 2:
                    if t - 1 >= lo[v] and hold[cur - 1] > 0 and level[cur - 1] == want:
                        h = np.int64(cur - 1) * 8 + H_UNWAIT
                        nxt = cur - 1
                        break
                elif j == dout + din + 3:
                    k = star_of[v]
                    if k >= 0 and rel[cur] > 0 and level[N0 + k] == want:
                        h = np.int64(cur) * 8 + H_UNRELEASE
                        nxt = N0 + k
                        break
                else:
                    break
                j += 1
        it[cur] = j
        if nxt >= 0:
            hst[sp] = h
            sp += 1
            nst[sp] = nxt
            cur = nxt
        else:
            if budget <= 0:
                if cur == S:
                    break
                level[cur] = -1
                sp -= 1
                cur = nst[sp]
                it[cur] += 1
            else:
                lab, w = _relabel(g, st, level, cur)
                budget -= w
                level[cur] = lab
                it[cur] = 0
                if cur == S:
                    if lab < 0:
                        break
                elif lab < 0:
                    sp -= 1
                    cur = nst[sp]
                    it[cur] += 1
                else:
                    sp -= 1
                    cur = nst[sp]
    return total


@njit(cache=True)
def te_cut(g: TEStatic, st: TEFlow, level: I32) -> tuple[np.int64, int]:  # pragma: no cover
    """Capacity of the cut (cannot reach the sink | can reach it) after a complete search.

    Returns (capacity, number of unlimited arcs across the cut: 0 for a valid search).
    """
    (
        n,
        W,
        lo,
        hi,
        fptr,
        farc,
        rptr,
        rarc,
        tail,
        head,
        tau,
        cap,
        exit_cap,
        exits,
        star_of,
        star_node,
        supply,
    ) = g
    N0 = n * W
    total = np.int64(0)
    bad = 0
    for k in range(star_node.shape[0]):
        v = star_node[k]
        if level[N0 + k] >= 0:
            total += supply[v]
        else:
            for t in range(lo[v], hi[v] + 1):
                if level[v * W + t] >= 0:
                    bad += 1
    for v in range(n):
        for t in range(lo[v], hi[v] + 1):
            i = v * W + t
            if level[i] < 0:
                if exit_cap[v] > 0:
                    total += exit_cap[v]
                if t + 1 <= hi[v] and level[i + 1] >= 0:
                    bad += 1
    for e in range(tail.shape[0]):
        if cap[e] <= 0:
            continue
        u = tail[e]
        w = head[e]
        for t in range(lo[u], hi[u] + 1):
            s = t + tau[e]
            if s >= lo[w] and s <= hi[w] and level[u * W + t] < 0 and level[w * W + s] >= 0:
                total += cap[e]
    return total, bad


@njit(cache=True)
def te_size(
    n: int,
    W: int,
    lo: I64,
    hi: I64,
    tail: I64,
    head: I64,
    tau: I64,
    cap: I64,
    exit_cap: I64,
    star_of: I64,
    n_star: int,
) -> tuple[np.int64, np.int64]:  # pragma: no cover
    """Node-minutes and arcs of the pruned time-expanded network (for statistics)."""
    nodes = np.int64(n_star + 2)
    arcs = np.int64(n_star)
    for v in range(n):
        if hi[v] >= lo[v]:
            if star_of[v] >= 0:
                arcs += hi[v] - lo[v] + 1
            nodes += hi[v] - lo[v] + 1
            arcs += hi[v] - lo[v]
            if exit_cap[v] > 0:
                arcs += hi[v] - lo[v] + 1
    for e in range(tail.shape[0]):
        if cap[e] <= 0:
            continue
        u = tail[e]
        w = head[e]
        a = max(lo[u], lo[w] - tau[e])
        b = min(hi[u], hi[w] - tau[e])
        if b >= a:
            arcs += b - a + 1
    return nodes, arcs


@njit(cache=True)
def te_load_plan(
    g: TEStatic,
    st: TEFlow,
    g_origin: I64,
    g_count: I64,
    g_depart: I64,
    g_arrive: I64,
    g_exit: I64,
    g_ptr: I64,
    p_arc: I64,
    p_enter: I64,
) -> None:  # pragma: no cover
    """Add a feasible plan's flow to the implicit network's flow arrays (warm start)."""
    (
        n,
        W,
        lo,
        hi,
        fptr,
        farc,
        rptr,
        rarc,
        tail,
        head,
        tau,
        cap,
        exit_cap,
        exits,
        star_of,
        star_node,
        supply,
    ) = g
    fl, hold, rel, xfl, sflow = st
    for gi in range(g_count.shape[0]):
        o = g_origin[gi]
        c = g_count[gi]
        sflow[star_of[o]] += c
        t = g_depart[gi]
        rel[o * W + t] += c
        node = o
        for q in range(g_ptr[gi], g_ptr[gi + 1]):
            e = p_arc[q]
            te = p_enter[q]
            for tt in range(t, te):
                hold[node * W + tt] += c
            fl[e * W + te] += c
            node = head[e]
            t = te + tau[e]
        for tt in range(t, g_arrive[gi]):
            hold[node * W + tt] += c
        xfl[node * W + g_arrive[gi]] += c


@njit(cache=True)
def te_decompose(g: TEStatic, st: TEFlow) -> Plan:  # pragma: no cover
    """Decompose the (acyclic) flow into groups; consumes the flow arrays.

    Returns group arrays (origin, count, depart, arrive, exit, ptr) and, flat,
    the static arcs of each group and the minute each arc is entered.
    """
    (
        n,
        W,
        lo,
        hi,
        fptr,
        farc,
        rptr,
        rarc,
        tail,
        head,
        tau,
        cap,
        exit_cap,
        exits,
        star_of,
        star_node,
        supply,
    ) = g
    fl, hold, rel, xfl, sflow = st
    g_origin = np.empty(64, dtype=np.int64)
    g_count = np.empty(64, dtype=np.int64)
    g_depart = np.empty(64, dtype=np.int64)
    g_arrive = np.empty(64, dtype=np.int64)
    g_exit = np.empty(64, dtype=np.int64)
    g_ptr = np.zeros(65, dtype=np.int64)
    p_arc = np.empty(256, dtype=np.int64)
    p_enter = np.empty(256, dtype=np.int64)
    steps = np.empty(W * 4 + 8, dtype=np.int64)
    n_groups = 0
    n_flat = 0
    for k in range(star_node.shape[0]):
        o = star_node[k]
        for t0 in range(lo[o], hi[o] + 1):
            while rel[o * W + t0] > 0:
                b = np.int64(rel[o * W + t0])
                ns = 0
                v = o
                t = t0
                n_moves = 0
                while True:
                    i = v * W + t
                    if xfl[i] > 0:
                        if xfl[i] < b:
                            b = np.int64(xfl[i])
                        steps[ns] = np.int64(i) * 8 + H_EXIT
                        ns += 1
                        break
                    found = -1
                    for p in range(fptr[v], fptr[v + 1]):
                        e = farc[p]
                        if t + tau[e] <= hi[head[e]] and fl[e * W + t] > 0:
                            found = e
                            break
                    if found >= 0:
                        f = fl[found * W + t]
                        if f < b:
                            b = np.int64(f)
                        steps[ns] = np.int64(found * W + t) * 8 + H_MOVE
                        ns += 1
                        n_moves += 1
                        v = head[found]
                        t = t + tau[found]
                    elif hold[i] > 0:
                        if hold[i] < b:
                            b = np.int64(hold[i])
                        steps[ns] = np.int64(i) * 8 + H_WAIT
                        ns += 1
                        t += 1
                    else:
                        raise RuntimeError("flow conservation broken in decomposition")
                    if ns + 1 >= steps.shape[0]:
                        steps = _grow(steps, ns + 2)
                rel[o * W + t0] -= b
                sflow[k] -= b
                if n_groups + 1 >= g_origin.shape[0]:
                    g_origin = _grow(g_origin, n_groups + 2)
                    g_count = _grow(g_count, n_groups + 2)
                    g_depart = _grow(g_depart, n_groups + 2)
                    g_arrive = _grow(g_arrive, n_groups + 2)
                    g_exit = _grow(g_exit, n_groups + 2)
                    g_ptr = _grow(g_ptr, n_groups + 3)
                if n_flat + n_moves >= p_arc.shape[0]:
                    p_arc = _grow(p_arc, n_flat + n_moves + 1)
                    p_enter = _grow(p_enter, n_flat + n_moves + 1)
                dep = -1
                for q in range(ns):
                    h = steps[q]
                    kind = h & 7
                    idx = h >> 3
                    if kind == H_EXIT:
                        xfl[idx] -= b
                    elif kind == H_WAIT:
                        hold[idx] -= b
                    else:
                        fl[idx] -= b
                        e = idx // W
                        te = idx - e * W
                        if dep < 0:
                            dep = te
                        p_arc[n_flat] = e
                        p_enter[n_flat] = te
                        n_flat += 1
                last = steps[ns - 1] >> 3
                xv = last // W
                g_origin[n_groups] = o
                g_count[n_groups] = b
                g_exit[n_groups] = xv
                g_arrive[n_groups] = last - xv * W
                g_depart[n_groups] = dep if dep >= 0 else last - xv * W
                n_groups += 1
                g_ptr[n_groups] = n_flat
    return (
        g_origin[:n_groups].copy(),
        g_count[:n_groups].copy(),
        g_depart[:n_groups].copy(),
        g_arrive[:n_groups].copy(),
        g_exit[:n_groups].copy(),
        g_ptr[: n_groups + 1].copy(),
        p_arc[:n_flat].copy(),
        p_enter[:n_flat].copy(),
    )


@njit(cache=True)
def _relabel(g: TEStatic, st: TEFlow, level: I32, cur: int) -> tuple[int | np.int64, int]:  # pragma: no cover
    """1 + the least label over residual arcs out of `cur` to labelled nodes (-1: none); and the work."""
    (
        n,
        W,
        lo,
        hi,
        fptr,
        farc,
        rptr,
        rarc,
        tail,
        head,
        tau,
        cap,
        exit_cap,
        exits,
        star_of,
        star_node,
        supply,
    ) = g
    fl, hold, rel, xfl, sflow = st
    N0 = n * W
    n_star = star_node.shape[0]
    S = N0 + n_star
    best: int | np.int64 = np.int64(2**31 - 1)
    work = 0
    if cur == S:
        for k in range(n_star):
            lv = level[N0 + k]
            if lv >= 0 and lv < best and sflow[k] < supply[star_node[k]]:
                best = lv
        work = n_star
    elif cur >= N0:
        v = star_node[cur - N0]
        for t in range(lo[v], hi[v] + 1):
            lv = level[v * W + t]
            if lv >= 0 and lv < best:
                best = lv
        work = hi[v] - lo[v] + 1
    else:
        v = cur // W
        t = cur - v * W
        if exit_cap[v] > 0 and xfl[cur] < exit_cap[v]:
            best = 0
        else:
            for p in range(fptr[v], fptr[v + 1]):
                e = farc[p]
                w = head[e]
                s = t + tau[e]
                if s >= lo[w] and s <= hi[w]:
                    lv = level[w * W + s]
                    if lv >= 0 and lv < best and fl[e * W + t] < cap[e]:
                        best = lv
            for p in range(rptr[v], rptr[v + 1]):
                e = rarc[p]
                u = tail[e]
                s = t - tau[e]
                if s >= lo[u] and s <= hi[u]:
                    lv = level[u * W + s]
                    if lv >= 0 and lv < best and fl[e * W + s] > 0:
                        best = lv
            if t + 1 <= hi[v]:
                lv = level[cur + 1]
                if lv >= 0 and lv < best:
                    best = lv
            if t - 1 >= lo[v] and hold[cur - 1] > 0:
                lv = level[cur - 1]
                if lv >= 0 and lv < best:
                    best = lv
            k = star_of[v]
            if k >= 0 and rel[cur] > 0:
                lv = level[N0 + k]
                if lv >= 0 and lv < best:
                    best = lv
            work = fptr[v + 1] - fptr[v] + rptr[v + 1] - rptr[v] + 3
    if best == 2**31 - 1:
        return -1, work
    return best + 1, work
