from django.urls import path

from accounts import segment_access_views, views

urlpatterns = [
    path("", views.OverviewView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # Before segments/ in cdp/urls.py's order: the sharing page of a segment.
    path("segments/<int:pk>/sharing/", segment_access_views.SegmentSharingView.as_view(), name="segment-sharing"),
]
