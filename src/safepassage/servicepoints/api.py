"""Service point routes: points, stock ledger, people served, and the picture per corridor exit."""


from django.db.models import Sum
from django.shortcuts import get_object_or_404
from ninja import Path, Query, Router, Status

from safepassage.core.api import DbId, Page, PageParams, op, page
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import require_aware
from safepassage.servicepoints import selectors, services
from safepassage.servicepoints.models import ServicePoint
from safepassage.servicepoints.schemas import (
    ExitParams,
    ExitPicture,
    ServedCreate,
    ServedFilters,
    ServedPage,
    ServedRead,
    ServicePointCreate,
    ServicePointFilters,
    ServicePointRead,
    ServicePointUpdate,
    StockCreate,
    StockFilters,
    StockRead,
)

router = Router(tags=["servicepoints"])


@op(router.get, "/servicepoints", perm=Perm.SERVICEPOINTS_VIEW, response=Page(ServicePointRead))
def list_points(request, filters: ServicePointFilters = Query(...), paging: PageParams = Query(...)):
    qs = selectors.service_points(corridor_id=filters.corridor_id, kind=filters.kind)
    items = list(qs[paging.offset: paging.offset + paging.limit])
    stock = selectors.balances([p.pk for p in items])
    return {"items": [selectors.point_read(p, stock.get(p.pk, {})) for p in items], "count": qs.count()}


@op(router.post, "/servicepoints", perm=Perm.SERVICEPOINTS_EDIT, response={201: ServicePointRead})
def create_point(request, body: ServicePointCreate):
    """Open a meal station, first-aid point or reception centre at a corridor exit."""
    sp = services.create_service_point(**body.dict(), by=request.auth)
    return Status(201, selectors.point_read(selectors.fresh_point(sp.pk)))


@op(router.get, "/servicepoints/exits", perm=Perm.SERVICEPOINTS_VIEW, response=list[ExitPicture])
def exit_picture(request, params: ExitParams = Query(...)):
    """Per corridor exit: arrivals (from crossing counts) against capacity, days of stock left, warnings."""
    at = require_aware(params.at, "at") if params.at else None
    return selectors.exits(at=at, corridor_id=params.corridor_id)


@op(router.get, "/servicepoints/served", perm=Perm.REPORTS_VIEW, response=ServedPage)
def list_served(request, filters: ServedFilters = Query(...), paging: PageParams = Query(...)):
    """People served per point and clock hour, latest first; counts of people only, so anyone may read them
    (the daily bulletin's people-served figures link here, with `as_of` and `sum_of=people`)."""
    bounds = {n: require_aware(getattr(filters, n), n) if getattr(filters, n) else None
              for n in ("since", "until", "as_of")}
    qs = selectors.served(service_point_id=filters.service_point_id, **bounds)
    out = page(qs, paging, selectors.served_read)
    if filters.sum_of:
        out.update(sum_of=filters.sum_of, sum=qs.aggregate(s=Sum("people"))["s"] or 0)
    return out


@op(router.get, "/servicepoints/{point_id}", perm=Perm.SERVICEPOINTS_VIEW, response=ServicePointRead)
def get_point(request, point_id: DbId = Path(...)):
    get_object_or_404(ServicePoint, pk=point_id)
    return selectors.point_read(selectors.fresh_point(point_id))


@op(router.patch, "/servicepoints/{point_id}", perm=Perm.SERVICEPOINTS_EDIT, response=ServicePointRead)
def update_point(request, body: ServicePointUpdate, point_id: DbId = Path(...)):
    """Change capacity, hours or description; send the version you read (409 if it changed since)."""
    get_object_or_404(ServicePoint, pk=point_id)
    changes = body.dict(exclude={"version"}, exclude_unset=True)
    services.update_service_point(service_point_id=point_id, expected_version=body.version, changes=changes,
                                  by=request.auth)
    return selectors.point_read(selectors.fresh_point(point_id))


@op(router.get, "/servicepoints/{point_id}/stock", perm=Perm.SERVICEPOINTS_VIEW, response=Page(StockRead))
def list_stock(request, point_id: DbId = Path(...), filters: StockFilters = Query(...),
               paging: PageParams = Query(...)):
    """The stock ledger, newest line first."""
    get_object_or_404(ServicePoint, pk=point_id)
    return page(selectors.ledger(service_point_id=point_id, item=filters.item), paging, selectors.stock_read)


@op(router.post, "/servicepoints/{point_id}/stock", perm=Perm.STOCK_EDIT, response={201: StockRead})
def add_stock(request, body: StockCreate, point_id: DbId = Path(...)):
    """Record stock received, issued or adjusted, with the reason; a balance below zero is refused."""
    get_object_or_404(ServicePoint, pk=point_id)
    entry = services.record_stock(service_point_id=point_id, **body.dict(), by=request.auth)
    return Status(201, selectors.stock_read(entry))


@op(router.post, "/servicepoints/{point_id}/served", perm=Perm.STOCK_EDIT, response=ServedRead)
def record_served(request, body: ServedCreate, point_id: DbId = Path(...)):
    """Set the people served in one clock hour; to change a recorded hour, send its version."""
    get_object_or_404(ServicePoint, pk=point_id)
    row = services.record_people_served(service_point_id=point_id, hour_start=body.hour_start,
                                        people=body.people, expected_version=body.version, by=request.auth)
    return selectors.served_read(row)
