from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from safepassage.accounts.models import ApiToken, Organisation, Party, User


@admin.register(User)
class SafePassageUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Safe Passage", {"fields": ("role", "organisation", "party")}),)
    list_display = ("username", "role", "organisation", "party", "is_active")


admin.site.register(Organisation)
admin.site.register(Party)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "prefix", "created_at", "revoked_at")
    readonly_fields = ("digest", "prefix", "created_at")
