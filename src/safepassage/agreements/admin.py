"""Read-only admin views: the registry is written through its services (audited) only."""

from django.contrib import admin

from safepassage.agreements.models import Agreement, AgreementStatusChange, ClaimedTally, Community
from safepassage.core.admin import ReadOnlyAdmin


@admin.register(Community)
class CommunityAdmin(ReadOnlyAdmin):
    list_display = ("place", "population", "population_source", "population_as_of")
    search_fields = ("place__name", "place__pcode")


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "community", "signed_at")
    list_filter = ("kind",)
    search_fields = ("name",)


@admin.register(AgreementStatusChange)
class AgreementStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "status", "valid_from", "source", "recorded_by", "recorded_at")
    list_filter = ("status",)


@admin.register(ClaimedTally)
class ClaimedTallyAdmin(ReadOnlyAdmin):
    list_display = ("party", "metric", "claimed", "as_of", "source")
