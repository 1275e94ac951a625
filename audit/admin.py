"""The audit log in the steward console: read only, like everywhere else."""

from django.contrib import admin

from audit.models import AuditEntry
from cdp.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "target_type", "target_id", "request_id"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_id", "request_id"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        from accounts.permissions import has_capability

        return has_capability(request.user, "view_audit_log")
