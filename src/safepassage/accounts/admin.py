from axes.admin import AccessAttemptAdmin  # registers axes' admin first; replaced below
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from safepassage.accounts.models import ApiToken, Organisation, Party, User
from safepassage.accounts.services import unlock_logins
from safepassage.core.principal import principal_for_user


@admin.register(User)
class SafePassageUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Safe Passage", {"fields": ("role", "organisation", "party")}),)
    list_display = ("username", "role", "organisation", "party", "is_active")


admin.site.register(Organisation)
admin.site.register(Party)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")
    readonly_fields = ("digest", "prefix", "created_at")


class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """Deleting failed sign-ins (an admin's unlock) is recorded as `login.unlocked`."""

    def delete_model(self, request, obj):
        unlock_logins(by=principal_for_user(request.user), username=obj.username, ip_address=obj.ip_address)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, AuditedAccessAttemptAdmin)
