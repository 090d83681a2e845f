from django.contrib import admin

from safepassage.convoys.models import Convoy, Inspection


@admin.register(Convoy)
class ConvoyAdmin(admin.ModelAdmin):
    list_display = ("reference", "title", "status", "planned_departure", "corridor")
    list_filter = ("status",)
    # changes go through the services (audited), not the admin
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("convoy", "result", "at", "inspector_label", "no_weapons_attested")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
