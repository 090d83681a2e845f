from django.contrib import admin

from safepassage.core.admin import ReadOnlyAdmin
from safepassage.deconfliction.models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "revision", "state", "sent_at", "deadline")
    list_filter = ("kind", "state")
