"""Pages of Consent & privacy (stewards) and the public preference centre."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from consent import selectors, services
from consent.constants import ConsentSource, ConsentState
from consent.forms import MappingForm, ObjectionForm, PurposeForm, RecordConsentForm
from consent.links import InvalidLink, profile_from_token
from consent.models import ConsentCategoryMapping, ConsentRecord, ProfileConsent, ProfileObjection, Purpose
from profiles.selectors import profile_resolve


def client_ip(request) -> str | None:
    """The visitor's address: REMOTE_ADDR, or the address TRUSTED_PROXY_COUNT proxies saw."""
    proxies = getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def request_evidence(request, *, collection_point: str, policy_version: str = "") -> dict:
    return services.evidence_build(
        policy_version=policy_version,
        collection_point=collection_point,
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


class IndexView(CapabilityRequiredMixin, TemplateView):
    """The section's landing page: purposes with how many people are in each state."""

    any_capabilities = ("manage_consent", "handle_privacy_requests")
    template_name = "consent/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        counts: dict[int, dict[str, int]] = {}
        for row in ProfileConsent.objects.values("purpose_id", "state").annotate(n=Count("id")):
            counts.setdefault(row["purpose_id"], {})[row["state"]] = row["n"]
        purposes = [
            {"purpose": p, **{state: counts.get(p.pk, {}).get(state, 0) for state in ConsentState.values}}
            for p in selectors.purpose_list()
        ]
        context.update(
            purposes=purposes,
            objections=ProfileObjection.objects.filter(objected=True).count(),
            records=ConsentRecord.objects.count(),
            mappings=ConsentCategoryMapping.objects.count(),
            analytics_effect=settings.ANALYTICS_DENIED_EFFECT,
        )
        return context


class PurposeFormView(CapabilityRequiredMixin, View):
    """Add a purpose, or edit one (the slug is fixed once created)."""

    required_capabilities = ("manage_consent",)
    template_name = "consent/purpose_form.html"

    def _purpose(self, slug):
        return get_object_or_404(Purpose, slug=slug) if slug else None

    def get(self, request, slug=None):
        purpose = self._purpose(slug)
        return render(request, self.template_name, {"form": PurposeForm(instance=purpose), "purpose": purpose})

    def post(self, request, slug=None):
        purpose = self._purpose(slug)
        form = PurposeForm(request.POST, instance=purpose)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "purpose": purpose}, status=400)
        data = {k: v for k, v in form.cleaned_data.items() if k != "slug"}
        if purpose is None:
            purpose = services.purpose_create(slug=form.cleaned_data["slug"], **data)
            messages.success(request, f"Purpose “{purpose.name}” added.")
        else:
            services.purpose_update(purpose=Purpose.objects.get(pk=purpose.pk), **data)
            messages.success(request, f"Purpose “{purpose.name}” saved.")
        return redirect("consent:index")


class MappingView(CapabilityRequiredMixin, View):
    """The Segment category → purpose mapping: list, add, remove."""

    required_capabilities = ("manage_consent",)
    template_name = "consent/mappings.html"

    def get(self, request):
        return self._render(request, MappingForm())

    def _render(self, request, form, status=200):
        return render(
            request, self.template_name, {"form": form, "mappings": selectors.category_mapping_list()}, status=status
        )

    def post(self, request):
        if "remove" in request.POST:
            mapping = ConsentCategoryMapping.objects.filter(pk=request.POST.get("remove")).first()
            if mapping:
                services.category_mapping_remove(mapping=mapping)
                messages.success(request, f"“{mapping.category}” no longer maps to {mapping.purpose.name}.")
            return redirect("consent:mappings")
        form = MappingForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        mapping = services.category_mapping_add(
            category=form.cleaned_data["category"], purpose=form.cleaned_data["purpose"]
        )
        messages.success(request, f"“{mapping.category}” now maps to {mapping.purpose.name}.")
        return redirect("consent:mappings")


class ProfileConsentRecordView(CapabilityRequiredMixin, View):
    """Record a consent statement or an objection for a profile (from its page)."""

    required_capabilities = ("view_profiles", "manage_consent")

    def post(self, request, pk: int):
        resolved = profile_resolve(pk)
        if resolved is None:
            raise Http404("No profile with this id.")
        profile = resolved.profile
        back = reverse("profiles:detail", args=[profile.pk]) + "#consent"
        if "objected" in request.POST:
            form = ObjectionForm(request.POST)
            if form.is_valid():
                services.objection_record(
                    profile=profile,
                    objected=form.cleaned_data["objected"],
                    source=ConsentSource.UI,
                    evidence=services.evidence_build(
                        collection_point=form.cleaned_data["collection_point"] or "Shoal UI"
                    ),
                    actor=request.user,
                )
                messages.success(
                    request,
                    "Objection to direct marketing recorded."
                    if form.cleaned_data["objected"]
                    else "Objection to direct marketing lifted.",
                )
            else:
                messages.error(request, "The objection could not be recorded.")
            return redirect(back)
        form = RecordConsentForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a purpose and a state to record consent.")
            return redirect(back)
        purpose = form.cleaned_data["purpose"]
        services.consent_record(
            profile=profile,
            purpose=purpose,
            state=form.cleaned_data["state"],
            source=ConsentSource.UI,
            evidence=services.evidence_build(
                policy_version=purpose.legal_text_version,
                collection_point=form.cleaned_data["collection_point"] or "Shoal UI",
            ),
            actor=request.user,
        )
        messages.success(request, f"{purpose.name}: {form.cleaned_data['state']} recorded.")
        return redirect(back)


