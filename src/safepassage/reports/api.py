"""Bulletin routes: the day's bulletin and the records behind each of its figures."""

from __future__ import annotations

import json

from django.http import HttpResponse
from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, op
from safepassage.core.errors import NotFound
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import require_aware
from safepassage.reports import exports, selectors
from safepassage.reports.schemas import (
    BulletinParams,
    BulletinRead,
    EditionRead,
    JobStarted,
    PublishParams,
    RecordsParams,
    RecordsRead,
)

router = Router(tags=["bulletins"])


@op(router.get, "/bulletins/{day}", perm=Perm.REPORTS_VIEW, response=BulletinRead)
def get_bulletin(request, params: BulletinParams = Query(...), day: str = Path(..., max_length=10)):
    """The day's bulletin (public version unless you are staff); each figure links to its records."""
    as_of = require_aware(params.as_of, "as_of") if params.as_of else None
    return selectors.build(day=selectors.parse_day(day), tz=selectors.parse_zone(params.tz), as_of=as_of,
                           audience=selectors.audience_for(request.auth, params.audience), principal=request.auth)


@op(router.get, "/bulletins/{day}/records/{key}", perm=Perm.REPORTS_VIEW, response=RecordsRead)
def get_records(request, params: RecordsParams = Query(...), day: str = Path(..., max_length=10),
                key: str = Path(..., max_length=120)):
    """The records behind one figure as they stood at as_of: `count` (or `sum` of `sum_of`) equals the figure."""
    return selectors.records(day=selectors.parse_day(day), tz=selectors.parse_zone(params.tz),
                             as_of=require_aware(params.as_of, "as_of"),
                             audience=selectors.audience_for(request.auth, params.audience), key=key,
                             principal=request.auth, offset=params.offset, limit=params.limit)


EXPORTS = {
    "crossings.csv": "text/csv", "servicepoints.csv": "text/csv", "incidents.csv": "text/csv",
    "agreements.csv": "text/csv", "map.geojson": "application/geo+json",
    "map.kml": "application/vnd.google-earth.kml+xml", "cap.atom": "application/atom+xml",
}


@op(router.get, "/exports/{name}", perm=Perm.REPORTS_VIEW, response={200: None},
    openapi_extra={"parameters": [
        {"name": n, "in": "query", "required": False, "schema": {"type": "string"}} for n in ("date", "from", "to",
                                                                                          "tz")]})
def export(request, name: str = Path(..., max_length=40)):
    """A day's (`date=`) or a period's (`from=`, `to=`) records as HXL CSV, GeoJSON, or the CAP feed's Atom index."""
    if name not in EXPORTS:
        raise NotFound(f"unknown export; one of {', '.join(EXPORTS)}", field="name")
    tz = selectors.parse_zone(request.GET.get("tz"))
    since, until = exports.period(day=request.GET.get("date"), start=request.GET.get("from"),
                                  end=request.GET.get("to"), tz=tz)
    principal = request.auth
    if name == "map.geojson":
        body = json.dumps(exports.geojson(principal, since, until))
    elif name == "map.kml":
        body = exports.kml(principal, since, until)
    elif name == "cap.atom":
        body = exports.cap_atom(since, until, request.build_absolute_uri("/").rstrip("/"))
    elif name == "incidents.csv":
        body = exports.incidents_csv(principal, since, until, tz)
    else:
        body = {"crossings.csv": exports.crossings_csv, "servicepoints.csv": exports.servicepoints_csv,
                "agreements.csv": exports.agreements_csv}[name](since, until, tz)
    response = HttpResponse(body, content_type=EXPORTS[name] + ("; charset=utf-8" if name.endswith("csv") else ""))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@op(router.get, "/exports/cap/{change_id}.xml", perm=Perm.REPORTS_VIEW, response={200: None})
def cap_alert(request, change_id: DbId = Path(...)):
    """One corridor opening, suspension or closure as a public CAP 1.2 alert."""
    return HttpResponse(exports.cap_message(change_id), content_type="application/cap+xml")


@op(router.get, "/bulletins/{day}/editions", perm=Perm.REPORTS_VIEW, response=list[EditionRead])
def list_editions(request, day: str = Path(..., max_length=10)):
    """The archived editions of a day, newest first, with each file's SHA-256."""
    return [selectors.edition_read(e) for e in selectors.editions(selectors.parse_day(day))]


@op(router.post, "/bulletins/{day}/editions", perm=Perm.REPORTS_PUBLISH, response={202: JobStarted})
def publish(request, body: PublishParams, day: str = Path(..., max_length=10)):
    """Publish and archive the day's bulletin as a background job; follow it at /api/jobs/{job_id}."""
    from safepassage.jobs import services as jobs
    from safepassage.reports.tasks import publish_bulletin

    the_day = selectors.parse_day(day)
    job = jobs.enqueue(kind="reports.bulletin", task=publish_bulletin, by=request.auth, day=the_day.isoformat(),
                       tz=selectors.parse_zone(body.tz))
    job.refresh_from_db()
    return Status(202, {"job_id": job.pk, "status": job.status})


@op(router.get, "/editions/{edition_id}/files/{fmt}", perm=Perm.REPORTS_VIEW, response={200: None})
def edition_file(request, edition_id: DbId = Path(...), fmt: str = Path(..., max_length=10)):
    """One archived file of an edition, exactly as published."""
    content, media, filename = selectors.edition_file(edition_id, fmt)
    response = HttpResponse(content, content_type=media)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
