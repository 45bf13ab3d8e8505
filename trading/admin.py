"""The trading floor's Django admin: users, centers and organizations editable; tenders and audit read-only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import AuditEvent, Center, Document, Lot, Notice, Organization, Project, User


def _operators_only(request) -> bool:
    """The admin is the operators' (superusers'): it lists rows as stored, the audit events a
    deadline still hides and users' last logins among them, and no per-model permission given to
    a staff account may open that to it (招标投标法 第22条). Staff work through their own pages."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _operators_only


@admin.register(User)
class KaibiaoUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Kaibiao", {"fields": ("role", "full_name", "center", "organization")}),)
    list_display = ("username", "full_name", "role", "center", "organization", "is_active")
    list_filter = ("role", "center")


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "region_code", "parent")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "contact_name")
    search_fields = ("name", "uscc")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Lifecycle data changes only through the services, which check and audit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "category", "center", "bid_deadline")
    list_filter = ("category", "center")


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "state", "budget", "ceiling_price")
    list_filter = ("state",)


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "project", "published_at")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("title", "project", "size", "sha256")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor_name", "role", "ip", "action", "object_type", "object_id")
    list_filter = ("action", "role")
