"""Compiled kernels for the evacuation model (numba): shortest times, the pruned
time-expanded network, Dinic's maximum flow on it, flow decomposition, warm
start from a plan, and CCRP.

Private module; the public interface is `safepassage.planning.evacuation`.
All times are whole minutes and all quantities whole persons (int64).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.int64(1) << np.int64(60)

# Kinds of arcs in the time-expanded network.
KIND_MOVE = 0
KIND_WAIT = 1
KIND_SOURCE = 2
KIND_SINK = 3
KIND_RELEASE = 4


@njit(cache=True)
def dial_times(n, indptr, adj_arc, far_end, tau, sources, limit):  # pragma: no cover - compiled
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
def build_time_expanded(n, tail, head, tau, cap, supply, exit_cap, ea, de, horizon):  # pragma: no cover
    """Build the pruned time-expanded network (forward arcs; see `residual_graph`).

    Node (v, t) exists iff ea[v] <= t <= horizon - de[v]: it is reachable from an
    origin by minute t and an exit is reachable from it by the horizon; no other
    node lies on a source-sink path, so dropping them keeps the maximum flow.
    Returns the forward arcs: tail, head, capacity, kind, static arc or node
    (aux) and the minute at the tail (tm).
    """
    base = np.zeros(n + 1, dtype=np.int64)
    for v in range(n):
        length = 0
        if ea[v] < INF and de[v] < INF:
            length = horizon - de[v] - ea[v] + 1
            if length < 0:
                length = 0
        base[v + 1] = base[v] + length
    # one "waiting at the origin" node v* per origin: S -> v* (supply), v* -> (v, t)
    # (unlimited) for every t, so that leaving late costs no augmenting-path length
    star = np.full(n, -1, dtype=np.int64)
    n_star = 0
    for v in range(n):
        if base[v + 1] > base[v] and supply[v] > 0 and ea[v] == 0:
            star[v] = base[n] + n_star
            n_star += 1
    n_te = base[n] + n_star + 2
    src = n_te - 2
    snk = n_te - 1
    m = tail.shape[0]
    n_fwd = 0
    for e in range(m):
        u = tail[e]
        w = head[e]
        if ea[u] < INF and de[w] < INF:
            c = horizon - de[w] - tau[e] - ea[u] + 1
            if c > 0 and cap[e] > 0:
                n_fwd += c
    for v in range(n):
        length = base[v + 1] - base[v]
        if length > 1:
            n_fwd += length - 1
        if length > 0 and supply[v] > 0 and ea[v] == 0:
            n_fwd += 1 + length  # S -> v*, v* -> (v, t) for every t
        if length > 0 and exit_cap[v] > 0:
            n_fwd += length
    fr = np.empty(n_fwd, dtype=np.int32)
    to = np.empty(n_fwd, dtype=np.int32)
    cp = np.empty(n_fwd, dtype=np.int64)
    kind = np.empty(n_fwd, dtype=np.int8)
    aux = np.empty(n_fwd, dtype=np.int32)  # static arc (move) or static node (others)
    tm = np.empty(n_fwd, dtype=np.int32)  # minute at the tail
    # where each family of arcs starts, to load a known flow (warm start)
    src_arc = np.full(n, -1, dtype=np.int64)
    rel_base = np.full(n, -1, dtype=np.int64)
    snk_base = np.full(n, -1, dtype=np.int64)
    hold_base = np.full(n, -1, dtype=np.int64)
    mv_base = np.full(m, -1, dtype=np.int64)
    i = 0
    for v in range(n):
        length = base[v + 1] - base[v]
        if star[v] >= 0:
            src_arc[v] = i
            rel_base[v] = i + 1
            fr[i] = src
            to[i] = star[v]
            cp[i] = supply[v]
            kind[i] = KIND_SOURCE
            aux[i] = v
            tm[i] = 0
            i += 1
            for k in range(length):
                fr[i] = star[v]
                to[i] = base[v] + k
                cp[i] = INF
                kind[i] = KIND_RELEASE
                aux[i] = v
                tm[i] = k
                i += 1
    for v in range(n):
        length = base[v + 1] - base[v]
        if length <= 0:
            continue
        t0 = ea[v]
        # exits first: shortest augmenting paths end there
        if exit_cap[v] > 0:
            snk_base[v] = i
            for k in range(length):
                fr[i] = base[v] + k
                to[i] = snk
                cp[i] = exit_cap[v]
                kind[i] = KIND_SINK
                aux[i] = v
                tm[i] = t0 + k
                i += 1
        hold_base[v] = i
        for k in range(length - 1):
            fr[i] = base[v] + k
            to[i] = base[v] + k + 1
            cp[i] = INF
            kind[i] = KIND_WAIT
            aux[i] = v
            tm[i] = t0 + k
            i += 1
    for e in range(m):
        u = tail[e]
        w = head[e]
        if ea[u] < INF and de[w] < INF and cap[e] > 0:
            c = horizon - de[w] - tau[e] - ea[u] + 1
            mv_base[e] = i
            for k in range(c):
                t = ea[u] + k
                fr[i] = base[u] + (t - ea[u])
                to[i] = base[w] + (t + tau[e] - ea[w])
                cp[i] = cap[e]
                kind[i] = KIND_MOVE
                aux[i] = e
                tm[i] = t
                i += 1
    index = (src_arc, rel_base, snk_base, hold_base, mv_base)
    return n_te, src, snk, base, fr, to, cp, kind, aux, tm, index


@njit(cache=True)
def bfs_levels(n_te, src, snk, adj_ptr, adj, rto, rcap, level, queue):  # pragma: no cover
    """Levels from the source in the residual graph; True iff the sink is reached."""
    level[:] = -1
    level[src] = 0
    qh = 0
    qt = 1
    queue[0] = src
    sink_level = np.int64(n_te + 1)
    while qh < qt:
        v = queue[qh]
        qh += 1
        lv = level[v]
        if lv + 1 > sink_level:
            break
        for p in range(adj_ptr[v], adj_ptr[v + 1]):
            a = adj[p]
            if rcap[a] > 0:
                w = rto[a]
                if level[w] < 0:
                    level[w] = lv + 1
                    if w == snk:
                        sink_level = lv + 1
                    else:
                        queue[qt] = w
                        qt += 1
    return level[snk] >= 0


@njit(cache=True)
def blocking_flow(src, snk, adj_ptr, adj, rto, rcap, level, it, stack):  # pragma: no cover
    """Dinic's blocking flow on the level graph (iterative DFS, current arcs)."""
    for v in range(it.shape[0]):
        it[v] = adj_ptr[v]
    total = np.int64(0)
    sp = 0
    v = src
    while True:
        if v == snk:
            b = INF
            for k in range(sp):
                r = rcap[stack[k]]
                if r < b:
                    b = r
            first_sat = -1
            for k in range(sp):
                a = stack[k]
                rcap[a] -= b
                rcap[a ^ 1] += b
                if first_sat < 0 and rcap[a] == 0:
                    first_sat = k
            total += b
            sp = first_sat
            v = rto[stack[sp] ^ 1]
            continue
        advanced = False
        end = adj_ptr[v + 1]
        lv1 = level[v] + 1
        while it[v] < end:
            a = adj[it[v]]
            if rcap[a] > 0:
                w = rto[a]
                if level[w] == lv1:
                    stack[sp] = a
                    sp += 1
                    v = w
                    advanced = True
                    break
            it[v] += 1
        if not advanced:
            if v == src:
                break
            level[v] = -1
            sp -= 1
            v = rto[stack[sp] ^ 1]
            it[v] += 1
    return total


