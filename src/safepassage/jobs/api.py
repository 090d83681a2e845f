"""Background jobs: their status, progress, result or the reason they failed."""

from ninja import Path, Query, Router

from safepassage.core.api import DbId, Page, PageParams, op, page
from safepassage.core.permissions import Perm
from safepassage.jobs import selectors
from safepassage.jobs.schemas import JobFilters, JobRead

router = Router(tags=["jobs"])


@op(router.get, "/jobs", perm=Perm.JOBS_VIEW, response=Page(JobRead))
def list_jobs(request, filters: JobFilters = Query(...), paging: PageParams = Query(...)):
    return page(selectors.jobs(kind=filters.kind, status=filters.status), paging, selectors.job_read)


@op(router.get, "/jobs/{job_id}", perm=Perm.JOBS_VIEW, response=JobRead)
def get_job(request, job_id: DbId = Path(...)):
    return selectors.job_read(selectors.job(job_id))
