from django.contrib import admin

from safepassage.core.admin import ReadOnlyAdmin
from safepassage.servicepoints.models import PeopleServed, ServicePoint, StockEntry


@admin.register(ServicePoint)
class ServicePointAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "corridor", "capacity_per_hour", "capacity_per_day")
    list_filter = ("kind",)


@admin.register(StockEntry)
class StockEntryAdmin(ServicePointAdmin):
    list_display = ("service_point", "item", "kind", "delta", "balance_after", "at")
    list_filter = ("kind", "item")


@admin.register(PeopleServed)
class PeopleServedAdmin(ServicePointAdmin):
    list_display = ("service_point", "hour_start", "people", "version")
    list_filter = ()
