from django.urls import path

from segments import views

app_name = "segments"
urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("new/", views.BuilderView.as_view(), name="new"),
    path("<int:pk>/", views.DetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.EditView.as_view(), name="edit"),
    path("profile/<int:profile_id>/", views.ProfileSegmentsView.as_view(), name="profile-segments"),
    path("assets/plotly.min.js", views.plotly_js, name="plotly-js"),
]
