"""Read-only admin views. Encrypted identifying fields and medical text are never shown here."""

from django.contrib import admin

from safepassage.crossings.models import CrossingCount, MedevacCase


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CrossingCount)
class CrossingCountAdmin(ReadOnly):
    list_display = ("id", "checkpoint", "direction", "bucket_start", "total_persons", "review_status", "is_current")
    list_filter = ("direction", "review_status", "is_current", "source")


@admin.register(MedevacCase)
class MedevacCaseAdmin(ReadOnly):
    list_display = ("case_number", "age_band", "sex", "triage", "status", "status_at", "has_identifying")
    list_filter = ("status", "triage")
    exclude = ("full_name_enc", "identifying_details_enc", "condition_summary")
    search_fields = ("case_number",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("full_name_enc", "identifying_details_enc")
