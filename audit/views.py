"""The steward's audit log page and its CSV export."""

from __future__ import annotations

from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from audit.constants import AUDIT_PAGE_SIZE, AuditAction
from audit.forms import AuditFilterForm
from audit.selectors import audit_actors, audit_list
from audit.services import audit_record
from cdp.csv_safe import streaming_csv_response
from profiles.pagination import InvalidCursor, keyset_page, page_links

CSV_HEADER = ["time", "actor", "action", "target_type", "target_id", "details", "ip_hash", "request_id"]


def _filters(request) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    return form, (form.filters() if form.is_valid() else {})


class AuditLogView(CapabilityRequiredMixin, TemplateView):
    required_capabilities = ("view_audit_log",)
    template_name = "audit/log.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, filters = _filters(self.request)
        entries = audit_list(**filters)
        try:
            page = keyset_page(entries, field="at", cursor=self.request.GET.get("cursor"), size=AUDIT_PAGE_SIZE)
        except InvalidCursor:
            page = keyset_page(entries, field="at", cursor=None, size=AUDIT_PAGE_SIZE)
        query = self.request.GET.copy()
        query.pop("cursor", None)
        context.update(
            form=form,
            entries=page.items,
            links=page_links(self.request, page),
            filtered=bool(filters),
            export_query=query.urlencode(),
            actors=audit_actors(),
        )
        return context


class AuditExportView(CapabilityRequiredMixin, View):
    """The filtered log as CSV, streamed. Exporting the log is itself recorded."""

    required_capabilities = ("view_audit_log",)

    def get(self, request):
        _, filters = _filters(request)
        audit_record(
            action=AuditAction.EXPORT,
            target_type="audit_log",
            details={"what": "audit_log", "filters": {k: str(v) for k, v in filters.items()}},
        )
        rows = (
            [e.at, e.actor_label, e.action, e.target_type, e.target_id, e.details, e.ip_hash, e.request_id]
            for e in audit_list(**filters).iterator(chunk_size=2000)
        )
        return streaming_csv_response(rows, CSV_HEADER, "shoal-audit-log.csv", request=request)
