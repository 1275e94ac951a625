"""Pages of Segments. The visual builder and live segment pages come with the marketer UI; until
then the list shows every segment as the engine keeps it, and points to the API to create one."""

from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin
from segments.selectors import segment_list


class IndexView(CapabilityRequiredMixin, TemplateView):
    """Every active segment with its size and evaluation state."""

    required_capabilities = ("view_segments",)
    template_name = "segments/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["segments"] = list(segment_list())
        return context
