"""Pages of Campaigns."""

from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin


class IndexView(CapabilityRequiredMixin, TemplateView):
    """The section's landing page."""

    required_capabilities = ("view_campaigns",)
    template_name = "campaigns/index.html"
