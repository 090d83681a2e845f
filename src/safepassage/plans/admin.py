from django.contrib import admin

from safepassage.plans.models import PlanRun


@admin.register(PlanRun)
class PlanRunAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "status", "network", "created_by", "created_at")
    list_filter = ("kind", "status")
    readonly_fields = [f.name for f in PlanRun._meta.fields]
