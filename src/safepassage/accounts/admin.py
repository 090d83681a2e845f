"""Accounts in the Django admin: every change is written to the audit log, like any other."""

from axes.admin import AccessAttemptAdmin  # registers axes' admin first; replaced below
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django_otp.plugins.otp_static import admin as _static_admin  # noqa: F401 - registers first; replaced below
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp import admin as _totp_admin  # noqa: F401 - registers first; replaced below
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepassage.accounts.models import ApiToken, Organisation, Party, User
from safepassage.accounts.services import (
    ORGANISATION_FIELDS,
    PARTY_FIELDS,
    USER_FIELDS,
    revoke_token,
    unlock_logins,
)
from safepassage.audit.services import record
from safepassage.core.admin import ReadOnlyAdmin
from safepassage.core.errors import DomainError
from safepassage.core.models import snapshot
from safepassage.core.principal import principal_for_user


class AuditedAdmin(admin.ModelAdmin):
    """Saves through the admin are audited in the same transaction; deletions are not offered."""

    audit_fields: list[str] = []
    action_code = ""  # "<object>.<verb>" prefix: created / updated

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            before = snapshot(type(obj).objects.get(pk=obj.pk), self.audit_fields) if change else None
            super().save_model(request, obj, form, change)
            after = snapshot(obj, self.audit_fields)
            if before != after:
                record(actor=principal_for_user(request.user), obj=obj, before=before, after=after,
                       action=self.action_for(before, after))

    def action_for(self, before, after) -> str:
        return f"{self.action_code}.{'updated' if before is not None else 'created'}"

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class SafePassageUserAdmin(AuditedAdmin, UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Safe Passage", {"fields": ("role", "organisation", "party")}),)
    list_display = ("username", "role", "organisation", "party", "is_active")
    audit_fields = USER_FIELDS
    action_code = "user"

    def action_for(self, before, after) -> str:
        if before is not None and before["role"] != after["role"]:
            return "user.role_changed"
        return super().action_for(before, after)


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    audit_fields = ORGANISATION_FIELDS
    action_code = "organisation"


@admin.register(Party)
class PartyAdmin(AuditedAdmin):
    audit_fields = PARTY_FIELDS
    action_code = "party"


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    """Tokens are issued by `safepassage token issue` and revoked here or through the API, audited."""

    list_display = ("user", "name", "prefix", "created_at", "expires_at", "revoked_at")
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        by = principal_for_user(request.user)
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                revoke_token(token_id=token.pk, by=by)
            except DomainError as exc:
                self.message_user(request, exc.reason, messages.ERROR)

    def has_change_permission(self, request, obj=None):
        return obj is None  # the list, with its revoke action; no edit form


class AuditedDeviceAdmin(ReadOnlyAdmin):
    """A lost phone: an admin removes the second factor, audited, and the user enrols again."""

    list_display = ("user", "name", "confirmed")

    def has_delete_permission(self, request, obj=None):
        return True

    def delete_model(self, request, obj):
        with transaction.atomic():
            record(actor=principal_for_user(request.user), action="mfa.reset", obj=obj.user,
                   after={"device": type(obj).__name__, "name": obj.name})
            obj.delete()

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """Deleting failed sign-ins (an admin's unlock) is recorded as `login.unlocked`."""

    def delete_model(self, request, obj):
        unlock_logins(by=principal_for_user(request.user), username=obj.username, ip_address=obj.ip_address)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


for model, model_admin in ((AccessAttempt, AuditedAccessAttemptAdmin), (TOTPDevice, AuditedDeviceAdmin),
                           (StaticDevice, AuditedDeviceAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
