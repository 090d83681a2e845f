from django.contrib import admin

from safepassage.servicepoints.models import PeopleServed, ServicePoint, StockEntry


@admin.register(ServicePoint)
class ServicePointAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "corridor", "capacity_per_hour", "capacity_per_day")
    list_filter = ("kind",)

    def has_add_permission(self, request):
        return False  # through the API, so that every change is audited

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockEntry)
class StockEntryAdmin(ServicePointAdmin):
    list_display = ("service_point", "item", "kind", "delta", "balance_after", "at")
    list_filter = ("kind", "item")


@admin.register(PeopleServed)
class PeopleServedAdmin(ServicePointAdmin):
    list_display = ("service_point", "hour_start", "people", "version")
    list_filter = ()
