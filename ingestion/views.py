"""Pages of Sources: the list with live counts, creating a source, a source's key and snippets,
and the ingestion warnings."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView, View

from accounts.permissions import CapabilityRequiredMixin
from ingestion.constants import WarningCode
from ingestion.forms import SourceCreateForm, SourceOriginsForm
from ingestion.selectors import source_list
from ingestion.services import source_create, source_rotate_write_key, source_update
from ingestion.snippets import public_base_url, snippets_for
from ingestion.stats import SourceCounts, source_event_counts, warning_search
from profiles.pagination import InvalidCursor, keyset_page, page_links

WARNINGS_PER_PAGE = 50


class SourcesMixin(CapabilityRequiredMixin):
    required_capabilities = ("manage_sources",)


class SourceListView(SourcesMixin, FormView):
    """Every source with live event counts, and the form to create one."""

    template_name = "ingestion/sources.html"
    form_class = SourceCreateForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts = source_event_counts()
        context["sources"] = [(source, counts.get(source.pk, SourceCounts())) for source in source_list()]
        return context

    def form_valid(self, form):
        try:
            with transaction.atomic():
                source = source_create(**form.cleaned_data)
        except (ValueError, IntegrityError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else "a source with this name already exists"
            form.add_error("name", message[:1].upper() + message[1:] + ".")
            return self.form_invalid(form)
        messages.success(
            self.request, f"Source “{source.name}” created. Send a first event with one of the snippets below."
        )
        return redirect("sources:detail", pk=source.pk)


class SourceDetailView(SourcesMixin, TemplateView):
    """A source's write key, settings, live counts and copy-ready snippets."""

    template_name = "ingestion/source_detail.html"

    def post(self, request, pk: int):
        """Save the allowed origins (the form on this page)."""
        source = get_object_or_404(source_list(), pk=pk)
        form = SourceOriginsForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(source=source, origins_form=form))
        source_update(source=source, allowed_origins=form.cleaned_data["allowed_origins"])
        messages.success(request, f"Allowed origins of “{source.name}” saved.")
        return redirect("sources:detail", pk=source.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        source = kwargs.get("source") or get_object_or_404(source_list(), pk=self.kwargs["pk"])
        base_url = public_base_url(self.request)
        context.update(
            source=source,
            counts=source_event_counts().get(source.pk, SourceCounts()),
            snippets=snippets_for(source, base_url),
            base_url=base_url,
            origins_form=kwargs.get("origins_form")
            or SourceOriginsForm(initial={"allowed_origins": "\n".join(source.allowed_origins)}),
            warnings_count=warning_search(source_id=source.pk).count(),
        )
        return context


class SourceToggleView(SourcesMixin, View):
    def post(self, request, pk: int):
        source = get_object_or_404(source_list(), pk=pk)
        enable = request.POST.get("enabled") == "true"
        source_update(source=source, enabled=enable)
        if enable:
            messages.success(request, f"“{source.name}” is enabled: its write key is accepted again.")
        else:
            messages.warning(request, f"“{source.name}” is disabled: events sent with its key are refused (404).")
        return redirect("sources:detail", pk=source.pk)


class SourceRotateKeyView(SourcesMixin, View):
    def post(self, request, pk: int):
        source = source_rotate_write_key(source=get_object_or_404(source_list(), pk=pk))
        messages.warning(
            request, f"New write key for “{source.name}”. The old key no longer works: update every SDK that used it."
        )
        return redirect("sources:detail", pk=source.pk)


class WarningListView(SourcesMixin, TemplateView):
    """Events that were rejected or altered on the way in, newest first."""

    template_name = "ingestion/warnings.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        sources = list(source_list())
        source_id = next((s.pk for s in sources if str(s.pk) == params.get("source")), None)
        code = params.get("code") if params.get("code") in dict(WarningCode.CHOICES) else ""
        outcome = params.get("outcome") if params.get("outcome") in ("rejected", "kept") else ""
        warnings = warning_search(
            source_id=source_id, code=code or None, rejected={"rejected": True, "kept": False}.get(outcome)
        )
        try:
            page = keyset_page(warnings, field="created_at", cursor=params.get("cursor"), size=WARNINGS_PER_PAGE)
        except InvalidCursor:
            page = keyset_page(warnings, field="created_at", cursor=None, size=WARNINGS_PER_PAGE)
        context.update(
            warnings=page.items,
            links=page_links(self.request, page),
            sources=sources,
            codes=WarningCode.CHOICES,
            source_id=source_id,
            code=code,
            outcome=outcome,
            filtered=bool(source_id or code or outcome),
        )
        return context
