from django.urls import path

from segments import api, api_discovery, exports

urlpatterns = [
    path("segments/", api.SegmentListView.as_view(), name="api-segments"),
    path("segments/preview/", api.PreviewView.as_view(), name="api-segment-preview"),
    path("segments/schema/", api_discovery.SchemaView.as_view(), name="api-segment-schema"),
    path(
        "segments/schema/properties/", api_discovery.EventPropertiesView.as_view(), name="api-segment-schema-properties"
    ),
    path("segments/schema/values/", api_discovery.ValuesView.as_view(), name="api-segment-schema-values"),
    path("segments/<int:pk>/", api.SegmentDetailView.as_view(), name="api-segment"),
    path("segments/<int:pk>/impact/", api.ImpactView.as_view(), name="api-segment-impact"),
    path("segments/<int:pk>/members/", api.MembersView.as_view(), name="api-segment-members"),
    path("segments/<int:pk>/members.csv", exports.MembersCsvView.as_view(), name="api-segment-members-csv"),
    path("segments/<int:pk>/history/", api.HistoryView.as_view(), name="api-segment-history"),
    path("segments/<int:pk>/size/", api.SizeView.as_view(), name="api-segment-size"),
    path("segments/<int:pk>/versions/", api.VersionsView.as_view(), name="api-segment-versions"),
    path("segments/<int:pk>/explain/<int:profile_id>/", api.ExplainView.as_view(), name="api-segment-explain"),
]
