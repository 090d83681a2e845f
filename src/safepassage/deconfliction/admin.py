from django.contrib import admin

from safepassage.deconfliction.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "revision", "state", "sent_at", "deadline")
    list_filter = ("kind", "state")

    # notifications are sent and answered through the services (audited), not the admin
    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
