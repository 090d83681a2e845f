"""Bulletin routes: the day's bulletin and the records behind each of its figures."""

from __future__ import annotations

from ninja import Path, Query, Router

from safepassage.core.api import op
from safepassage.core.permissions import Perm
from safepassage.core.timeutil import require_aware
from safepassage.reports import selectors
from safepassage.reports.schemas import BulletinParams, BulletinRead, RecordsParams, RecordsRead

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