@njit(cache=True)
def cut_capacity(fr, to, cp, reach_level):  # pragma: no cover
    """Capacity of the cut (reached, not reached) over forward arcs."""
    total = np.int64(0)
    for j in range(fr.shape[0]):
        if reach_level[fr[j]] >= 0 and reach_level[to[j]] < 0:
            total += cp[j]
    return total


@njit(cache=True)
def _grow(a, size):  # pragma: no cover
    b = np.empty(max(size, 2 * a.shape[0]), dtype=a.dtype)
    b[: a.shape[0]] = a
    return b


@njit(cache=True)
def decompose(n_te, src, snk, fr, to, flow, kind, aux, tm, head):  # pragma: no cover
    """Decompose an acyclic flow into source-sink paths (groups).

    Returns group arrays (origin, count, depart, arrive, exit, ptr) and, flat,
    the static arcs of each group and the minute each arc is entered.
    """
    n_fwd = fr.shape[0]
    optr = np.zeros(n_te + 1, dtype=np.int64)
    for j in range(n_fwd):
        optr[fr[j] + 1] += 1
    for v in range(n_te):
        optr[v + 1] += optr[v]
    fill = optr[:-1].copy()
    oarc = np.empty(n_fwd, dtype=np.int64)
    for j in range(n_fwd):
        oarc[fill[fr[j]]] = j
        fill[fr[j]] += 1
    cur = optr[:-1].copy()
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
    path = np.empty(n_te + 1, dtype=np.int64)
    while True:
        # first arc out of the source with flow left
        v = src
        depth = 0
        ok = False
        while True:
            found = -1
            while cur[v] < optr[v + 1]:
                j = oarc[cur[v]]
                if flow[j] > 0:
                    found = j
                    break
                cur[v] += 1
            if found < 0:
                break
            path[depth] = found
            depth += 1
            v = to[found]
            if v == snk:
                ok = True
                break
        if not ok:
            break
        b = INF
        for k in range(depth):
            if flow[path[k]] < b:
                b = flow[path[k]]
        n_moves = 0
        for k in range(depth):
            flow[path[k]] -= b
            if kind[path[k]] == KIND_MOVE:
                n_moves += 1
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
        first = path[0]
        last = path[depth - 1]
        g_origin[n_groups] = aux[first]
        g_count[n_groups] = b
        g_exit[n_groups] = aux[last]
        g_arrive[n_groups] = tm[last]
        dep = -1
        for k in range(depth):
            j = path[k]
            if kind[j] == KIND_MOVE:
                if dep < 0:
                    dep = tm[j]
                p_arc[n_flat] = aux[j]
                p_enter[n_flat] = tm[j]
                n_flat += 1
        if dep < 0:
            dep = tm[last]
        g_depart[n_groups] = dep
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
def residual_graph(n_te, a_from, a_to, cp):  # pragma: no cover
    """Residual adjacency (arc 2j: a_from[j] -> a_to[j] with capacity cp[j]; 2j+1 its reverse)."""
    n_fwd = a_from.shape[0]
    deg = np.zeros(n_te + 1, dtype=np.int64)
    for j in range(n_fwd):
        deg[a_from[j] + 1] += 1
        deg[a_to[j] + 1] += 1
    for v in range(n_te):
        deg[v + 1] += deg[v]
    fill = deg[:-1].copy()
    adj = np.empty(2 * n_fwd, dtype=np.int32)
    rto = np.empty(2 * n_fwd, dtype=np.int32)
    rcap = np.empty(2 * n_fwd, dtype=np.int64)
    for j in range(n_fwd):
        a = 2 * j
        adj[fill[a_from[j]]] = a
        fill[a_from[j]] += 1
        adj[fill[a_to[j]]] = a + 1
        fill[a_to[j]] += 1
        rto[a] = a_to[j]
        rto[a + 1] = a_from[j]
        rcap[a] = cp[j]
        rcap[a + 1] = 0
    return deg, adj, rto, rcap


