"""Read-only admin views. Encrypted identifying fields and medical text are never shown here."""

from django.contrib import admin

from safepassage.core.admin import ReadOnlyAdmin
from safepassage.crossings.models import CrossingCount, MedevacCase


@admin.register(CrossingCount)
class CrossingCountAdmin(ReadOnlyAdmin):
    list_display = ("id", "checkpoint", "direction", "bucket_start", "total_persons", "review_status", "is_current")
    list_filter = ("direction", "review_status", "is_current", "source")


@admin.register(MedevacCase)
class MedevacCaseAdmin(ReadOnlyAdmin):
    list_display = ("case_number", "age_band", "sex", "triage", "status", "status_at", "has_identifying")
    list_filter = ("status", "triage")
    exclude = ("full_name_enc", "identifying_details_enc", "condition_summary")
    search_fields = ("case_number",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("full_name_enc", "identifying_details_enc")
