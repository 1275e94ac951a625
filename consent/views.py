"""Pages of Consent & privacy."""

from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin


class IndexView(CapabilityRequiredMixin, TemplateView):
    """The section's landing page."""

    any_capabilities = ("manage_consent", "handle_privacy_requests")
    template_name = "consent/index.html"
