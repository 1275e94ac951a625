"""Account pages: sign in and out, and the overview landing page."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.permissions import has_capability


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class OverviewView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["steps"] = [
            {
                "title": "Connect a source",
                "url": reverse("sources:index"),
                "text": "Create a source and send events with any Segment SDK.",
                "visible": has_capability(user, "manage_sources"),
            },
            {
                "title": "Explore profiles",
                "url": reverse("profiles:index"),
                "text": "Every person who sends events gets one unified profile.",
                "visible": has_capability(user, "view_profiles"),
            },
            {
                "title": "Build a segment",
                "url": reverse("segments:index"),
                "text": "Describe an audience and watch it re-form as people act.",
                "visible": has_capability(user, "manage_segments"),
            },
            {
                "title": "Reach people",
                "url": reverse("campaigns:index"),
                "text": "Launch A/B-tested campaigns to a segment, within consent.",
                "visible": has_capability(user, "manage_campaigns"),
            },
        ]
        return context
