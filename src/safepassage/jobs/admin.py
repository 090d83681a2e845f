from django.contrib import admin

from safepassage.core.admin import ReadOnlyAdmin
from safepassage.jobs.models import Job


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "progress_done", "progress_total", "created_by", "created_at")
    list_filter = ("kind", "status")
