"""Server-rendered convoy board: today's and upcoming convoys, what is missing, where they are."""

from __future__ import annotations

from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render

from safepassage.convoys import selectors
from safepassage.convoys.models import Convoy
from safepassage.core.permissions import Perm
from safepassage.core.principal import principal_for_user
from safepassage.core.timeutil import now

WIDTH, HEIGHT, PAD = 640, 360, 16


def _map(items: list[dict]) -> dict:
    """Routes and last positions projected into a plain SVG box (no tile server needed)."""
    convoys = {c.pk: c for c in Convoy.objects.filter(pk__in=[i["id"] for i in items]).select_related("corridor")}
    lines, points = [], []
    for item in items:
        c = convoys[item["id"]]
        geom = c.route or c.corridor.geometry
        parts = geom["coordinates"] if geom["type"] == "MultiLineString" else [geom["coordinates"]]
        lines.extend((item, part) for part in parts)
        if item["lon"] is not None:
            points.append((item, item["lon"], item["lat"]))
    coords = [pt for _, part in lines for pt in part] + [(lon, lat) for _, lon, lat in points]
    if not coords:
        return {"lines": [], "points": [], "width": WIDTH, "height": HEIGHT}
    min_x, max_x = min(p[0] for p in coords), max(p[0] for p in coords)
    min_y, max_y = min(p[1] for p in coords), max(p[1] for p in coords)
    span = max(max_x - min_x, max_y - min_y, 1e-4)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (round(PAD + (lon - min_x) / span * (HEIGHT - 2 * PAD) + (WIDTH - HEIGHT) / 2, 1),
                round(HEIGHT - PAD - (lat - min_y) / span * (HEIGHT - 2 * PAD), 1))

    return {
        "width": WIDTH, "height": HEIGHT,
        "lines": [{"ref": i["reference"], "status": i["status"],
                   "points": " ".join(f"{x},{y}" for x, y in (xy(p[0], p[1]) for p in part))} for i, part in lines],
        "points": [{"ref": i["reference"], "x": xy(lon, lat)[0], "y": xy(lon, lat)[1], "lon": lon, "lat": lat}
                   for i, lon, lat in points],
    }


def board_page(request):
    principal = principal_for_user(request.user)
    if principal.is_anonymous:
        return redirect(f"/login/?next={request.path}")
    if not principal.can(Perm.CONVOYS_VIEW):
        return HttpResponseForbidden("Your role may not see convoys.")
    at = now()
    items = selectors.board(principal, at=at)
    return render(request, "convoys/board.html", {
        "at": at, "today": [i for i in items if i["today"]], "upcoming": [i for i in items if not i["today"]],
        "map": _map(items), "liaison": principal.party_id is not None,
    })
