"""Steward pages for data subject requests, suppression, erasure webhooks and retention."""

from __future__ import annotations

import json
from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from privacy import selectors, services
from privacy.constants import RequestKind, RequestStatus
from privacy.forms import RequestCreateForm, RetentionForm, WebhookEndpointForm
from privacy.models import ErasureWebhookEndpoint, Suppression


class StewardMixin(CapabilityRequiredMixin):
    required_capabilities = ("handle_privacy_requests",)


def _actor(request):
    return request.user if request.user.is_authenticated else None


class RequestListView(StewardMixin, TemplateView):
    template_name = "privacy/requests.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        status = params.get("status", "open")
        status = status if status in {"open", "", *dict(RequestStatus.CHOICES)} else "open"
        kind = params.get("kind", "")
        kind = kind if kind in dict(RequestKind.CHOICES) else ""
        overdue = params.get("overdue") == "1"
        requests = list(selectors.request_list(status=status or None, kind=kind or None, overdue=overdue)[:500])
        for item in requests:
            item.shown_identifier = selectors.mask_identifier(item.identifier_value, self.request.user, in_list=True)
        context.update(
            requests=requests,
            counts=selectors.request_counts(),
            statuses=RequestStatus.CHOICES,
            kinds=RequestKind.CHOICES,
            status=status,
            kind=kind,
            overdue=overdue,
            filtered=bool(kind or overdue or status != "open"),
            now=timezone.now(),
        )
        return context


