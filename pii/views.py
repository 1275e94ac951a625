"""Pages: the steward's PII classification, and revealing one profile's personal data."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View
from django.views.generic import FormView

from accounts.permissions import CapabilityRequiredMixin, has_capability
from pii.constants import Sensitivity
from pii.forms import ClassificationForm
from pii.selectors import classification_list
from pii.services import classification_set, pii_conceal, pii_reveal, reveal_seconds
from profiles.selectors import profile_resolve


class ClassificationView(CapabilityRequiredMixin, FormView):
    """Everyone who may see profiles can read the classification (it explains the masks);
    changing it takes manage_pii (data stewards and admins)."""

    required_capabilities = ("view_profiles",)
    template_name = "pii/classification.html"
    form_class = ClassificationForm

    def can_edit(self) -> bool:
        user = self.request.user
        return has_capability(user, "manage_pii")

    def post(self, request, *args, **kwargs):
        if not self.can_edit():
            self.raise_exception = True
            return self.handle_no_permission()
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            classification_set(
                key=form.cleaned_data["key"], sensitivity=form.cleaned_data["sensitivity"], user=self.request.user
            )
        except ValidationError as error:
            form.add_error("key", error)
            return self.form_invalid(form)
        messages.success(self.request, f"“{form.cleaned_data['key']}” is now {form.cleaned_data['sensitivity']}.")
        return redirect("pii:classification")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = list(classification_list())
        context.update(
            rows=rows,
            counts={s: sum(1 for r in rows if r.sensitivity == s) for s, _ in Sensitivity.CHOICES},
            sensitivities=Sensitivity.CHOICES,
            can_edit=self.can_edit(),
        )
        return context


class RevealView(CapabilityRequiredMixin, View):
    """POST: show this profile's personal data unmasked for a few minutes (audited).
    POST with hide=1: mask it again."""

    required_capabilities = ("view_profiles", "view_pii")

    def post(self, request, profile_id: int):
        resolved = profile_resolve(profile_id)
        if resolved is None:
            raise Http404("No profile with this id.")
        profile = resolved.profile
        if request.POST.get("hide"):
            pii_conceal(request=request, profile=profile)
            messages.info(request, "Personal data is masked again.")
        else:
            pii_reveal(request=request, profile=profile, surface="page")
            minutes = max(1, reveal_seconds() // 60)
            messages.warning(
                request,
                f"Personal data of this profile is shown unmasked for {minutes} minutes. This reveal is in the audit log.",
            )
        return redirect(reverse("profiles:detail", args=[profile.pk]))
