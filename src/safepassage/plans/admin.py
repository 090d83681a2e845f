from django.contrib import admin

from safepassage.core.admin import ReadOnlyAdmin
from safepassage.plans.models import PlanRun


@admin.register(PlanRun)
class PlanRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "network", "created_by", "created_at")
    list_filter = ("kind", "status")