class RequestCreateView(StewardMixin, TemplateView):
    template_name = "privacy/request_new.html"

    def _form(self, data=None, initial=None):
        return RequestCreateForm(data, initial=initial, identifier_kinds=services.identifier_kinds())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Prefilled from a link, e.g. a profile page: ?identifier_kind=profile_id&identifier_value=42
        params = self.request.GET
        initial = {k: params[k][:255] for k in ("kind", "identifier_kind", "identifier_value") if params.get(k)}
        context.setdefault("form", self._form(initial=initial))
        return context

    def post(self, request):
        form = self._form(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            received = data.get("received_at")
            received_at = timezone.make_aware(datetime.combine(received, time(12))) if received else None
            try:
                obj = services.request_create(
                    kind=data["kind"],
                    identifier_kind=data["identifier_kind"],
                    identifier_value=data["identifier_value"],
                    notes=data["notes"],
                    received_at=received_at,
                    actor=_actor(request),
                    assignee=_actor(request),
                )
            except services.RequestError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Request #{obj.pk} logged; due {obj.due_at:%d %b %Y}.")
                return redirect("privacy:request", pk=obj.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RequestDetailView(StewardMixin, TemplateView):
    template_name = "privacy/request_detail.html"

    def get_context_data(self, pk: int, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = selectors.request_get(pk)
        if obj is None:
            raise Http404("No request with this id.")
        context.update(
            obj=obj,
            shown_identifier=selectors.mask_identifier(obj.identifier_value, self.request.user),
            trail=list(obj.trail.select_related("actor")),
            notifications=list(obj.notifications.select_related("endpoint")),
            evidence_json=json.dumps(obj.evidence, indent=2, sort_keys=True) if obj.evidence else "",
            rows_deleted=sorted((obj.evidence.get("rows_deleted") or {}).items()) if obj.evidence else [],
            kept_import_files=(obj.evidence.get("kept") or {}).get("ingestion.ImportFile", 0) if obj.evidence else 0,
            users=get_user_model().objects.filter(is_active=True).order_by("username"),
            exporting=obj.kind in RequestKind.EXPORTING,
            Kind=RequestKind,
            Status=RequestStatus,
        )
        return context


STEPS = {
    "start-verification": lambda obj, actor, post: services.request_start_verification(request=obj, actor=actor),
    "verify": lambda obj, actor, post: services.request_verify(
        request=obj, actor=actor, message=post.get("message", "")
    ),
    "reject": lambda obj, actor, post: services.request_reject(request=obj, actor=actor, reason=post.get("reason", "")),
    "complete": lambda obj, actor, post: services.request_complete(
        request=obj, actor=actor, message=post.get("message", "")
    ),
    "note": lambda obj, actor, post: services.request_note(request=obj, actor=actor, message=post.get("message", "")),
    "object": lambda obj, actor, post: services.request_object(request=obj, actor=actor),
}
STEP_DONE = {
    "start-verification": "Identity check started.",
    "verify": "Identity verified: the request is in progress.",
    "reject": "Request rejected.",
    "complete": "Request completed.",
    "note": "Note added.",
    "object": "Objection recorded: no direct marketing will reach this person.",
    "erase": "The person was erased. Evidence is below.",
    "rectify": "Traits corrected.",
    "assign": "Assignee changed.",
}


class RequestStepView(StewardMixin, View):
    """One POSTed step of a request (buttons on the detail page)."""

    def post(self, request, pk: int, step: str):
        obj = selectors.request_get(pk)
        if obj is None:
            raise Http404("No request with this id.")
        actor = _actor(request)
        try:
            if step == "erase":
                if request.POST.get("confirm", "").strip() != "ERASE":
                    raise services.RequestError("type ERASE to confirm: erasure cannot be undone")
                services.request_erase(request=obj, actor=actor)
            elif step == "rectify":
                services.request_rectify(request=obj, actor=actor, traits=_traits_from(request.POST))
            elif step == "assign":
                username = request.POST.get("assignee", "")
                assignee = get_user_model().objects.filter(username=username).first() if username else None
                services.request_assign(request=obj, assignee=assignee, actor=actor)
            elif step in STEPS:
                STEPS[step](obj, actor, request.POST)
            else:
                raise Http404("Unknown step.")
        except services.RequestError as error:
            messages.error(request, str(error)[:1].upper() + str(error)[1:] + ".")
        else:
            messages.success(request, STEP_DONE.get(step, "Done."))
        return redirect("privacy:request", pk=pk)


def _traits_from(post) -> dict:
    """Rectification form: `key` / `value` pairs; a value is read as JSON when it parses
    (numbers, true/false, null removes), else kept as text."""
    traits = {}
    for key, raw in zip(post.getlist("key"), post.getlist("value"), strict=False):
        key = key.strip()
        if not key:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        traits[key] = value
    return traits


class RequestExportView(StewardMixin, View):
    def get(self, request, pk: int):
        obj = selectors.request_get(pk)
        if obj is None:
            raise Http404("No request with this id.")
        try:
            name, data = services.request_export(request=obj, actor=_actor(request))
        except services.RequestError as error:
            messages.error(request, str(error)[:1].upper() + str(error)[1:] + ".")
            return redirect("privacy:request", pk=pk)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response


class SuppressionListView(StewardMixin, TemplateView):
    template_name = "privacy/suppressions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["suppressions"] = list(selectors.suppression_list()[:500])
        return context


class SuppressionLiftView(StewardMixin, View):
    def post(self, request, pk: int):
        entry = get_object_or_404(Suppression, pk=pk)
        try:
            services.suppression_remove(suppression=entry, reason=request.POST.get("reason", ""), actor=_actor(request))
        except services.RequestError as error:
            messages.error(request, str(error)[:1].upper() + str(error)[1:] + ".")
        else:
            messages.success(request, f"Suppression lifted: events with this {entry.kind} are accepted again.")
        return redirect("privacy:suppressions")


class RetentionView(StewardMixin, TemplateView):
    template_name = "privacy/retention.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        policy = selectors.retention_get()
        context.setdefault("form", RetentionForm(initial={"event_retention_days": policy.event_retention_days}))
        context.update(policy=policy, outliving=selectors.segments_outliving_retention(policy.event_retention_days))
        return context

    def post(self, request):
        form = RetentionForm(request.POST)
        if form.is_valid():
            days = form.cleaned_data["event_retention_days"]
            services.retention_set(days=days, actor=_actor(request))
            messages.success(
                request, f"Raw events are now kept for {days} days." if days else "Raw events are now kept forever."
            )
            return redirect("privacy:retention")
        return self.render_to_response(self.get_context_data(form=form))


class WebhookListView(StewardMixin, TemplateView):
    template_name = "privacy/webhooks.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", WebhookEndpointForm())
        context["endpoints"] = list(selectors.webhook_endpoint_list())
        return context

    def post(self, request):
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = services.webhook_endpoint_create(
                    name=form.cleaned_data["name"], url=form.cleaned_data["url"], actor=_actor(request)
                )
            except services.RequestError as error:
                form.add_error(None, str(error))
            else:
                return self.render_to_response(self.get_context_data(created=endpoint))
        return self.render_to_response(self.get_context_data(form=form))


class WebhookDeleteView(StewardMixin, View):
    def post(self, request, pk: int):
        endpoint = get_object_or_404(ErasureWebhookEndpoint, pk=pk)
        services.webhook_endpoint_delete(endpoint=endpoint, actor=_actor(request))
        messages.success(request, f"{endpoint.name} will no longer be told about erasures.")
        return redirect(reverse("privacy:webhooks"))