@njit(cache=True)
def _find_prev(pf, base, t):  # pragma: no cover
    """Latest minute <= t with capacity left, or -1 (slots shifted by one; 0 is the sentinel)."""
    s = t + 1
    while pf[base + s] != s:
        nxt = pf[base + s]
        pf[base + s] = pf[base + nxt]
        s = nxt
    return s - 1


@njit(cache=True)
def ccrp(
    n, rindptr, radj_arc, tail, head, tau, cap, supply, exit_cap, ea0, horizon, stats
):  # pragma: no cover
    """Capacity Constrained Route Planner (Lu, George & Shekhar 2005), exit-slot driven.

    CCRP repeatedly reserves the route that reaches an exit earliest given the
    capacity already reserved. Equivalently, minutes are taken in increasing
    order and, for each minute, a backward search from every exit with
    absorption capacity left at that minute (latest departure labels, Dial
    buckets, waiting allowed) finds the origin with people left that can still
    make it and leaves latest; the group is as large as the route's least
    remaining capacity. A minute nobody can reach stays unreachable (capacity
    only decreases). The search serves groups until it runs out of routes.
    """
    m = tail.shape[0]
    width = horizon + 2  # slot s = minute + 1 for minutes 0..horizon; s = 0 is the sentinel
    avail = np.empty(m * width, dtype=np.int32)  # people per arc-minute fit in int32 (capped)
    pf = np.empty(m * width, dtype=np.int32)
    for e in range(m):
        b = e * width
        avail[b] = 0
        pf[b] = 0
        ce = min(cap[e], 2**31 - 1)
        for s in range(1, width):
            avail[b + s] = ce
            pf[b + s] = s if ce > 0 else s - 1
    remaining = supply.copy()
    ea = ea0
    label = np.full(n, -1, dtype=np.int64)
    succ = np.full(n, -1, dtype=np.int64)
    touched = np.empty(n, dtype=np.int64)
    bucket_head = np.full(horizon + 1, -1, dtype=np.int64)
    cap_entries = m + n + 1
    entry_node = np.empty(cap_entries, dtype=np.int64)
    entry_next = np.empty(cap_entries, dtype=np.int64)
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
            while open_exits > 0 and left_total > 0:
                found = -1
                while b >= 0 and found < 0:
                    while bucket_head[b] >= 0:
                        k = bucket_head[b]
                        bucket_head[b] = entry_next[k]
                        v = entry_node[k]
                        if label[v] != b:
                            continue
                        stats[2] += 1
                        if remaining[v] > 0:
                            found = v
                            break
                        for p in range(rindptr[v], rindptr[v + 1]):
                            e = radj_arc[p]
                            u = tail[e]
                            latest = b - tau[e]
                            if latest < ea[u] or latest <= label[u]:
                                continue
                            t = _find_prev(pf, e * width, latest)
                            if t < ea[u] or t <= label[u]:
                                continue
                            if label[u] < 0:
                                touched[n_touched] = u
                                n_touched += 1
                            label[u] = t
                            succ[u] = e
                            if used >= cap_entries:
                                cap_entries *= 2
                                en = np.empty(cap_entries, dtype=np.int64)
                                ex = np.empty(cap_entries, dtype=np.int64)
                                en[:used] = entry_node[:used]
                                ex[:used] = entry_next[:used]
                                entry_node = en
                                entry_next = ex
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
                while succ[v] >= 0:
                    e = succ[v]
                    r = avail[e * width + label[v] + 1]
                    if r < cnt:
                        cnt = r
                    nr += 1
                    v = head[e]
                x = v
                if slot_left[x] < cnt:
                    cnt = slot_left[x]
                if cnt <= 0:
                    leftover = True
                    continue  # route through a slot filled meanwhile: try the next origin
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
                    idx = e * width + t + 1
                    avail[idx] -= cnt
                    if avail[idx] == 0:
                        pf[idx] = t  # slot t+1 now points to slot t (minute t-1)
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
                if remaining[found] > 0:
                    leftover = True
                routed += 1
            # clear the buckets and labels
            for bb in range(a + 1):
                bucket_head[bb] = -1
            for i in range(n_touched):
                label[touched[i]] = -1
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


@njit(cache=True)
def load_plan(
    n_fwd, index, ea, tail, head, tau, g_origin, g_count, g_depart, g_arrive, g_exit, g_ptr, p_arc, p_enter
):  # pragma: no cover
    """The time-expanded flow of a feasible plan (for a warm start)."""
    src_arc, rel_base, snk_base, hold_base, mv_base = index
    flow = np.zeros(n_fwd, dtype=np.int64)
    for g in range(g_count.shape[0]):
        o = g_origin[g]
        c = g_count[g]
        flow[src_arc[o]] += c
        t = g_depart[g]
        flow[rel_base[o] + t] += c
        node = o
        for q in range(g_ptr[g], g_ptr[g + 1]):
            e = p_arc[q]
            te = p_enter[q]
            for tt in range(t, te):
                flow[hold_base[node] + tt - ea[node]] += c
            flow[mv_base[e] + te - ea[tail[e]]] += c
            node = head[e]
            t = te + tau[e]
        for tt in range(t, g_arrive[g]):
            flow[hold_base[node] + tt - ea[node]] += c
        flow[snk_base[node] + g_arrive[g] - ea[node]] += c
    return flow