# --- Public preference centre --------------------------------------------------------------------


def _invalid(request, error: InvalidLink) -> HttpResponse:
    status = 410 if error.expired else 404
    return _private(render(request, "consent/preferences_invalid.html", {"expired": error.expired}, status=status))


def _private(response: HttpResponse) -> HttpResponse:
    """The signed link is a credential: never cached, never indexed. (The site-wide same-origin
    referrer policy keeps it from other sites; no-referrer would make browsers send `Origin: null`
    with the form, which CSRF protection rightly refuses.)"""
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


class PreferenceCentreView(View):
    """Public page reached by the signed link in every email: the person's marketing purposes
    with toggles, one-click withdrawal of everything, and the objection to direct marketing.
    Works without JavaScript; CSRF-protected."""

    template_name = "consent/preferences.html"

    def _context(self, profile, token: str, **extra) -> dict:
        overview = selectors.consent_overview(profile, history_limit=0)
        marketing = [s for s in overview.purposes if s.purpose.is_marketing]
        return {"token": token, "purposes": marketing, "objected": overview.objected, **extra}

    def get(self, request, token: str):
        try:
            profile = profile_from_token(token)
        except InvalidLink as error:
            return _invalid(request, error)
        return _private(
            render(request, self.template_name, self._context(profile, token, saved=request.GET.get("saved")))
        )

    def post(self, request, token: str):
        try:
            profile = profile_from_token(token)
        except InvalidLink as error:
            return _invalid(request, error)
        overview = selectors.consent_overview(profile, history_limit=0)
        marketing = [s for s in overview.purposes if s.purpose.is_marketing]
        action = request.POST.get("action", "save")
        states: dict[str, str] = {}
        if action == "withdraw_all":
            for item in marketing:
                if item.state == ConsentState.GRANTED:
                    states[item.purpose.slug] = ConsentState.WITHDRAWN
                elif item.state is None:
                    states[item.purpose.slug] = ConsentState.DENIED
        else:
            chosen = set(request.POST.getlist("purpose"))
            for item in marketing:
                wanted = item.purpose.slug in chosen
                if wanted and item.state != ConsentState.GRANTED:
                    states[item.purpose.slug] = ConsentState.GRANTED
                elif not wanted and item.state == ConsentState.GRANTED:
                    states[item.purpose.slug] = ConsentState.WITHDRAWN
                elif not wanted and item.state is None:
                    states[item.purpose.slug] = ConsentState.DENIED
        with transaction.atomic():
            self._write(request, profile, marketing, states, action, overview.objected)
        saved = "withdrawn" if action == "withdraw_all" else "1"
        return redirect(reverse("preferences:centre", args=[token]) + f"?saved={saved}")

    def _write(self, request, profile, marketing, states, action, was_objected) -> None:
        for slug in states:
            purpose = next(s.purpose for s in marketing if s.purpose.slug == slug)
            services.consent_record(
                profile=profile,
                purpose=purpose,
                state=states[slug],
                source=ConsentSource.PREFERENCE_CENTRE,
                evidence=request_evidence(
                    request, collection_point="preference centre", policy_version=purpose.legal_text_version
                ),
            )
        objected = was_objected if action == "withdraw_all" else request.POST.get("objected") == "1"
        if objected != was_objected:
            services.objection_record(
                profile=profile,
                objected=objected,
                source=ConsentSource.PREFERENCE_CENTRE,
                evidence=request_evidence(request, collection_point="preference centre"),
            )


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(View):
    """RFC 8058 one-click unsubscribe (List-Unsubscribe-Post): the mail client POSTs without a
    session or CSRF token — the signed link is the authority. Withdraws email marketing."""

    def get(self, request, token: str):
        return redirect("preferences:centre", token=token)

    def post(self, request, token: str):
        try:
            profile = profile_from_token(token)
        except InvalidLink as error:
            return _invalid(request, error)
        current = ProfileConsent.objects.filter(profile=profile, purpose__slug="email_marketing").first()
        purpose = Purpose.objects.filter(slug="email_marketing").first()
        if purpose is not None and (current is None or current.state == ConsentState.GRANTED):
            services.consent_record(
                profile=profile,
                purpose=purpose,
                state=ConsentState.WITHDRAWN if current else ConsentState.DENIED,
                source=ConsentSource.PREFERENCE_CENTRE,
                evidence=request_evidence(
                    request, collection_point="one-click unsubscribe", policy_version=purpose.legal_text_version
                ),
            )
        return HttpResponse("Unsubscribed.", content_type="text/plain")
