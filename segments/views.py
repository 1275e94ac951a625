"""Pages of Segments."""

from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin


class IndexView(CapabilityRequiredMixin, TemplateView):
    """The section's landing page."""

    required_capabilities = ("view_segments",)
    template_name = "segments/index.html"
