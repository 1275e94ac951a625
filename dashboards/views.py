"""Pages of Dashboards."""

from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin


class IndexView(CapabilityRequiredMixin, TemplateView):
    """The section's landing page."""

    required_capabilities = ("view_dashboards",)
    template_name = "dashboards/index.html"
