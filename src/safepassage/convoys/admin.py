from django.contrib import admin

from safepassage.convoys.models import Convoy, Inspection
from safepassage.core.admin import ReadOnlyAdmin


@admin.register(Convoy)
class ConvoyAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "status", "planned_departure", "corridor")
    list_filter = ("status",)


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("convoy", "result", "at", "inspector_label", "no_weapons_attested")
